"""One monitoring run: read a window, profile it, compare, score, decide alerts."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TypeVar

import pandas as pd

from driftlab.calibration import Calibration, LossMap
from driftlab.config import Feature, MonitorConfig, event_time
from driftlab.errors import ConfigError, DataError
from driftlab.model import ModelBundle, ModelInfo
from driftlab.monitor.concept import detect_concept_drift, error_level
from driftlab.monitor.dataset import dataset_drift
from driftlab.monitor.drift import DriftPolicy, FeatureRule, compare_profiles
from driftlab.monitor.estimate import estimate_performance, estimate_regression
from driftlab.monitor.findings import conclude
from driftlab.monitor.model_checks import window_compliance, window_fairness_of
from driftlab.monitor.multivariate import domain_classifier, pca_reconstruction, rows_frame
from driftlab.monitor.performance import window_performance
from driftlab.monitor.quality import QualityTally, judge_quality, label_drift
from driftlab.monitor.result import (
    CheckError,
    ConceptDrift,
    EstimatedPerformance,
    FeatureDrift,
    MonitoringResult,
    MultivariateDrift,
)
from driftlab.monitor.service import service_health
from driftlab.monitor.settings import MonitorSettings
from driftlab.monitor.window import Streamed, WindowReader, outputs_profile
from driftlab.profile import Profile, build_profile
from driftlab.schema import coerce_frame

__all__ = ["monitor_chunks", "monitor_window", "pick_version", "policy_for"]

_log = logging.getLogger(__name__)
_T = TypeVar("_T")


def pick_version(frame: pd.DataFrame) -> str | None:
    """The model version that served most rows of a window (its reference is the baseline)."""
    if frame.empty:
        return None
    return str(frame["model_version"].value_counts().idxmax())


def monitor_window(
    frame: pd.DataFrame,
    bundle: ModelBundle,
    settings: MonitorSettings,
    errors: dict[str, int] | None = None,
) -> MonitoringResult:
    """Compare a window of logged predictions with ``bundle``'s frozen reference.

    Pure with respect to storage: reading the window and saving the result are the caller's.
    ``settings`` is built once by the job (:meth:`MonitorSettings.of` a project). A table
    already in memory is checked whole, every check on every row, whatever its size; a window
    read from a store goes through :func:`monitor_chunks`.

    Each check runs isolated: one that cannot run on this window (it raises) is reported in
    ``check_errors`` and as a ``check_failed`` finding, and the others complete. Only a window
    that cannot be read as the model's features at all (:class:`DataError`) or a setting
    that cannot work (:class:`ConfigError`) stops the run.
    """
    return monitor_chunks([frame], bundle, settings, errors, max_rows=max(len(frame), 1))


def monitor_chunks(
    chunks: Iterable[pd.DataFrame],
    bundle: ModelBundle,
    settings: MonitorSettings,
    errors: dict[str, int] | None = None,
    *,
    max_rows: int | None = None,
) -> MonitoringResult:
    """:func:`monitor_window` over a window given as chunks (oldest first), in memory bounded
    by ``max_rows`` (default ``monitor.max_rows_in_memory``) whatever the window's size.

    A window of at most ``max_rows`` rows gives the result :func:`monitor_window` gives on
    the whole table. A larger one is streamed (see :mod:`driftlab.monitor.window`): drift,
    prediction drift, counts, throughput and the realized point metrics stay exact over every
    row; the checks that need rows run on a uniform sample of ``max_rows`` of them, named in
    the result's ``sampled``.
    """
    cfg = settings.monitor
    reader = WindowReader(bundle, cfg.sample_size, max_rows or cfg.max_rows_in_memory)
    for chunk in chunks:
        reader.add(chunk)
    frame, streamed = reader.finish()
    return _run(frame, bundle, settings, errors, streamed)


def _run(
    frame: pd.DataFrame,
    bundle: ModelBundle,
    settings: MonitorSettings,
    errors: dict[str, int] | None,
    streamed: Streamed | None,
) -> MonitoringResult:
    """Every check on ``frame``: the whole window, or (``streamed``) a uniform sample of it
    beside what was counted over every row."""
    cfg = settings.monitor
    info = bundle.info
    if streamed is None:
        n_rows = len(frame)
        start = frame["ts"].min() if not frame.empty else None
        end = frame["ts"].max() if not frame.empty else None
    else:
        n_rows, start, end = streamed.n_rows, streamed.start, streamed.end
    common = {
        "model_name": info.name,
        "model_version": bundle.version,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "window_start": start.isoformat() if start is not None else None,
        "window_end": end.isoformat() if end is not None else None,
        "n_rows": n_rows,
        "settings": cfg.model_dump(),
    }
    if n_rows < cfg.min_rows:
        return MonitoringResult(
            **common,
            status="insufficient_data",
            summary=(
                f"Insufficient data: {n_rows} predictions in the window, "
                f"{cfg.min_rows} needed for a drift verdict (monitor.min_rows)."
            ),
            features=[],
            drift_share=0.0,
            drifted_features=[],
            performance=None,
            alerts=[],
        )
    monitored = info.monitored_features
    absent = [f for f in monitored if f.name not in frame.columns]
    # Optional metadata (e.g. a protected attribute) that no client sent is all-missing.
    frame = frame.assign(**{f.name: None for f in absent if not f.is_model_input})
    missing = [f.name for f in absent if f.is_model_input]
    if missing:
        raise DataError(
            f"logged predictions lack feature(s) {', '.join(missing)} that model version "
            f"{bundle.version} was trained with"
        )
    # Text where a number belongs becomes missing here; the data-quality tally (on the raw
    # frame) counts it as unparsable, so a column that changes type is a finding of its own.
    features = coerce_frame(frame, monitored, strict=False)
    policy = policy_for(settings, monitored, info.extra.get("effect_thresholds"))
    # From here on every check runs isolated: one that raises on this window's values is
    # recorded as a finding of its own (check_failed) and the others complete. A stored
    # value must never blind the whole run.
    checks = _Isolation()
    window_profile = checks.run(
        "data_drift",
        lambda: build_profile(
            features, monitored, reference=bundle.reference, sample_size=cfg.sample_size
        ) if streamed is None else _counted(streamed, "data_drift", streamed.profile),
        None,
    )  # fmt: skip
    drift = (
        checks.run("data_drift", lambda: dataset_drift(bundle.reference, window_profile, policy),
                   None)
        if window_profile is not None else None
    )  # fmt: skip
    tally = checks.run(
        "data_quality",
        lambda: QualityTally.start(
            bundle.reference, info.features, margin=cfg.range_margin,
            label_edges=(info.extra.get("label_reference") or {}).get("edges"),
        ).add(frame),
        None,
    )  # fmt: skip
    quality = (
        checks.run(
            "data_quality",
            lambda: judge_quality(tally, bundle.reference, window_profile, monitored, cfg,
                                  absent=frozenset(f.name for f in absent)),
            None,
        )
        if tally is not None else None
    )  # fmt: skip
    labels = (
        checks.run(
            "label_drift", lambda: label_drift(tally, info.extra.get("label_reference"), cfg), None
        )
        if tally is not None else None
    )  # fmt: skip
    performance = checks.run(
        "performance",
        lambda: window_performance(
            frame,
            info,
            primary_metric=settings.primary_metric,
            min_labels=cfg.min_labels,
            max_drop=cfg.max_metric_drop,
            floor=cfg.metric_floor,
            counted=(
                None if streamed is None else _counted(streamed, "performance", streamed.counted)
            ),
        ),
        None,
    )
    outputs = checks.run(
        "prediction_drift",
        lambda: _prediction_drift(
            outputs_profile(frame, bundle) if streamed is None
            else _counted(streamed, "prediction_drift", streamed.outputs),
            bundle, policy,
        ),
        None,
    )  # fmt: skip
    service = checks.run(
        "service",
        lambda: service_health(frame, max_p99_ms=cfg.max_p99_latency_ms, errors=errors,
                               max_error_rate=cfg.max_error_rate,
                               n_rows=None if streamed is None else streamed.n_rows,
                               span_s=None if streamed is None else streamed.span_s),
        None,
    )  # fmt: skip
    # The detectors read the labeled rows the performance check found; without that check
    # there is nothing to run them on (and its failure is already reported).
    concept = (
        checks.run(
            "concept_drift",
            lambda: _with_error_test(
                detect_concept_drift(frame, task=info.task.value, method=cfg.concept_detector),
                frame, info, settings,
            ),
            None,
        )
        if cfg.concept_detector != "none" and performance is not None
        and performance.n_labeled > 0 else None
    )  # fmt: skip
    estimated = checks.run("estimated_performance", lambda: _estimated(frame, info), None)
    multivariate = (
        checks.run(
            "multivariate",
            lambda: _multivariate(bundle, window_profile, monitored, cfg),
            [],
        )
        if cfg.multivariate and window_profile is not None else []
    )  # fmt: skip
    fairness = checks.run("fairness", lambda: window_fairness_of(frame, bundle, settings), None)
    compliance = checks.run("compliance", lambda: window_compliance(frame, bundle, settings), None)
    sampled = None
    if streamed is not None:
        ran = {"data_quality": quality, "performance_interval": performance,
               "service_latency": service, "concept_drift": concept,
               "estimated_performance": estimated, "fairness": fairness,
               "compliance": compliance}  # fmt: skip
        used = [name for name, value in ran.items() if value is not None]
        sampled = {"n_sampled": streamed.n_sampled, "checks": used}
    # Status and summary are read off the findings (driftlab.monitor.findings); alerts are
    # decided downstream (driftlab.alerts.rules), so a result starts without them.
    result = MonitoringResult(
        **common,
        status="ok",
        summary="",
        features=drift.features if drift else [],
        drift_share=drift.share if drift else 0.0,
        drifted_features=drift.drifted if drift else [],
        performance=performance,
        alerts=[],
        prediction_drift=outputs,
        multivariate=multivariate,
        service=service,
        estimated=estimated,
        concept=concept,
        fairness=fairness,
        compliance=compliance,
        data_quality=quality,
        check_errors=checks.errors,
        sampled=sampled,
        label_drift=labels,
        **_event_span(frame, info.features),
    )
    return conclude(result)


def _counted(streamed: Streamed, check: str, value: _T) -> _T:
    """A part counted while streaming, or the error that stopped its counting (so the check
    reports it as it would on a table read at once)."""
    error = streamed.errors.get(check)
    if error is not None:
        raise error
    return value


def _event_span(frame: pd.DataFrame, features: list[Feature]) -> dict[str, str | None]:
    """The first and last event time of the window (the role "timestamp" feature)."""
    column = event_time(features)
    if column is None or column.name not in frame.columns:
        return {}
    times = coerce_frame(frame, [column], strict=False)[column.name].dropna()
    if times.empty:
        return {}
    return {"event_start": times.min().isoformat(), "event_end": times.max().isoformat()}


class _Isolation:
    """Runs the checks of one window, each on its own: a check that raises is recorded (as a
    :class:`CheckError`, logged with its traceback) and gives its "not run" value instead.

    A :class:`ConfigError` is not the window's doing: it would fail every run alike, so it
    still stops the run, naming the setting to fix.
    """

    def __init__(self) -> None:
        self.errors: list[CheckError] = []

    def run(self, check: str, compute: Callable[[], _T], skipped: _T) -> _T:
        try:
            return compute()
        except ConfigError:
            raise
        except Exception as e:  # any failure of one check, from numpy's to a model's
            _log.warning("the %s check could not run on this window", check, exc_info=True)
            self.errors.append(CheckError.of(check, e))
            return skipped


def _estimated(frame: pd.DataFrame, info: ModelInfo) -> EstimatedPerformance | None:
    """Metrics expected without labels: from calibrated confidence, or the fitted loss map."""
    calibration, loss_map = info.extra.get("calibration"), info.extra.get("loss_map")
    if loss_map:
        return estimate_regression(frame, info, LossMap.from_dict(loss_map))
    return estimate_performance(
        frame, info, Calibration.from_dict(calibration) if calibration else None
    )


def _with_error_test(
    concept: ConceptDrift, frame: pd.DataFrame, info: ModelInfo, settings: MonitorSettings
) -> ConceptDrift:
    """Add the error level: window error rate vs the training holdout's (classification)."""
    accuracy = info.metrics.get("accuracy")
    labeled = frame[frame["label"].notna()]
    if accuracy is None or labeled.empty or not info.task.is_classification:
        return concept
    errors = (labeled["prediction"].astype(str) != labeled["label"].astype(str)).to_numpy()
    return error_level(concept, 1.0 - accuracy, info.n_test, errors.astype(float),
                       alpha=settings.monitor.alpha,
                       max_rise=settings.monitor.max_metric_drop,
                       min_labels=settings.monitor.min_labels)  # fmt: skip


