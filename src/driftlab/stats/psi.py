"""Population Stability Index."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from driftlab.stats._result import TestResult

DEFAULT_EPSILON = 1e-4


def psi(
    reference_counts: ArrayLike, current_counts: ArrayLike, *, epsilon: float = DEFAULT_EPSILON
) -> TestResult:
    """Population Stability Index over shared bins.

    ``PSI = Σ_i (q_i - p_i) · ln(q_i / p_i)`` with ``p`` the reference and ``q`` the current
    bin proportions. A bin empty on one side would make the log infinite, so proportions are
    floored at ``epsilon`` (a documented parameter, default 1e-4) before the sum. Rule of
    thumb: < 0.1 stable, 0.1–0.25 moderate shift, > 0.25 major shift. Symmetric, ≥ 0, and 0
    for identical proportions; an empty side gives 0 (no evidence).

    >>> psi([50, 50], [50, 50]).statistic
    0.0
    >>> round(psi([90, 10], [50, 50]).statistic, 6)
    0.87889
    """
    p = np.asarray(reference_counts, dtype="float64")
    q = np.asarray(current_counts, dtype="float64")
    if p.sum() == 0 or q.sum() == 0:
        return TestResult("psi", 0.0)
    p = np.maximum(p / p.sum(), epsilon)
    q = np.maximum(q / q.sum(), epsilon)
    return TestResult("psi", float(np.sum((q - p) * np.log(q / p))))
