"""Realized model quality on the labeled part of a window."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from driftlab.formatting import num
from driftlab.metrics import (
    LOWER_IS_BETTER,
    class_breakdown,
    classification_metrics,
    regression_metrics,
)
from driftlab.metrics import weighted as wm
from driftlab.model import ModelInfo
from driftlab.model_outputs import positive_probability
from driftlab.monitor.result import PerformanceResult
from driftlab.monitor.tally import Counted
from driftlab.schema import _as_str

__all__ = ["bootstrap_interval", "judge_performance", "usable_labels", "window_performance"]


def _positive_proba(window: pd.DataFrame, info: ModelInfo) -> np.ndarray | None:
    pos = positive_probability(window, info)
    if pos is None:
        return None
    col = info.classes.index(info.positive_class)
    proba = np.empty((len(pos), 2))
    proba[:, col], proba[:, 1 - col] = pos, 1.0 - pos
    return proba


def _score(labeled: pd.DataFrame, info: ModelInfo) -> dict[str, float]:
    if info.task.is_classification:
        return classification_metrics(
            labeled["label"].astype(str).tolist(),
            labeled["prediction"].astype(str).tolist(),
            _positive_proba(labeled, info),
            info.classes,
            info.positive_class,
        )
    return regression_metrics(
        labeled["label"].astype(float).to_numpy(),
        labeled["prediction"].astype(float).to_numpy(),
    )


# Bytes of resample weights scored at once: a 1M-row window would otherwise hold
# 200 × 1M float64 weights (1.6 GB); the kernels make a few temporaries of the same size.
BLOCK_BYTES = 32 * 2**20


@dataclass(frozen=True)
class _Resampled:
    """One metric as a function of row weights ``(b, n) -> (b,)``, NaN where undefined.

    ``slot``: the position of each original row in the kernel's arrays (rows are sorted by
    score once for ROC AUC), so resample counts are drawn over the original rows.
    """

    score: Callable[[np.ndarray], np.ndarray]
    slot: np.ndarray | None = None


def _codes(values: pd.Series, classes: list[str]) -> np.ndarray:
    """Class codes in ``classes`` order, -1 for any other value (as text, like ``_score``)."""
    return pd.Index(classes).get_indexer(values.astype(str)).astype(np.int64)


def _resampled(labeled: pd.DataFrame, info: ModelInfo, metric: str) -> _Resampled | None:
    """The weighted kernel of ``metric`` on these rows; None when ``_score`` never reports it
    for this task (a regression metric on a classifier, ROC AUC without probabilities)."""
    if not info.task.is_classification:
        t = labeled["label"].astype(float).to_numpy()
        p = labeled["prediction"].astype(float).to_numpy()
        regression = {"mse": wm.mse, "rmse": wm.rmse, "mae": wm.mae, "mape": wm.mape, "r2": wm.r2}
        fn = regression.get(metric)
        return None if fn is None else _Resampled(partial(fn, t, p))
    classes = list(info.classes)
    t, p = _codes(labeled["label"], classes), _codes(labeled["prediction"], classes)
    if metric == "accuracy":
        return _Resampled(partial(wm.accuracy, t, p))
    binary = len(classes) == 2
    positive = classes.index(info.positive_class or classes[1]) if binary else None
    counted = {"precision": wm.precision, "recall": wm.recall, "f1": wm.f1}
    if metric in counted:
        return _Resampled(partial(counted[metric], t, p, n_classes=len(classes), positive=positive))
    proba = _positive_proba(labeled, info) if binary else None
    if proba is None or positive is None:
        return None
    if metric == "log_loss":
        return _Resampled(partial(wm.log_loss, t, proba))
    if metric != "roc_auc":
        return None
    order = np.argsort(proba[:, positive], kind="stable")
    slot = np.empty_like(order)
    slot[order] = np.arange(len(order))
    return _Resampled(partial(wm.roc_auc, t[order] == positive, proba[order, positive]), slot)


def bootstrap_interval(
    labeled: pd.DataFrame,
    info: ModelInfo,
    metric: str,
    *,
    resamples: int = 200,
    level: float = 0.95,
    seed: int = 0,
) -> tuple[float, float] | None:
    """Percentile bootstrap interval of ``metric`` over the labeled rows (rows resampled
    with replacement). None when the metric is undefined on too many resamples.

    A resample is scored as row weights (how often each row was drawn) by the kernels of
    :mod:`driftlab.metrics.weighted`, a block of resamples at a time; the draws are the
    ones a loop over ``labeled.iloc[rng.integers(0, n, n)]`` would make with this seed.
    """
    n = len(labeled)
    kernel = _resampled(labeled, info, metric) if n else None
    if kernel is None:
        return None
    rng = np.random.default_rng(seed)
    block = max(1, BLOCK_BYTES // (8 * n))
    values = []
    for start in range(0, resamples, block):
        weights = np.empty((min(block, resamples - start), n))
        for row in weights:
            drawn = rng.integers(0, n, n)
            row[:] = np.bincount(drawn if kernel.slot is None else kernel.slot[drawn], minlength=n)
        values.append(np.atleast_1d(kernel.score(weights)))
    scored = np.concatenate(values) if values else np.empty(0)
    scored = scored[~np.isnan(scored)]
    if len(scored) < resamples // 2:
        return None
    tail = (1 - level) / 2 * 100
    lo, hi = np.percentile(scored, [tail, 100 - tail])
    return float(lo), float(hi)


def usable_labels(window: pd.DataFrame, info: ModelInfo) -> pd.DataFrame:
    """Labeled rows that can be scored: a class the model knows, or a finite number."""
    labeled = window[window["label"].notna()]
    if info.task.is_classification:
        return labeled[labeled["label"].map(_as_str).isin(info.classes)]
    values = pd.to_numeric(labeled["label"], errors="coerce")
    return labeled[np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))]


def _breakdown(labeled: pd.DataFrame, info: ModelInfo) -> dict[str, object]:
    if not info.task.is_classification:
        return {}
    return class_breakdown(
        labeled["label"].astype(str).tolist(), labeled["prediction"].astype(str).tolist(),
        info.classes,
    )  # fmt: skip


def _label_lag(labeled: pd.DataFrame) -> dict[str, float]:
    lag = pd.to_datetime(labeled["label_ts"], utc=True) - pd.to_datetime(labeled["ts"], utc=True)
    seconds = lag.dt.total_seconds().dropna().to_numpy()
    if seconds.size == 0:
        return {}
    return {"median_s": float(np.median(seconds)), "p90_s": float(np.percentile(seconds, 90))}


def _beyond_noise(
    now: float,
    before: float,
    interval: tuple[float, float],
    n: int,
    n_test: int,
    lower_better: bool,
) -> bool:
    """Is the window's metric worse than the holdout's by more than 1.96 standard errors of
    their difference (one-sided, 2.5 %)?

    The window's standard error is read off its 95 % bootstrap interval, width / 3.92. The
    holdout's value is an estimate too: on a 100-row holdout it is as noisy as a 100-row
    window, and treating it as exact fired on 4 of 10 clean 500-row windows of a small credit
    table. Its standard error is the window's scaled by sqrt(n / n_test) (the same per-row
    variance over ``n_test`` rows); with no holdout size known it counts as exact.

    >>> _beyond_noise(0.72, 0.80, (0.68, 0.76), 500, 100_000, False)  # a large holdout
    True
    >>> _beyond_noise(0.72, 0.80, (0.68, 0.76), 500, 100, False)  # a 100-row holdout
    False
    """
    se_window = (interval[1] - interval[0]) / 3.92
    se_holdout = se_window * (n / n_test) ** 0.5 if n_test > 0 else 0.0
    worse = (now - before) if lower_better else (before - now)
    return bool(worse > 1.96 * (se_window**2 + se_holdout**2) ** 0.5)


def window_performance(
    window: pd.DataFrame,
    info: ModelInfo,
    *,
    primary_metric: str,
    min_labels: int,
    max_drop: float,
    floor: float | None = None,
    counted: Counted | None = None,
) -> PerformanceResult:
    """Score the labeled rows of ``window``; compare the primary metric with the holdout's.

    Quality is *degraded* only when the drop is material (more than ``max_drop``) **and**
    significant beyond the noise of both the window and the holdout (:func:`_beyond_noise`) —
    a test, not a bare difference, so a handful of unlucky labels, or a lucky holdout, does
    not page anyone.

    ``counted``: the exact figures of a larger window, of which ``window`` is a uniform
    sample (see :mod:`driftlab.monitor.tally`). The point metrics, coverage and breakdown are
    then the whole window's; the interval and the label lag are the sample's, and the
    message says so.
    """
    labeled = usable_labels(window, info)
    n = len(labeled) if counted is None else counted.n_labeled
    n_rows = len(window) if counted is None else counted.n_rows
    return judge_performance(
        n,
        (lambda: _score(labeled, info)) if counted is None else (lambda: counted.metrics),
        info,
        primary_metric=primary_metric,
        min_labels=min_labels,
        max_drop=max_drop,
        floor=floor,
        interval=lambda: bootstrap_interval(labeled, info, primary_metric),
        breakdown=(
            (lambda: _breakdown(labeled, info)) if counted is None else (lambda: counted.breakdown)
        ),
        coverage=n / n_rows if n_rows else 0.0,
        label_lag=_label_lag(labeled) if len(labeled) else {},
        sampled=None if counted is None else len(labeled),
    )


def judge_performance(
    n: int,
    score: Callable[[], dict[str, float]],
    info: ModelInfo,
    *,
    primary_metric: str,
    min_labels: int,
    max_drop: float,
    floor: float | None,
    interval: Callable[[], tuple[float, float] | None],
    breakdown: Callable[[], dict[str, object]],
    coverage: float,
    label_lag: dict[str, float],
    sampled: int | None = None,
) -> PerformanceResult:
    """The verdict of :func:`window_performance` from ``n`` usable labels and what was
    measured on them (callables: computed only when the verdict needs them). A distributed
    engine passes metrics merged from exact counts here, so both decide alike. ``sampled``:
    the number of labeled rows the interval was drawn from, when they are a uniform sample of
    the ``n``."""
    ref = dict(info.metrics)
    lag = label_lag
    if n < min_labels:
        return PerformanceResult(
            "insufficient_labels", n, {}, ref, primary_metric,
            f"Insufficient labels: {n} labeled predictions in this window, "
            f"{min_labels} needed for a performance verdict.",
            coverage=coverage, label_lag=lag,
        )  # fmt: skip
    metrics = score()
    now, before = metrics.get(primary_metric), ref.get(primary_metric)
    if now is None or before is None:
        return PerformanceResult(
            "ok", n, metrics, ref, primary_metric,
            f"{primary_metric} is not available for this window ({n} labeled predictions).",
            coverage=coverage, label_lag=lag,
        )  # fmt: skip
    lower_better = primary_metric in LOWER_IS_BETTER
    drop = (now - before) if lower_better else (before - now)
    scale = abs(before) if lower_better and before else 1.0
    ci_bounds = interval()
    significant = ci_bounds is not None and _beyond_noise(
        now, before, ci_bounds, n, info.n_test, lower_better
    )
    degraded = drop / scale > max_drop and significant
    # The absolute floor (a ceiling for lower-is-better metrics), with the same evidence bar.
    below_floor = (
        floor is not None
        and ci_bounds is not None
        and (ci_bounds[0] > floor if lower_better else ci_bounds[1] < floor)
    )
    better = ci_bounds is not None and (
        ci_bounds[1] < before if lower_better else ci_bounds[0] > before
    )
    if degraded or below_floor:
        verb = "dropped"
    elif drop / scale > max_drop:  # beyond the limit, but the interval reaches the holdout
        verb = "may have dropped (not significant yet)"
    elif better:
        verb = "improved"
    else:
        verb = "is stable"
    ci = f" (95% CI {num(ci_bounds[0])}–{num(ci_bounds[1])})" if ci_bounds else ""
    limit = ""
    if drop / scale > max_drop and not below_floor:
        limit = f" (limit: a drop of {num(max_drop)})"
    elif below_floor:
        limit = f" ({'above the ceiling' if lower_better else 'below the floor'} {num(floor)})"  # type: ignore[arg-type]
    message = (
        f"Model performance {verb}: {primary_metric} {num(now)}{ci} on {n} labeled predictions "
        f"vs {num(before)} on the training holdout{limit}."
    )
    if sampled is not None:
        message += (
            f" The interval is from a uniform sample of {sampled} of them "
            "(monitor.max_rows_in_memory)."
        )
    degraded = degraded or below_floor
    return PerformanceResult(
        "degraded" if degraded else "ok", n, metrics, ref, primary_metric, message,
        interval=list(ci_bounds) if ci_bounds else None, coverage=coverage, label_lag=lag,
        breakdown=breakdown(),
    )  # fmt: skip
