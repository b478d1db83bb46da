"""Hellinger distance between bin proportions."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from driftlab.stats._inputs import proportions
from driftlab.stats._result import TestResult


def hellinger(reference_counts: ArrayLike, current_counts: ArrayLike) -> TestResult:
    """Hellinger distance between the reference and current bin proportions.

    ``H = sqrt(1 - Σ_i sqrt(p_i q_i))`` — equivalently ``‖√p - √q‖₂ / √2``, with ``Σ √(p q)``
    the Bhattacharyya coefficient. Empty bins need no floor. Symmetric, a metric, in [0, 1]:
    0 for identical proportions, 1 for disjoint support. Rounding can put the coefficient a
    hair above 1; it is clamped so the root stays real. An empty side gives 0 (no evidence).

    >>> hellinger([50, 50], [50, 50]).statistic
    0.0
    >>> round(hellinger([90, 10], [50, 50]).statistic, 6)
    0.32492
    """
    p, q = proportions(reference_counts), proportions(current_counts)
    if p is None or q is None:
        return TestResult("hellinger", 0.0)
    coefficient = float(np.sum(np.sqrt(p * q)))
    return TestResult("hellinger", math.sqrt(max(0.0, 1.0 - coefficient)))
