"""Kullback–Leibler divergence of the window from the reference."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from driftlab.stats._inputs import proportions
from driftlab.stats._result import TestResult

DEFAULT_EPSILON = 1e-4


def kl(
    reference_counts: ArrayLike, current_counts: ArrayLike, *, epsilon: float = DEFAULT_EPSILON
) -> TestResult:
    """Kullback–Leibler divergence ``D(current ‖ reference)`` over shared bins, in nats.

    ``D = Σ_i q_i · ln(q_i / p_i)`` with ``p`` the reference and ``q`` the current bin
    proportions: the information lost describing the window with the reference. A bin empty
    in the reference but not in the window would make it infinite, so, as in PSI, both
    proportion vectors are floored at ``epsilon`` (a documented parameter, default 1e-4);
    unlike PSI they are then renormalized to sum to one, which keeps ``D ≥ 0`` (Gibbs'
    inequality; without it the extra floor mass can push ``D`` slightly below zero).

    Not symmetric: ``D(q ‖ p) ≠ D(p ‖ q)`` in general. 0 for identical proportions; an
    empty side gives 0 (no evidence).

    >>> kl([50, 50], [50, 50]).statistic
    0.0
    >>> round(kl([90, 10], [50, 50]).statistic, 6)
    0.510826
    """
    p, q = proportions(reference_counts), proportions(current_counts)
    if p is None or q is None:
        return TestResult("kl", 0.0)
    p = np.maximum(p, epsilon)
    q = np.maximum(q, epsilon)
    p, q = p / p.sum(), q / q.sum()
    # Rounding can leave -1e-17 for equal proportions; the divergence itself is never negative.
    return TestResult("kl", max(0.0, float(np.sum(q * np.log(q / p)))))
