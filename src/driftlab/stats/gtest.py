"""G-test (log-likelihood ratio) of homogeneity for category counts."""

from __future__ import annotations

from numpy.typing import ArrayLike

from driftlab.stats._inputs import contingency
from driftlab.stats._result import TestResult


def gtest(reference_counts: ArrayLike, current_counts: ArrayLike) -> TestResult:
    """G-test that two count vectors share one distribution.

    With ``O`` the 2×k table of counts and ``E = row_total · col_total / n``,
    ``G = 2 Σ O · ln(O / E)`` (cells with ``O = 0`` contribute 0) on ``k - 1`` degrees of
    freedom, without continuity correction: scipy's
    ``chi2_contingency(..., lambda_="log-likelihood", correction=False)``. Asymptotically
    equivalent to Pearson's chi-square; the two differ when expected counts are small.
    Categories empty on both sides carry no information and are dropped; with fewer than
    two categories left, or an empty side, the result is ``G = 0, p = 1``.

    >>> gtest([50, 50], [50, 50]).p_value
    1.0
    >>> r = gtest([60, 40], [40, 60])
    >>> round(r.statistic, 6), round(r.p_value, 6)
    (8.054205, 0.00454)
    """
    from scipy import stats

    table = contingency(reference_counts, current_counts)
    if table is None:
        return TestResult("gtest", 0.0, 1.0)
    res = stats.chi2_contingency(table, correction=False, lambda_="log-likelihood")
    return TestResult("gtest", float(res.statistic), float(res.pvalue))
