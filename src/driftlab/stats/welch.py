"""Welch's unequal-variances t-test."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from driftlab.stats._inputs import drop_nan
from driftlab.stats._result import TestResult


def _std(x: np.ndarray) -> float:
    # A constant sample's spread is exactly 0; numpy can return a rounding residue instead.
    return 0.0 if np.ptp(x) == 0 else float(np.std(x, ddof=1))


def welch(reference: ArrayLike, current: ArrayLike) -> TestResult:
    """Welch's t-test that the two samples share one mean, without assuming equal variances.

    With means ``x̄``, sample variances ``s²`` (``ddof=1``) and sizes ``n``::

        t = (x̄_ref - x̄_cur) / sqrt(s²_ref / n_ref + s²_cur / n_cur)

    on the Welch–Satterthwaite degrees of freedom, two-sided. This is
    ``scipy.stats.ttest_ind(equal_var=False)``, evaluated through
    ``ttest_ind_from_stats`` on numpy's moments: ``ttest_ind`` warns about "catastrophic
    cancellation" on constant samples, and warnings are errors here.

    NaNs are dropped. Fewer than two values on a side (no variance), or both sides constant
    (the test is undefined, even when the constants differ — KS or Wasserstein see that),
    give no evidence: statistic 0, p 1.

    >>> welch([1, 2, 3, 4, 5], [1, 2, 3, 4, 5]).p_value
    1.0
    >>> r = welch([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])
    >>> round(r.statistic, 6), round(r.p_value, 6)
    (-5.0, 0.001053)
    """
    from scipy import stats

    a, b = drop_nan(reference), drop_nan(current)
    if a.size < 2 or b.size < 2:
        return TestResult("welch", 0.0, 1.0)
    sa, sb = _std(a), _std(b)
    if sa == 0 and sb == 0:
        return TestResult("welch", 0.0, 1.0)
    res = stats.ttest_ind_from_stats(
        float(a.mean()), sa, a.size, float(b.mean()), sb, b.size, equal_var=False
    )
    return TestResult("welch", float(res.statistic), float(res.pvalue))
