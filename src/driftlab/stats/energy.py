"""Energy distance on values standardized by the reference standard deviation."""

from __future__ import annotations

from numpy.typing import ArrayLike

from driftlab.stats._inputs import drop_nan, reference_scale
from driftlab.stats._result import TestResult

DEFAULT_EPSILON = 1e-9


def energy(
    reference: ArrayLike, current: ArrayLike, *, epsilon: float = DEFAULT_EPSILON
) -> TestResult:
    """Energy distance (Székely & Rizzo) between the samples, in reference-std units.

    ``E = sqrt(2 E|X - Y| - E|X - X'| - E|Y - Y'|) = sqrt(2 ∫ (F_ref - F_cur)² dx)``
    (scipy's ``energy_distance``), computed on both samples divided by
    ``s = max(s_ref, epsilon)``, ``s_ref`` the reference sample standard deviation
    (``ddof=1``). Energy distance scales with the square root of the units
    (``E(cX, cY) = sqrt(c) · E(X, Y)``), so standardizing the values — equivalently
    ``E / sqrt(s)``, not ``E / s`` — is what makes the value unit-free and one threshold fit
    every feature. A constant reference (or one with fewer than two values) has
    ``s_ref = 0``; the floor ``epsilon`` (a documented parameter, default 1e-9) keeps the
    result finite, so any move away from that constant reads as very large.

    NaNs are dropped; an empty side gives 0 (no evidence). 0 for identical samples.

    >>> energy([1, 2, 3, 4, 5], [1, 2, 3, 4, 5]).statistic
    0.0
    >>> round(energy([1, 2, 3, 4, 5], [2, 3, 4, 5, 6]).statistic, 6)
    0.502973
    """
    from scipy import stats

    a, b = drop_nan(reference), drop_nan(current)
    if a.size == 0 or b.size == 0:
        return TestResult("energy", 0.0)
    scale = reference_scale(a, epsilon)
    return TestResult("energy", float(stats.energy_distance(a / scale, b / scale)))
