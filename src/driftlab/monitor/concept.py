"""Concept drift: has the relation between features and label changed, as labels arrive?

Data drift compares feature distributions, so it cannot see a change in ``P(label | features)``
when the features themselves look the same. Concept drift is visible only in the model's
mistakes. This module orders a window's labeled predictions as their labels arrived, turns
them into a per-prediction error stream and runs a sequential change detector from River on
it:

* classification: the error indicator ``prediction != label`` (compared as strings);
* regression: the absolute residual ``|label - prediction|``.

The detectors are River's (``river.drift``), used as River documents them: ``update(x)``, then
``drift_detected``. DDM and EDDM model a binary stream and so apply to classification only.

On classification error streams three detectors start from settings other than River's
defaults (see ``binary_defaults`` in :data:`DETECTORS`; any ``params`` passed win). Measured
on seeded Bernoulli error streams of 1,000 labels (60 seeds per setting), River's defaults
raise a false alarm on a *stationary* stream (error rate 5–30%) in 12–45% of runs (DDM) and
87–95% (EDDM), and Page-Hinkley's ``threshold=50`` (in stream units, made for larger signals)
needs ~190 labels to see an error rate rise from 10% to 40% and misses a rise from 10% to 20%
in 57 of 60 runs. With the settings below, stationary streams alarm in 0–3% (DDM), 0–15%
(EDDM), 0–7% (Page-Hinkley) and 0% (ADWIN, River's defaults) of runs, and the median delay for
a 10% → 40% rise is about 67 (DDM), 140 (EDDM), 81 (Page-Hinkley) and 75 (ADWIN) labels. A
small rise is harder: for 10% → 20%, within 500 labels, ADWIN misses 49 of 60 runs, DDM 17,
EDDM 11 and Page-Hinkley 4.

Regression streams (absolute residuals, in the target's units) use River's defaults: pass
Page-Hinkley a ``threshold`` on the scale of your residuals.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from driftlab.config import Task
from driftlab.errors import ConfigError, DataError
from driftlab.formatting import num, p_value, percent, points
from driftlab.monitor.result import ConceptDrift
from driftlab.stats.proportions import pooled_z

if TYPE_CHECKING:
    from river.base import BinaryDriftDetector, DriftDetector

__all__ = [
    "DETECTORS",
    "MIN_LABELS",
    "ConceptDetector",
    "ConceptDrift",
    "detect_concept_drift",
    "error_level",
    "error_rate_test",
]

# Below this many labeled predictions no detector has left its warm-up (River's DDM, EDDM and
# Page-Hinkley all wait 30 observations by default), so "no drift" would mean "not looked".
MIN_LABELS = 30


@dataclass(frozen=True)
class ConceptDetector:
    """One catalogue entry: a River detector class and the streams it can watch.

    ``path`` names the class (``module:Class``); River is imported only when a detector is
    built, since importing it costs about 0.2 s and pulls in SQLAlchemy.
    """

    name: str
    title: str
    path: str
    binary_only: bool  # models a 0/1 stream: classification errors only
    # Settings for 0/1 error streams where River's defaults alarm too often or too late (see
    # the module docstring for the measurements). Regression streams get River's defaults.
    binary_defaults: dict[str, object] = field(default_factory=dict)

    def factory(self) -> Any:
        """The River class (imported on first use)."""
        module, _, name = self.path.partition(":")
        return getattr(importlib.import_module(module), name)


DETECTORS: dict[str, ConceptDetector] = {
    d.name: d
    for d in (
        ConceptDetector("adwin", "ADWIN", "river.drift:ADWIN", binary_only=False),
        ConceptDetector(
            "ddm",
            "DDM",
            "river.drift.binary:DDM",
            binary_only=True,
            # A longer warm-up steadies the minimum error estimate DDM compares against.
            binary_defaults={"warm_start": 200, "drift_threshold": 4.0},
        ),
        ConceptDetector(
            "eddm",
            "EDDM",
            "river.drift.binary:EDDM",
            binary_only=True,
            # River counts EDDM's warm-up in errors, not predictions.
            binary_defaults={"warm_start": 100, "alpha": 0.75, "beta": 0.7},
        ),
        ConceptDetector(
            "page_hinkley",
            "Page-Hinkley",
            "river.drift:PageHinkley",
            binary_only=False,
            # A rising error rate is the change that matters; the threshold is in error-rate
            # units summed over predictions.
            binary_defaults={"threshold": 25.0, "mode": "up"},
        ),
    )
}


def _detector(method: str, task: Task) -> ConceptDetector:
    try:
        entry = DETECTORS[method]
    except KeyError:
        raise ConfigError(
            f"unknown concept-drift method {method!r}. Available: {', '.join(sorted(DETECTORS))}"
        ) from None
    if entry.binary_only and not task.is_classification:
        fits = sorted(n for n, d in DETECTORS.items() if not d.binary_only)
        raise ConfigError(
            f"concept-drift method {method!r} ({entry.title}) watches a binary error stream, "
            f"so it applies to classification only; for task {task.value!r} use one of: "
            f"{', '.join(fits)}"
        )
    return entry


def _build(entry: ConceptDetector, params: dict, task: Task) -> DriftDetector | BinaryDriftDetector:
    factory = entry.factory()
    accepted = [p for p in inspect.signature(factory).parameters if p != "self"]
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise ConfigError(
            f"{entry.title} has no parameter {', '.join(map(repr, unknown))}; "
            f"it accepts: {', '.join(accepted)}"
        )
    settings = {**entry.binary_defaults, **params} if task.is_classification else dict(params)
    try:
        return factory(**settings)
    except (TypeError, ValueError) as e:
        raise ConfigError(f"invalid {entry.title} parameters {settings!r}: {e}") from e


def _task(task: str | Task) -> Task:
    try:
        return Task(task)
    except ValueError:
        raise ConfigError(
            f"unknown task {task!r}; use one of: {', '.join(t.value for t in Task)}"
        ) from None


def _label_order(window: pd.DataFrame) -> pd.DataFrame:
    """Labeled rows as their labels arrived: label time, then prediction time, then request id
    (so rows with equal times still have one order, whatever order the window came in)."""
    labeled = window[window["label"].notna()]
    keys = pd.DataFrame(
        {
            "label_ts": pd.to_datetime(labeled["label_ts"], utc=True),
            "ts": pd.to_datetime(labeled["ts"], utc=True),
            "request_id": labeled["request_id"].astype(str),
        },
        index=labeled.index,
    )
    order = keys.sort_values(["label_ts", "ts", "request_id"], kind="mergesort").index
    return labeled.loc[order].reset_index(drop=True)


def _stream(labeled: pd.DataFrame, task: Task) -> np.ndarray:
    if task.is_classification:
        return (labeled["prediction"].astype(str) != labeled["label"].astype(str)).to_numpy(
            dtype="float64"
        )
    try:
        y = labeled["label"].astype("float64").to_numpy()
        yhat = labeled["prediction"].astype("float64").to_numpy()
    except (TypeError, ValueError) as e:
        raise DataError(
            f"task is regression but a label or prediction is not a number ({e}); "
            "check the labels sent for this model"
        ) from e
    return np.abs(y - yhat)


def _when(ts: object) -> tuple[str, str]:
    """(ISO string, "2026-11-25 12:00 UTC") of a prediction time."""
    t = pd.Timestamp(ts)
    t = t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
    return t.isoformat(), t.strftime("%Y-%m-%d %H:%M UTC")


def _short(request_id: str, longest: int = 12, keep: int = 8) -> str:
    """A request id short enough for a sentence: UUIDs are cut to their first characters.

    >>> _short("9f1c2b7e-1d2a-4c3b-9a8e-0f1e2d3c4b5a"), _short("req-00042")
    ('9f1c2b7e…', 'req-00042')
    """
    return request_id if len(request_id) <= longest else request_id[:keep] + "…"


def detect_concept_drift(
    window: pd.DataFrame, *, task: str, method: str = "adwin", **params: object
) -> ConceptDrift:
    """Run a River change detector over the window's error stream in label order.

    ``window`` has the store's window columns (``request_id``, ``ts``, ``prediction``,
    ``label``, ``label_ts`` …); unlabeled rows are skipped. ``params`` go to the River
    detector (e.g. ``delta=0.002`` for ADWIN) over the entry's ``binary_defaults``
    (classification) or River's defaults (regression).

    Every change point is reported. ``error_before`` and ``error_after`` split the stream at
    the first one (error rate for classification, mean absolute error for regression). With
    fewer than :data:`MIN_LABELS` labeled rows nothing is run and ``detected`` is False.
    ``detected`` means the detector fired; compare ``error_after`` with ``error_before`` for
    the direction (ADWIN and Page-Hinkley also fire when the error falls).

    >>> detect_concept_drift(pd.DataFrame(), task="binary", method="kswin")
    ... # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    driftlab.errors.ConfigError: unknown concept-drift method 'kswin'. Available: adwin, ddm,
    eddm, page_hinkley
    """
    t = _task(task)
    entry = _detector(method, t)
    detector = _build(entry, params, t)
    labeled = _label_order(window)
    n = len(labeled)
    if n < MIN_LABELS:
        message = (
            f"Insufficient labels: {n} labeled predictions in this window, "
            f"{MIN_LABELS} needed for a concept-drift verdict."
        )
        return ConceptDrift(entry.name, False, [], None, None, n, message, change_message=message)
    values = _stream(labeled, t)
    fired: list[int] = []
    for i, x in enumerate(values):
        detector.update(bool(x) if entry.binary_only else float(x))
        if detector.drift_detected:
            fired.append(i)
    found = [
        {
            "index": i,
            "request_id": str(labeled.at[i, "request_id"]),
            "ts": _when(labeled.at[i, "ts"])[0],
        }
        for i in fired
    ]
    message = _message(entry, t, values, fired, labeled)
    if not fired:
        return ConceptDrift(entry.name, False, [], None, None, n, message, change_message=message)
    first = fired[0]
    before = float(values[:first].mean()) if first > 0 else None
    after = float(values[first:].mean())
    return ConceptDrift(entry.name, True, found, before, after, n, message, change_message=message)


def _message(
    entry: ConceptDetector, task: Task, values: np.ndarray, fired: list[int], labeled: pd.DataFrame
) -> str:
    """The detector's verdict in a sentence: a change *inside the window*, in label order (the
    error level against training is :func:`error_level`'s). Positions count from 1 for people.
    A fall in the error is said to be an improvement: detectors fire both ways."""
    n = len(values)
    what = "error rate" if task.is_classification else "mean absolute error"

    def show(v: float) -> str:
        return percent(v) if task.is_classification else num(v)

    if not fired:
        return (
            f"No change inside the window ({entry.title}): {what} steady at "
            f"{show(float(values.mean()))} over {n:,} labeled predictions in label order."
        )
    first = fired[0]
    after = float(values[first:].mean())
    where = (
        f"at labeled prediction {first + 1:,} of {n:,} (request "
        f"{_short(str(labeled.at[first, 'request_id']))}, {_when(labeled.at[first, 'ts'])[1]})"
    )
    before = float(values[:first].mean()) if first > 0 else None
    if before is not None and after <= before:
        message = (
            f"The {what} fell inside the window ({entry.title}): from {show(before)} to "
            f"{show(after)} {where}. An improvement, not an alert."
        )
    elif before is not None:
        message = (
            f"Concept drift detected inside the window ({entry.title}): {what} rose from "
            f"{show(before)} to {show(after)} {where}."
        )
    else:
        message = (
            f"Concept drift detected inside the window ({entry.title}): {what} {show(after)} "
            f"from the first labeled prediction on, {where}."
        )
    later = fired[1:]
    if later:
        plural = "s" if len(later) > 1 else ""
        at = ", ".join(f"{i + 1:,}" for i in later)
        message += f" {len(later)} later change point{plural}, at labeled prediction{plural} {at}."
    return message


def error_rate_test(
    reference_error: float, n_reference: int, window_errors: np.ndarray
) -> tuple[float, float]:
    """One-sided two-proportion z-test: is the window's error rate above the reference's?

    With ``p1 = reference_error`` on ``n1 = n_reference`` holdout rows and ``p2`` the mean of
    the 0/1 ``window_errors`` (``n2`` rows), ``z`` is the pooled two-proportion statistic
    (:func:`driftlab.stats.proportions.pooled_z`) and ``p_value = P(Z >= z)``

    (statsmodels' ``proportions_ztest(alternative="larger")`` with the pooled variance). When
    the pooled rate is 0 or 1 both sides are identical and there is nothing to test:
    ``(0.0, 1.0)``.

    A holdout error of 10% on 400 rows against 16 errors in 100 window predictions:

    >>> z, p = error_rate_test(0.10, 400, np.r_[np.ones(16), np.zeros(84)])
    >>> round(z, 4), round(p, 4)
    (1.7017, 0.0444)
    >>> error_rate_test(0.0, 400, np.zeros(50))
    (0.0, 1.0)
    """
    from scipy import stats

    if not 0.0 <= reference_error <= 1.0:
        raise DataError(f"reference_error must be a rate in [0, 1]; got {reference_error!r}")
    if n_reference < 1:
        raise DataError(f"n_reference must be at least 1; got {n_reference!r}")
    errors = np.asarray(window_errors, dtype="float64")
    if errors.size == 0:
        raise DataError("window_errors is empty; pass one 0/1 value per labeled prediction")
    if not np.isin(errors, (0.0, 1.0)).all():
        bad = errors[~np.isin(errors, (0.0, 1.0))][0]
        raise DataError(f"window_errors must hold 0/1 error indicators; found {bad:g}")
    z = pooled_z(reference_error * n_reference, n_reference, errors.sum(), errors.size)
    if z is None:
        return 0.0, 1.0
    return z, float(stats.norm.sf(z))


def error_level(
    concept: ConceptDrift,
    reference_error: float,
    n_reference: int,
    window_errors: np.ndarray,
    *,
    alpha: float,
    max_rise: float,
    min_labels: int = MIN_LABELS,
) -> ConceptDrift:
    """``concept`` with the error *level* judged against the training holdout's, and both
    sentences joined in its ``message``.

    The window's error rate is ``higher`` (a finding) when the one-sided test for a rise
    (:func:`error_rate_test`) gives p < ``alpha`` **and** it is more than ``max_rise`` above
    the holdout's (an absolute difference of rates: ``monitor.max_metric_drop``, as for the
    accuracy it mirrors); ``higher_small`` when only significant; ``lower`` when the test for
    a fall (p = 1 − p of the rise) is significant: fewer mistakes than at training, an
    improvement; else ``same``. With fewer than ``min_labels`` labels (at least
    :data:`MIN_LABELS`) nothing is judged.

    >>> c = ConceptDrift("adwin", False, [], None, None, 200, "No change.", change_message="No change.")
    >>> out = error_level(c, 0.10, 400, np.r_[np.ones(60), np.zeros(140)], alpha=0.05, max_rise=0.05)
    >>> out.level, out.level_message
    ('higher', 'Error rate above training: 30% of 200 labeled predictions were wrong vs 10% on the training holdout (+20 points, one-sided z-test p < 0.001; limit: a rise of 5 points).')
    """  # noqa: E501
    from scipy import stats

    errors = np.asarray(window_errors, dtype="float64")
    if errors.size < max(min_labels, MIN_LABELS):
        return concept
    z, p_rise = error_rate_test(reference_error, n_reference, errors)
    rate = float(errors.mean())
    rise = rate - reference_error
    p_fall = float(stats.norm.cdf(z)) if z != 0.0 else 1.0
    limit = f"a rise of {points(max_rise).lstrip('+')}"
    vs = (
        f"{percent(rate)} of {errors.size:,} labeled predictions were wrong vs "
        f"{percent(reference_error)} on the training holdout ({points(rise)}"
    )
    if p_rise < alpha and rise > max_rise:
        level = "higher"
        text = (
            f"Error rate above training: {vs}, one-sided z-test {p_value(p_rise)}; limit: {limit})."
        )
    elif p_rise < alpha:
        level = "higher_small"
        text = (
            f"Error rate slightly above training: {vs}, {p_value(p_rise)}): significant, "
            f"below the limit ({limit})."
        )
    elif p_fall < alpha:
        level = "lower"
        text = f"Error rate below training: {vs}, {p_value(p_fall)}): an improvement."
    else:
        level = "same"
        text = f"Error rate in line with training: {vs}, {p_value(p_rise)} for a rise)."
    return replace(
        concept,
        reference_error=reference_error,
        window_error=rate,
        p_value=float(p_rise),
        level=level,
        level_message=text,
        message=f"{text} {concept.change_message or concept.message}",
    )
