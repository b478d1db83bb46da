"""Per-group counts and rates of one protected attribute, labeled or label-free."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from driftlab.config import Feature, FeatureKind
from driftlab.fairness.result import GroupRates
from driftlab.stats.proportions import wilson_interval

__all__ = ["band_label", "group_labels", "group_rates"]


def _cut(x: float) -> str:
    return f"{x:g}"


def band_label(value: float, bands: Sequence[float]) -> str:
    """The band of a numeric value: ``<a``, ``a–b`` (a ≤ value < b) or ``≥z``.

    >>> [band_label(v, [25, 40]) for v in (19, 25, 39.5, 70)]
    ['<25', '25–40', '25–40', '≥40']
    """
    i = int(np.searchsorted(np.asarray(bands, dtype=float), value, side="right"))
    if i == 0:
        return f"<{_cut(bands[0])}"
    if i == len(bands):
        return f"≥{_cut(bands[-1])}"
    return f"{_cut(bands[i - 1])}–{_cut(bands[i])}"


def group_labels(values: pd.Series, feature: Feature) -> np.ndarray:
    """Each row's group as text (object array); ``None`` where the attribute is missing.

    Categorical attributes group by value; numeric ones by their ``bands``.
    """
    out = np.empty(len(values), dtype=object)
    if feature.kind is FeatureKind.NUMERIC:
        nums = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        for i, v in enumerate(nums):
            out[i] = None if np.isnan(v) else band_label(v, feature.bands or [])
        return out
    for i, v in enumerate(values.tolist()):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            out[i] = None
        elif isinstance(v, float) and v.is_integer():
            out[i] = str(int(v))
        else:
            out[i] = str(v)
    return out


def _rate(x: float, n: float) -> float | None:
    return x / n if n > 0 else None


def _ci(x: float, n: float) -> list[float]:
    return list(wilson_interval(x, n))


def group_rates(
    attribute: str,
    groups: np.ndarray,
    selected: np.ndarray,
    truth: np.ndarray | None,
    expected: np.ndarray | None,
    min_group_size: int,
) -> list[GroupRates]:
    """Counts per group, largest group first.

    ``selected``: the model gave the favorable decision. ``truth``: 1.0 favorable, 0.0 not,
    NaN unlabeled (or ``None`` for no labels at all). ``expected``: calibrated probability of
    the favorable outcome, for label-free estimates (expected TP = Σ p over selected rows).
    """
    selected = np.asarray(selected, dtype=bool)
    present = np.array([g is not None for g in groups], dtype=bool)
    names: list[Any] = sorted({g for g in groups[present]})
    out = []
    for name in names:
        m = groups == name
        n, sel = int(m.sum()), int(selected[m].sum())
        kw: dict[str, Any] = {}
        if truth is not None:
            t = truth[m]
            lab = ~np.isnan(t)
            s, y = selected[m][lab], t[lab] == 1.0
            pos, neg = int(y.sum()), int((~y).sum())
            tp, fp = int((s & y).sum()), int((s & ~y).sum())
            kw.update(
                n_labeled=int(lab.sum()),
                positives=pos,
                true_positives=tp,
                tpr=_rate(tp, pos),
                tpr_ci=_ci(tp, pos),
                negatives=neg,
                false_positives=fp,
                fpr=_rate(fp, neg),
                fpr_ci=_ci(fp, neg),
                selected_labeled=int(s.sum()),
                precision=_rate(tp, int(s.sum())),
                precision_ci=_ci(tp, int(s.sum())),
            )
        if expected is not None:
            p = expected[m]
            e_pos, e_tp = float(p.sum()), float(p[selected[m]].sum())
            kw.update(
                expected_positives=e_pos,
                expected_true_positives=e_tp,
                estimated_tpr=_rate(e_tp, e_pos),
            )
        out.append(
            GroupRates(
                attribute=attribute,
                group=str(name),
                n=n,
                selected=sel,
                selection_rate=_rate(sel, n),
                selection_ci=_ci(sel, n),
                sufficient=n >= min_group_size,
                **kw,
            )
        )
    return sorted(out, key=lambda g: (-g.n, g.group))
