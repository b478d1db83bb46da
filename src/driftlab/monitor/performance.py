"""Realized model quality on the labeled part of a window."""

from __future__ import annotations

import numpy as np
import pandas as pd

from driftlab.metrics import LOWER_IS_BETTER, classification_metrics, regression_metrics
from driftlab.model import ModelInfo
from driftlab.monitor.result import PerformanceResult
from driftlab.outputs import positive_probability
from driftlab.text import num

__all__ = ["window_performance"]


def _positive_proba(window: pd.DataFrame, info: ModelInfo) -> np.ndarray | None:
    pos = positive_probability(window, info)
    if pos is None:
        return None
    col = info.classes.index(info.positive_class)
    proba = np.empty((len(pos), 2))
    proba[:, col], proba[:, 1 - col] = pos, 1.0 - pos
    return proba


def window_performance(
    window: pd.DataFrame,
    info: ModelInfo,
    *,
    primary_metric: str,
    min_labels: int,
    max_drop: float,
) -> PerformanceResult:
    """Score the labeled rows of ``window``; compare the primary metric with the holdout's."""
    labeled = window[window["label"].notna()]
    n = len(labeled)
    ref = dict(info.metrics)
    if n < min_labels:
        return PerformanceResult(
            "insufficient_labels",
            n,
            {},
            ref,
            primary_metric,
            f"Insufficient labels: {n} labeled predictions in this window, "
            f"{min_labels} needed for a performance verdict.",
        )
    if info.task.is_classification:
        metrics = classification_metrics(
            labeled["label"].astype(str).tolist(),
            labeled["prediction"].astype(str).tolist(),
            _positive_proba(labeled, info),
            info.classes,
            info.positive_class,
        )
    else:
        metrics = regression_metrics(
            labeled["label"].astype(float).to_numpy(),
            labeled["prediction"].astype(float).to_numpy(),
        )
    now, before = metrics.get(primary_metric), ref.get(primary_metric)
    if now is None or before is None:
        return PerformanceResult(
            "ok",
            n,
            metrics,
            ref,
            primary_metric,
            f"{primary_metric} is not available for this window ({n} labeled predictions).",
        )
    drop = (now - before) if primary_metric in LOWER_IS_BETTER else (before - now)
    scale = abs(before) if primary_metric in LOWER_IS_BETTER and before else 1.0
    degraded = drop / scale > max_drop
    verb = "dropped" if degraded else "is stable"
    message = (
        f"Model performance {verb}: {primary_metric} {num(now)} on {n} labeled predictions "
        f"vs {num(before)} on the training holdout"
        + (f" (limit: a drop of {num(max_drop)})." if degraded else ".")
    )
    return PerformanceResult(
        "degraded" if degraded else "ok", n, metrics, ref, primary_metric, message
    )
