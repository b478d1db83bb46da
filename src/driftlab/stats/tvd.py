"""Total variation distance between bin proportions."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from driftlab.stats._inputs import proportions
from driftlab.stats._result import TestResult


def tvd(reference_counts: ArrayLike, current_counts: ArrayLike) -> TestResult:
    """Total variation distance between the reference and current bin proportions.

    ``TVD = ½ Σ_i |p_i - q_i|``: the largest difference in probability the two
    distributions assign to any set of bins, i.e. the share of the window that would have to
    move to match the reference. Symmetric, a metric, in [0, 1]; 0 for identical
    proportions. An empty side gives 0 (no evidence).

    >>> tvd([50, 50], [50, 50]).statistic
    0.0
    >>> round(tvd([90, 10], [50, 50]).statistic, 6)
    0.4
    """
    p, q = proportions(reference_counts), proportions(current_counts)
    if p is None or q is None:
        return TestResult("tvd", 0.0)
    return TestResult("tvd", float(0.5 * np.sum(np.abs(p - q))))
