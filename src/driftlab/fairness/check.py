"""Fairness of one window (or of the training reference) across every protected attribute."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from driftlab.config import FairnessConfig, Feature
from driftlab.errors import ConfigError
from driftlab.fairness.groups import group_labels, group_rates
from driftlab.fairness.metrics import fairness_metrics
from driftlab.fairness.result import FairnessMetric, FairnessResult, GroupRates, to_dict

__all__ = ["fairness_reference", "favorable_class", "window_fairness"]


def favorable_class(cfg: FairnessConfig, classes: list[str], positive: str | None) -> str:
    """The class that counts as the favorable decision (``fairness.favorable_class``)."""
    favorable = cfg.favorable_class or positive
    if favorable not in classes:
        raise ConfigError(
            f"fairness.favorable_class = {favorable!r} is not a class of the model; "
            f"it has: {', '.join(classes)}"
        )
    return favorable  # type: ignore[return-value]


def _truth(labels: pd.Series, favorable: str) -> np.ndarray:
    """1.0 favorable, 0.0 not, NaN unlabeled."""
    out = np.full(len(labels), np.nan)
    known = labels.notna().to_numpy()
    out[known] = (labels[known].astype(str).to_numpy() == favorable).astype(float)
    return out


def fairness_reference(
    attributes: pd.DataFrame,
    protected: list[Feature],
    selected: np.ndarray,
    truth: np.ndarray,
    expected: np.ndarray | None,
) -> dict[str, list[dict[str, Any]]]:
    """Per-group counts on the training rows (out-of-fold decisions), stored with the model
    version: the reference each window's gaps are compared with."""
    out = {}
    for f in protected:
        groups = group_labels(attributes[f.name], f)
        rates = group_rates(f.name, groups, selected, truth, expected, min_group_size=1)
        out[f.name] = [to_dict(g) for g in rates]
    return out


def window_fairness(
    frame: pd.DataFrame,
    protected: list[Feature],
    cfg: FairnessConfig,
    favorable: str,
    *,
    expected: np.ndarray | None,
    reference: dict[str, list[dict[str, Any]]] | None,
    min_labels: int,
) -> FairnessResult:
    """Group rates and gaps of a window of logged predictions.

    ``frame`` has the logged columns (``prediction``, ``label``) and one column per protected
    attribute. ``expected`` is the calibrated probability of the favorable class per row, for
    label-free estimates. With fewer than ``min_labels`` labels, equal opportunity is
    estimated and equalized odds is not judged.
    """
    selected = frame["prediction"].astype(str).to_numpy() == favorable
    truth = _truth(frame["label"], favorable)
    labeled = int((~np.isnan(truth)).sum()) >= min_labels
    reference = reference or {}
    all_groups: list[GroupRates] = []
    all_ref: list[GroupRates] = []
    metrics: list[FairnessMetric] = []
    for f in protected:
        values = frame[f.name] if f.name in frame.columns else pd.Series([None] * len(frame))
        groups = group_labels(values, f)
        rates = group_rates(
            f.name, groups, selected, truth if labeled else None, expected, cfg.min_group_size
        )
        ref = [GroupRates(**g) for g in reference.get(f.name, [])]
        all_groups += rates
        all_ref += ref
        if not rates:
            metrics.append(
                FairnessMetric(
                    f.name,
                    "demographic_parity_difference",
                    None,
                    None,
                    cfg.max_selection_gap,
                    [],
                    None,
                    None,
                    "insufficient_data",
                    False,
                    f"{f.name}: no values in the window; send it with each prediction "
                    "(a protected attribute is an optional request field).",
                )
            )
            continue
        metrics += fairness_metrics(f.name, rates, ref, cfg, favorable, labeled=labeled)
    bad = [m for m in metrics if m.status == "violation"]
    names = ", ".join(f.name for f in protected)
    if bad:
        message = (
            f"Fairness: {len(bad)} gap(s) beyond their limits: "
            + "; ".join(f"{m.attribute} {m.metric.replace('_', ' ')}" for m in bad)
            + "."
        )
    elif all(m.status == "insufficient_data" for m in metrics):
        message = f"Fairness: insufficient data for a verdict on {names}."
    else:
        message = f"Fairness: no significant gap beyond its limit on {names}."
    return FairnessResult(favorable, cfg.min_group_size, all_groups, all_ref, metrics, message)
