"""One monitoring run: read a window, profile it, compare, score, decide alerts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pandas as pd

from driftlab.calibration import Calibration, LossMap
from driftlab.config import Feature
from driftlab.errors import DataError
from driftlab.model import ModelBundle, ModelInfo
from driftlab.model_outputs import logged_outputs, prediction_feature
from driftlab.monitor.concept import detect_concept_drift, error_rate_test
from driftlab.monitor.dataset import dataset_drift
from driftlab.monitor.drift import DriftPolicy, FeatureRule, compare_profiles
from driftlab.monitor.estimate import estimate_performance, estimate_regression
from driftlab.monitor.findings import conclude
from driftlab.monitor.model_checks import window_compliance, window_fairness_of
from driftlab.monitor.multivariate import domain_classifier, pca_reconstruction, rows_frame
from driftlab.monitor.performance import window_performance
from driftlab.monitor.result import (
    ConceptDrift,
    FeatureDrift,
    MonitoringResult,
    MultivariateDrift,
)
from driftlab.monitor.service import service_health
from driftlab.monitor.settings import MonitorSettings
from driftlab.profile import Profile, build_profile
from driftlab.schema import coerce_frame

__all__ = ["monitor_window", "pick_version", "policy_for"]


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
    ``settings`` is built once by the job (:meth:`MonitorSettings.of` a project).
    """
    cfg = settings.monitor
    info = bundle.info
    start = frame["ts"].min() if not frame.empty else None
    end = frame["ts"].max() if not frame.empty else None
    common = {
        "model_name": info.name,
        "model_version": bundle.version,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "window_start": start.isoformat() if start is not None else None,
        "window_end": end.isoformat() if end is not None else None,
        "n_rows": len(frame),
        "settings": cfg.model_dump(),
    }
    if len(frame) < cfg.min_rows:
        return MonitoringResult(
            **common,
            status="insufficient_data",
            summary=(
                f"Insufficient data: {len(frame)} predictions in the window, "
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
    features = coerce_frame(frame, monitored)
    window_profile = build_profile(
        features, monitored, reference=bundle.reference, sample_size=cfg.sample_size
    )
    policy = policy_for(settings, monitored, info.extra.get("effect_thresholds"))
    drift = dataset_drift(bundle.reference, window_profile, policy)
    share = drift.share
    performance = window_performance(
        frame,
        info,
        primary_metric=settings.primary_metric,
        min_labels=cfg.min_labels,
        max_drop=cfg.max_metric_drop,
        floor=cfg.metric_floor,
    )
    outputs = _prediction_drift(frame, bundle, policy)
    service = service_health(
        frame, max_p99_ms=cfg.max_p99_latency_ms, errors=errors,
        max_error_rate=cfg.max_error_rate,
    )  # fmt: skip
    concept = (
        _with_error_test(
            detect_concept_drift(frame, task=info.task.value, method=cfg.concept_detector),
            frame, info,
        )
        if cfg.concept_detector != "none" and performance.n_labeled > 0 else None
    )  # fmt: skip
    calibration, loss_map = info.extra.get("calibration"), info.extra.get("loss_map")
    estimated = (
        estimate_regression(frame, info, LossMap.from_dict(loss_map)) if loss_map
        else estimate_performance(
            frame, info, Calibration.from_dict(calibration) if calibration else None
        )
    )  # fmt: skip
    multivariate = (
        _multivariate(bundle, window_profile, monitored, cfg.alpha, cfg.min_auc)
        if cfg.multivariate else []
    )  # fmt: skip
    fairness = window_fairness_of(frame, bundle, settings)
    compliance = window_compliance(frame, bundle, settings)
    # Status and summary are read off the findings (driftlab.monitor.findings); alerts are
    # decided downstream (driftlab.alerts.rules), so a result starts without them.
    result = MonitoringResult(
        **common,
        status="ok",
        summary="",
        features=drift.features,
        drift_share=share,
        drifted_features=drift.drifted,
        performance=performance,
        alerts=[],
        prediction_drift=outputs,
        multivariate=multivariate,
        service=service,
        estimated=estimated,
        concept=concept,
        fairness=fairness,
        compliance=compliance,
    )
    return conclude(result)


def _with_error_test(concept: ConceptDrift, frame: pd.DataFrame, info: ModelInfo) -> ConceptDrift:
    """Add the windowed test: window error rate vs the training holdout's (classification)."""
    accuracy = info.metrics.get("accuracy")
    labeled = frame[frame["label"].notna()]
    if accuracy is None or labeled.empty or not info.task.is_classification:
        return concept
    errors = (labeled["prediction"].astype(str) != labeled["label"].astype(str)).to_numpy()
    _, p = error_rate_test(1.0 - accuracy, info.n_test, errors.astype(float))
    return replace(concept, reference_error=1.0 - accuracy, window_error=float(errors.mean()),
                   p_value=float(p))  # fmt: skip


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
    frame: pd.DataFrame, bundle: ModelBundle, policy: DriftPolicy
) -> FeatureDrift | None:
    """The model's outputs in the window vs on the training rows (a first-class result)."""
    if bundle.outputs is None:
        return None
    values = logged_outputs(frame, bundle.info)
    if values is None:
        return None
    feature = prediction_feature(bundle.info)
    window = build_profile(values, [feature], reference=bundle.outputs)
    single = replace(policy, rules={})  # one comparison: nothing to correct across
    (result,) = compare_profiles(bundle.outputs, window, replace(single, correction="none"))
    if result.drifted:
        result = replace(result, message=result.message.replace(
            "Data drift detected on feature prediction", "Prediction drift detected: model output"
        ))  # fmt: skip
    return result


def _multivariate(
    bundle: ModelBundle, window: Profile, features: list[Feature], alpha: float, min_auc: float
) -> list[MultivariateDrift]:
    ref_rows, win_rows = bundle.reference.rows, window.rows
    if ref_rows is None or win_rows is None:
        return []
    ref = rows_frame(ref_rows, features)
    win = rows_frame(win_rows, features)
    return [
        domain_classifier(ref, win, features, alpha=alpha, min_auc=min_auc),
        pca_reconstruction(ref, win, features),
    ]
