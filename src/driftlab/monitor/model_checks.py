"""The fairness and compliance checks of a model: on its training rows (the reference,
stored with the version) and on a window of its logged predictions.

This is where the pure statistics of :mod:`driftlab.fairness` meet the loaded model and the
settings; the fairness package itself knows neither."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from driftlab.calibration import Calibration
from driftlab.fairness.check import fairness_reference, favorable_class, window_fairness
from driftlab.fairness.compliance import compliance_checks, compliance_reference
from driftlab.fairness.result import ComplianceResult, FairnessResult
from driftlab.model import ModelBundle, ModelInfo
from driftlab.model_outputs import positive_probability
from driftlab.monitor.settings import MonitorSettings
from driftlab.schema import coerce_frame

__all__ = ["reference_extras", "window_compliance", "window_fairness_of"]


def _fairness_on(settings: MonitorSettings, info: ModelInfo) -> bool:
    return (
        settings.fairness.enabled
        and info.task.value == "binary"
        and bool([f for f in info.features if f.is_protected])
    )


def _compliance_on(settings: MonitorSettings, info: ModelInfo) -> bool:
    # Nothing to judge without a prohibited feature: skip the cost of the shuffles.
    return (
        settings.compliance.enabled
        and info.task.is_classification
        and bool(settings.prohibited_features)
    )


def _favorable_p(p_positive: np.ndarray, favorable: str, info: ModelInfo) -> np.ndarray:
    return p_positive if favorable == info.positive_class else 1.0 - p_positive


def reference_extras(
    settings: MonitorSettings,
    bundle: ModelBundle,
    x: pd.DataFrame,
    y: pd.Series,
    oof: np.ndarray,
) -> dict[str, Any]:
    """``fairness_reference`` and ``compliance_reference`` for ``ModelInfo.extra``.

    ``x``: all spec columns of the training rows; ``y``: their labels; ``oof``: out-of-fold
    P(positive) (binary) or predicted class (multiclass). Decisions of the reference are the
    out-of-fold ones, so group rates reflect unseen rows, as a window's do.
    """
    info = bundle.info
    extras: dict[str, Any] = {}
    protected = [f for f in info.features if f.is_protected]
    if _fairness_on(settings, info):
        favorable = favorable_class(settings.fairness, info.classes, info.positive_class)
        positive_index = info.classes.index(info.positive_class)  # type: ignore[arg-type]
        p_pos = np.asarray(oof, dtype=float)
        # The class argmax picks, as at serving (a tie goes to the first class).
        pred_pos = (p_pos > 0.5) | ((p_pos == 0.5) & (positive_index == 0))
        selected = pred_pos if favorable == info.positive_class else ~pred_pos
        truth = (y.astype(str).to_numpy() == favorable).astype(float)
        calibration = info.extra.get("calibration")
        expected = (
            _favorable_p(Calibration.from_dict(calibration)(p_pos), favorable, info)
            if calibration
            else None
        )
        extras["fairness_reference"] = fairness_reference(
            x.reset_index(drop=True),
            protected,
            selected,
            truth,
            expected,
            settings.fairness.intersections,
        )
    if _compliance_on(settings, info):
        inputs = bundle.model_frame(x).reset_index(drop=True)
        extras["compliance_reference"] = compliance_reference(
            inputs,
            x[[f.name for f in settings.prohibited_features if not f.is_model_input]].reset_index(
                drop=True
            ),
            np.asarray(oof),
            lambda frame: np.asarray(bundle.pipeline.predict(frame)),
            list(inputs.columns),
            [f for f in settings.prohibited_features if not f.is_model_input],
            settings.compliance,
            settings.fairness.min_group_size,
        )
    return extras


def window_fairness_of(
    frame: pd.DataFrame, bundle: ModelBundle, settings: MonitorSettings
) -> FairnessResult | None:
    """Fairness of a window of logged predictions against the version's reference."""
    info = bundle.info
    if not _fairness_on(settings, info):
        return None
    favorable = favorable_class(settings.fairness, info.classes, info.positive_class)
    calibration = info.extra.get("calibration")
    raw = positive_probability(frame, info)
    expected = (
        _favorable_p(Calibration.from_dict(calibration)(raw), favorable, info)
        if calibration and raw is not None
        else None
    )
    protected = [f for f in info.features if f.is_protected]
    return window_fairness(
        frame,
        protected,
        settings.fairness,
        favorable,
        expected=expected,
        reference=info.extra.get("fairness_reference"),
        min_labels=settings.monitor.min_labels,
        unfavorable=next((c for c in info.classes if c != favorable), None),
    )


def window_compliance(
    frame: pd.DataFrame, bundle: ModelBundle, settings: MonitorSettings
) -> ComplianceResult | None:
    """Reliance and proxy checks on the window's logged inputs, with the loaded model."""
    info = bundle.info
    if not _compliance_on(settings, info) or frame.empty:
        return None
    inputs = bundle.model_frame(frame).reset_index(drop=True)
    proxied = [f for f in settings.prohibited_features if not f.is_model_input]
    present = frame.assign(**{f.name: None for f in proxied if f.name not in frame.columns})
    attributes = coerce_frame(present, proxied).reset_index(drop=True)
    if info.task.value == "binary":
        proba = bundle.predict_proba(inputs)
        assert proba is not None
        output: np.ndarray = proba[:, info.classes.index(info.positive_class)]  # type: ignore[arg-type]
    else:
        output = np.asarray(bundle.pipeline.predict(inputs)).astype(str).astype(object)
    return compliance_checks(
        inputs,
        attributes,
        output,
        lambda rows: np.asarray(bundle.pipeline.predict(rows)),
        info.input_features,
        settings.prohibited_features,
        settings.compliance,
        reference=info.extra.get("compliance_reference"),
        min_group_size=settings.fairness.min_group_size,
    )
