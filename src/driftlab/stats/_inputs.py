"""Input cleaning shared by the statistics, so every module agrees on what "no evidence" means."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def drop_nan(values: ArrayLike) -> np.ndarray:
    """The values as a 1-D float array with NaNs (missing values) removed."""
    a = np.asarray(values, dtype="float64").ravel()
    return a[~np.isnan(a)]


def proportions(counts: ArrayLike) -> np.ndarray | None:
    """Counts divided by their total, or ``None`` when the total is zero (an empty side)."""
    c = np.asarray(counts, dtype="float64")
    total = c.sum()
    return None if total == 0 else c / total


def reference_scale(reference: np.ndarray, epsilon: float) -> float:
    """The reference sample standard deviation (``ddof=1``), floored at ``epsilon``.

    Fewer than two values have no sample standard deviation; they get the floor too.
    """
    std = float(np.std(reference, ddof=1)) if reference.size >= 2 else 0.0
    return max(std, epsilon)


def contingency(reference_counts: ArrayLike, current_counts: ArrayLike) -> np.ndarray | None:
    """The 2×k table (rows: reference, current) of categories seen on either side, or
    ``None`` when fewer than two categories remain or a side is empty (no evidence)."""
    ref = np.asarray(reference_counts, dtype="float64")
    cur = np.asarray(current_counts, dtype="float64")
    keep = (ref + cur) > 0
    table = np.vstack([ref[keep], cur[keep]])
    if table.shape[1] < 2 or table[0].sum() == 0 or table[1].sum() == 0:
        return None
    return table


def two_by_two(reference_counts: ArrayLike, current_counts: ArrayLike) -> np.ndarray | None:
    """The 2×2 table for a binary categorical, else ``None`` (see :func:`contingency`)."""
    table = contingency(reference_counts, current_counts)
    return table if table is not None and table.shape[1] == 2 else None
