"""Wasserstein-1 (earth mover's) distance in reference standard deviations."""

from __future__ import annotations

from numpy.typing import ArrayLike

from driftlab.stats._inputs import drop_nan, reference_scale
from driftlab.stats._result import TestResult

DEFAULT_EPSILON = 1e-9


def wasserstein(
    reference: ArrayLike, current: ArrayLike, *, epsilon: float = DEFAULT_EPSILON
) -> TestResult:
    """Wasserstein-1 distance between the two samples, divided by the reference std.

    ``W₁ = ∫ |F_ref(x) - F_cur(x)| dx`` over the empirical CDFs (scipy's
    ``wasserstein_distance``), reported as ``W₁ / max(s_ref, epsilon)`` with ``s_ref`` the
    reference sample standard deviation (``ddof=1``). The division makes the value unit-free:
    0.1 means the window's mass moved by a tenth of a reference standard deviation on
    average, whatever the feature's units. A constant reference (or one with fewer than two
    values) has ``s_ref = 0``; the floor ``epsilon`` (a documented parameter, default 1e-9)
    keeps the result finite, so any move away from that constant reads as very large.

    NaNs are dropped; an empty side gives 0 (no evidence). Symmetric in its inputs apart
    from the scale, and 0 for identical samples.

    >>> wasserstein([1, 2, 3, 4, 5], [1, 2, 3, 4, 5]).statistic
    0.0
    >>> round(wasserstein([1, 2, 3, 4, 5], [2, 3, 4, 5, 6]).statistic, 6)
    0.632456
    """
    from scipy import stats

    a, b = drop_nan(reference), drop_nan(current)
    if a.size == 0 or b.size == 0:
        return TestResult("wasserstein", 0.0)
    distance = float(stats.wasserstein_distance(a, b))
    return TestResult("wasserstein", distance / reference_scale(a, epsilon))
