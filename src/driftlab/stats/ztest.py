"""Two-proportion z-test for a binary categorical."""

from __future__ import annotations

from numpy.typing import ArrayLike

from driftlab.stats._inputs import two_by_two
from driftlab.stats._result import TestResult
from driftlab.stats.proportions import pooled_z


def ztest(reference_counts: ArrayLike, current_counts: ArrayLike) -> TestResult:
    """Two-sided two-proportion z-test that the first category's share is unchanged.

    For a binary categorical with reference counts ``(a, b)`` and current counts ``(c, d)``:
    ``p_ref = a / (a + b)``, ``p_cur = c / (c + d)``, pooled ``p̂ = (a + c) / n`` over all
    ``n`` rows, and::

        z = (p_cur - p_ref) / sqrt(p̂ (1 - p̂) (1 / (a + b) + 1 / (c + d)))

    with two-sided p-value ``2 · (1 - Φ(|z|))``. ``z²`` equals the uncorrected Pearson
    chi-square of the same 2×2 table, so the p-values agree with ``chi2``; ``z`` adds the
    direction (positive: the first category grew).

    Only defined for two categories. Categories empty on both sides are dropped first; if
    the number left is not exactly two, or a side is empty, the result is no evidence:
    ``z = 0, p = 1`` — use ``chi2`` or ``gtest`` for more categories.

    >>> ztest([50, 50], [50, 50]).p_value
    1.0
    >>> r = ztest([60, 40], [40, 60])
    >>> round(r.statistic, 6), round(r.p_value, 6)
    (-2.828427, 0.004678)
    """
    from scipy import stats

    table = two_by_two(reference_counts, current_counts)
    if table is None:
        return TestResult("ztest", 0.0, 1.0)
    n_ref, n_cur = float(table[0].sum()), float(table[1].sum())
    # Both categories are non-empty after dropping, so the statistic is defined here.
    z = pooled_z(table[0, 0], n_ref, table[1, 0], n_cur)
    return TestResult("ztest", z or 0.0, float(2.0 * stats.norm.sf(abs(z or 0.0))))