def policy_for(
    settings: MonitorSettings, features: list[Feature], fitted: dict[str, float] | None = None
) -> DriftPolicy:
    """The drift policy of a project: [monitor] defaults, per-feature overrides, and effect
    thresholds fitted at training time (which can only raise a feature's minimum)."""
    cfg = settings.monitor
    base = DriftPolicy(
        alpha=cfg.alpha, correction=cfg.correction, min_effect=cfg.min_effect,
        numeric_test=cfg.numeric_test, categorical_test=cfg.categorical_test, effect=cfg.effect,
    )  # fmt: skip
    rules = {}
    fitted = fitted or {}
    for f in features:
        if f.drift_test or f.drift_effect or f.min_effect is not None or f.name in fitted:
            default = base.rule(f.name, f.kind)
            floor = f.min_effect if f.min_effect is not None else default.min_effect
            rules[f.name] = FeatureRule(
                f.drift_test or default.test,
                f.drift_effect or default.effect,
                max(floor, fitted.get(f.name, 0.0)),
            )
    policy = replace(base, rules=rules)
    policy.check(features)
    return policy


def _prediction_drift(
    window: Profile | None, bundle: ModelBundle, policy: DriftPolicy
) -> FeatureDrift | None:
    """The model's outputs in the window vs on the training rows (a first-class result)."""
    if bundle.outputs is None or window is None:
        return None
    return _output_drift(bundle.outputs, window, policy)


