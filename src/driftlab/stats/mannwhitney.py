"""Mann–Whitney U test (Wilcoxon rank-sum)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from driftlab.stats._inputs import drop_nan
from driftlab.stats._result import TestResult


def mannwhitney(reference: ArrayLike, current: ArrayLike) -> TestResult:
    """Two-sided Mann–Whitney U test that neither sample tends to exceed the other.

    With ``R_ref`` the sum of the reference values' (mid)ranks in the pooled sample and
    ``n`` the reference size, ``U = R_ref - n (n + 1) / 2`` — the number of (reference,
    current) pairs where the reference value is larger, ties counting one half. The p-value
    is scipy's (``alternative="two-sided"``, ``method="auto"``: exact for small samples
    without ties, normal approximation with tie and continuity corrections otherwise). It
    detects location shifts, not changes of spread.

    NaNs are dropped. An empty side, or a single distinct pooled value, gives no evidence:
    statistic 0, p 1.

    >>> mannwhitney([1, 2, 3, 4, 5], [1, 2, 3, 4, 5]).p_value
    1.0
    >>> r = mannwhitney([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])
    >>> r.statistic, round(r.p_value, 6)
    (0.0, 0.007937)
    """
    from scipy import stats

    a, b = drop_nan(reference), drop_nan(current)
    if a.size == 0 or b.size == 0 or np.unique(np.concatenate([a, b])).size < 2:
        return TestResult("mannwhitney", 0.0, 1.0)
    res = stats.mannwhitneyu(a, b, alternative="two-sided")
    return TestResult("mannwhitney", float(res.statistic), float(res.pvalue))
