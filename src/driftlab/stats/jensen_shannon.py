"""Jensen–Shannon distance between bin proportions."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from driftlab.stats._inputs import proportions
from driftlab.stats._result import TestResult


def jensen_shannon(reference_counts: ArrayLike, current_counts: ArrayLike) -> TestResult:
    """Jensen–Shannon distance, base 2, between the reference and current proportions.

    With ``p``, ``q`` the bin proportions and ``m = (p + q) / 2``::

        JS = sqrt((KL(p ‖ m) + KL(q ‖ m)) / 2),   KL(a ‖ b) = Σ a_i log₂(a_i / b_i)

    the same value as ``scipy.spatial.distance.jensenshannon(p, q, base=2)``. Empty bins need
    no floor (``0 · log 0 = 0`` and ``m > 0`` wherever ``p`` or ``q`` is). Symmetric, a
    metric, in [0, 1]: 0 for identical proportions, 1 for disjoint support.

    scipy takes the square root of the rounded divergence sum, which for nearly identical
    large counts (1e8 per bin) can be a tiny negative number — NaN plus a
    RuntimeWarning. The divergence is therefore summed here the way scipy does and clamped
    at 0 before the root. An empty side gives 0 (no evidence).

    >>> jensen_shannon([50, 50], [50, 50]).statistic
    0.0
    >>> round(jensen_shannon([90, 10], [50, 50]).statistic, 6)
    0.383136
    """
    from scipy.special import rel_entr

    p, q = proportions(reference_counts), proportions(current_counts)
    if p is None or q is None:
        return TestResult("jensen_shannon", 0.0)
    m = (p + q) / 2.0
    divergence = float(np.sum(rel_entr(p, m)) + np.sum(rel_entr(q, m))) / (2.0 * math.log(2.0))
    return TestResult("jensen_shannon", math.sqrt(max(divergence, 0.0)))