def _output_drift(reference: Profile, window: Profile, policy: DriftPolicy) -> FeatureDrift:
    """Prediction drift from the outputs' profiles (exact profiles merged by an engine that
    never holds the window's rows come here too)."""
    single = replace(policy, rules={})  # one comparison: nothing to correct across
    (result,) = compare_profiles(reference, window, replace(single, correction="none"))
    if result.drifted:
        result = replace(result, message=result.message.replace(
            "Data drift detected on feature prediction", "Prediction drift detected: model output"
        ))  # fmt: skip
    return result


def _multivariate(
    bundle: ModelBundle, window: Profile, features: list[Feature], cfg: MonitorConfig
) -> list[MultivariateDrift]:
    ref_rows, win_rows = bundle.reference.rows, window.rows
    if ref_rows is None or win_rows is None:
        return []
    ref = rows_frame(ref_rows, features)
    win = rows_frame(win_rows, features)
    # Two tests of one question: each at alpha/2 (Bonferroni), so the multivariate finding
    # holds the level alpha as a whole.
    alpha = cfg.alpha / 2
    return [
        domain_classifier(ref, win, features, alpha=alpha, min_auc=cfg.min_auc),
        pca_reconstruction(ref, win, features, alpha=alpha, min_increase=cfg.pca_min_increase),
    ]
