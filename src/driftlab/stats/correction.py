"""Multiple-testing correction across features."""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

Correction = Literal["bh", "bonferroni", "none"]


def adjust_p_values(p_values: ArrayLike, method: Correction = "bh") -> np.ndarray:
    """Adjust p-values for testing many features at once.

    ``bh``: Benjamini–Hochberg, controls the false discovery rate (scipy's
    ``false_discovery_control``). ``bonferroni``: ``min(1, m·p)``, controls the family-wise
    error rate. ``none``: unchanged.

    >>> adjust_p_values([0.01, 0.04, 0.03], "bh").round(4).tolist()
    [0.03, 0.04, 0.04]
    >>> adjust_p_values([0.01, 0.5], "bonferroni").tolist()
    [0.02, 1.0]
    """
    from scipy import stats

    p = np.asarray(p_values, dtype="float64")
    if p.size == 0 or method == "none":
        return p.copy()
    if method == "bonferroni":
        return np.minimum(1.0, p * p.size)
    if method == "bh":
        return np.asarray(stats.false_discovery_control(p, method="bh"))
    raise ValueError(f"unknown correction {method!r}; use one of: bh, bonferroni, none")
