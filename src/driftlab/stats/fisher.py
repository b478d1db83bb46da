"""Fisher's exact test for a binary categorical (2×2 table)."""

from __future__ import annotations

from numpy.typing import ArrayLike

from driftlab.stats._inputs import two_by_two
from driftlab.stats._result import TestResult

DEFAULT_ZERO_CELL_CORRECTION = 0.5


def fisher(
    reference_counts: ArrayLike,
    current_counts: ArrayLike,
    *,
    zero_cell_correction: float = DEFAULT_ZERO_CELL_CORRECTION,
) -> TestResult:
    """Fisher's exact test on the 2×2 table of a binary categorical.

    With rows reference ``(a, b)`` and current ``(c, d)``, the p-value is the two-sided
    exact one: the total hypergeometric probability, given the margins, of every table no
    more probable than the observed one (scipy's ``fisher_exact``). Exact at any sample
    size, so it is the test of choice when expected counts are small.

    The statistic is the sample odds ratio ``(a d) / (b c)``. A zero cell makes it 0 or
    infinite, so when any cell is zero, ``zero_cell_correction`` (a documented parameter,
    default 0.5, the Haldane–Anscombe correction) is added to every cell for the odds ratio
    only; the p-value always uses the raw counts.

    Only defined for two categories. Categories empty on both sides are dropped first; if
    the number left is not exactly two, or a side is empty, the result is no evidence:
    statistic 0, p 1 — use ``chi2`` or ``gtest`` for more categories.

    >>> fisher([50, 50], [50, 50]).p_value
    1.0
    >>> r = fisher([60, 40], [40, 60])
    >>> round(r.statistic, 6), round(r.p_value, 6)
    (2.25, 0.00706)
    """
    from scipy import stats

    table = two_by_two(reference_counts, current_counts)
    if table is None:
        return TestResult("fisher", 0.0, 1.0)
    p_value = float(stats.fisher_exact(table).pvalue)
    if (table == 0).any():
        table = table + zero_cell_correction
    odds_ratio = (table[0, 0] * table[1, 1]) / (table[0, 1] * table[1, 0])
    return TestResult("fisher", float(odds_ratio), p_value)
