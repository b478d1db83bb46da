"""Two-sample Kolmogorov–Smirnov test."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from driftlab.stats._result import TestResult

# Exact p-values below this many (reference × window) pairs, asymptotic above.
EXACT_MAX_PAIRS = 10_000


def ks(reference: ArrayLike, current: ArrayLike) -> TestResult:
    """Kolmogorov–Smirnov two-sample test.

    ``D = sup_x |F_ref(x) - F_cur(x)|`` with F the empirical CDFs; the p-value is scipy's,
    exact when ``n_ref · n_cur <= EXACT_MAX_PAIRS`` and asymptotic otherwise. NaNs are
    dropped first; if either side is empty there is no evidence of change, so
    ``D = 0, p = 1``.

    The reference side is the profile's bounded uniform sample, so the test is exact with
    respect to that sample and its power is bounded by the sample size.

    >>> r = ks([1, 2, 3, 4, 5], [1, 2, 3, 4, 5])
    >>> r.statistic, r.p_value
    (0.0, 1.0)
    >>> round(ks([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]).p_value, 6)
    0.007937
    """
    from scipy import stats

    a = np.asarray(reference, dtype="float64")
    b = np.asarray(current, dtype="float64")
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if a.size == 0 or b.size == 0:
        return TestResult("ks", 0.0, 1.0)
    # scipy's exact method fails (and warns) on heavily tied data such as 0/0.5/1 codes, and
    # costs a lot on big samples; the asymptotic distribution is accurate there.
    method = "exact" if a.size * b.size <= EXACT_MAX_PAIRS else "asymp"
    res = stats.ks_2samp(a, b, method=method)
    return TestResult("ks", float(res.statistic), float(res.pvalue))
