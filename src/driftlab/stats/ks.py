"""Two-sample Kolmogorov–Smirnov test."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from driftlab.stats._result import TestResult


def ks(reference: ArrayLike, current: ArrayLike) -> TestResult:
    """Kolmogorov–Smirnov two-sample test.

    ``D = sup_x |F_ref(x) - F_cur(x)|`` with F the empirical CDFs; the p-value is scipy's
    (exact for small samples, asymptotic otherwise). NaNs are dropped first; if either side
    is empty there is no evidence of change, so ``D = 0, p = 1``.

    The reference side is the profile's bounded uniform sample, so the test is exact with
    respect to that sample and its power is bounded by the sample size.

    >>> r = ks([1, 2, 3, 4, 5], [1, 2, 3, 4, 5])
    >>> r.statistic, r.p_value
    (0.0, 1.0)
    >>> round(ks([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]).p_value, 6)
    0.007937
    """
    a = np.asarray(reference, dtype="float64")
    b = np.asarray(current, dtype="float64")
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if a.size == 0 or b.size == 0:
        return TestResult("ks", 0.0, 1.0)
    res = stats.ks_2samp(a, b)
    return TestResult("ks", float(res.statistic), float(res.pvalue))
