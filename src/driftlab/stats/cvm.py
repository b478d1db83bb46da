"""Cramér–von Mises two-sample test."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from driftlab.stats._inputs import drop_nan
from driftlab.stats._result import TestResult


def cvm(reference: ArrayLike, current: ArrayLike) -> TestResult:
    """Cramér–von Mises two-sample test (Anderson 1962).

    With ``r_i`` and ``s_j`` the ranks of the reference (size ``n``) and current (size ``m``)
    values in the pooled sample, ``N = n + m``::

        U = n Σ_i (r_i - i)² + m Σ_j (s_j - j)²
        T = U / (n m N) - (4 n m - 1) / (6 N)

    ``T`` integrates the squared difference of the two empirical CDFs over the pooled
    sample, so it reacts to differences anywhere, not only at the largest gap as KS does.
    The p-value is scipy's: exact for small samples, asymptotic otherwise.

    NaNs are dropped. Fewer than two values on a side, or a single distinct pooled value,
    give no evidence: statistic 0, p 1.

    >>> r = cvm([1, 2, 3, 4, 5], [1, 2, 3, 4, 5])
    >>> r.statistic, r.p_value
    (0.0, 1.0)
    >>> r = cvm([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])
    >>> round(r.statistic, 6), round(r.p_value, 6)
    (0.85, 0.007937)
    """
    from scipy import stats

    a, b = drop_nan(reference), drop_nan(current)
    if a.size < 2 or b.size < 2 or np.unique(np.concatenate([a, b])).size < 2:
        return TestResult("cvm", 0.0, 1.0)
    res = stats.cramervonmises_2samp(a, b)
    return TestResult("cvm", float(res.statistic), float(res.pvalue))
