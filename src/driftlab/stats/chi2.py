"""Chi-square test of homogeneity for category counts."""

from __future__ import annotations

from numpy.typing import ArrayLike

from driftlab.stats._inputs import contingency
from driftlab.stats._result import TestResult


def chi2(reference_counts: ArrayLike, current_counts: ArrayLike) -> TestResult:
    """Pearson chi-square test that two count vectors share one distribution.

    With ``O`` the 2×k table of counts and ``E = row_total · col_total / n``,
    ``X² = Σ (O - E)² / E`` on ``k - 1`` degrees of freedom (no continuity correction).
    Categories empty on both sides carry no information and are dropped; with fewer than
    two categories left, or an empty side, the result is ``X² = 0, p = 1``.

    >>> chi2([50, 50], [50, 50]).p_value
    1.0
    >>> r = chi2([60, 40], [40, 60])
    >>> round(r.statistic, 4), round(r.p_value, 6)
    (8.0, 0.004678)
    """
    from scipy import stats

    table = contingency(reference_counts, current_counts)
    if table is None:
        return TestResult("chi2", 0.0, 1.0)
    statistic, p_value, _, _ = stats.chi2_contingency(table, correction=False)
    return TestResult("chi2", float(statistic), float(p_value))
