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


def attribute_groups(
    frame: pd.DataFrame, protected: list[Feature], intersections: list[list[str]] | None = None
) -> list[tuple[str, np.ndarray]]:
    """(attribute, group of each row) for every protected attribute, then every intersection
    (``"sex & age"``, groups like ``"female & <25"``; missing if any part is missing).

    >>> from driftlab.config import Feature
    >>> sex = Feature(name="sex", kind="categorical", role="protected")
    >>> age = Feature(name="age", role="protected", bands=[25])
    >>> frame = pd.DataFrame({"sex": ["f", "m", None], "age": [20.0, 40.0, 30.0]})
    >>> [(a, g.tolist()) for a, g in attribute_groups(frame, [sex, age], [["sex", "age"]])][2]
    ('sex & age', ['f & <25', 'm & ≥25', None])
    """
    out: list[tuple[str, np.ndarray]] = []
    for f in protected:
        values = frame[f.name] if f.name in frame.columns else pd.Series([None] * len(frame))
        out.append((f.name, group_labels(values, f)))
    by_name = dict(out)
    for names in intersections or []:
        parts = [by_name[n] for n in names if n in by_name]
        if len(parts) != len(names):
            continue  # a model trained before the attribute was declared protected
        combined = np.array(
            [
                None if any(p is None for p in row) else " & ".join(row)
                for row in zip(*parts, strict=True)
            ],
            dtype=object,
        )
        out.append((" & ".join(names), combined))
    return out


def fairness_reference(
    attributes: pd.DataFrame,
    protected: list[Feature],
    selected: np.ndarray,
    truth: np.ndarray,
    expected: np.ndarray | None,
    intersections: list[list[str]] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Per-group counts on the training rows (out-of-fold decisions), stored with the model
    version: the reference each window's gaps are compared with."""
    out = {}
    for name, groups in attribute_groups(attributes, protected, intersections):
        rates = group_rates(name, groups, selected, truth, expected, min_group_size=1)
        out[name] = [to_dict(g) for g in rates]
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
    unfavorable: str | None = None,
) -> FairnessResult:
    """Group rates and gaps of a window of logged predictions.

    ``frame`` has the logged columns (``prediction``, ``label``) and one column per protected
    attribute. ``expected`` is the calibrated probability of the favorable class per row, for
    label-free estimates. With fewer than ``min_labels`` labels, equal opportunity is
    estimated and equalized odds is not judged. ``unfavorable``: the other class of a binary
    model, named in the messages.
    """
    selected = frame["prediction"].astype(str).to_numpy() == favorable
    truth = _truth(frame["label"], favorable)
    labeled = int((~np.isnan(truth)).sum()) >= min_labels
    reference = reference or {}
    all_groups: list[GroupRates] = []
    all_ref: list[GroupRates] = []
    metrics: list[FairnessMetric] = []
    for name, groups in attribute_groups(frame, protected, cfg.intersections):
        rates = group_rates(
            name, groups, selected, truth if labeled else None, expected, cfg.min_group_size
        )
        ref = [GroupRates(**g) for g in reference.get(name, [])]
        all_groups += rates
        all_ref += ref
        if not rates:
            metrics.append(
                FairnessMetric(
                    name,
                    "demographic_parity_difference",
                    None,
                    None,
                    cfg.max_selection_gap,
                    [],
                    None,
                    None,
                    "insufficient_data",
                    False,
                    f"{name}: no values in the window; send it with each prediction "
                    "(a protected attribute is an optional request field).",
                )
            )
            continue
        metrics += fairness_metrics(
            name, rates, ref, cfg, favorable, labeled=labeled, unfavorable=unfavorable
        )
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
