"""Intervals and tests for proportions, written once for every check that needs them.

The pooled two-proportion z statistic serves the drift test for a binary category
(:func:`driftlab.stats.ztest`), the windowed error-rate test of concept drift and the
fairness gap tests; Wilson and Newcombe intervals give every group rate and gap its
uncertainty, since fairness verdicts often rest on tens or hundreds of rows.
"""

from __future__ import annotations

import math

__all__ = [
    "gap_widening_test",
    "newcombe_interval",
    "pooled_z",
    "two_proportion_test",
    "wilson_interval",
]

_Z95 = 1.959963984540054  # two-sided 95 % normal quantile


def wilson_interval(successes: float, n: float, z: float = _Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``successes / n``.

    centre = (p + z²/2n) / (1 + z²/n),  half = z·sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n).
    Unlike the Wald interval it stays inside [0, 1] and is sensible at p = 0 or 1. With
    ``n = 0`` there is no information: (0, 1).

    >>> [round(v, 4) for v in wilson_interval(8, 10)]
    [0.4902, 0.9433]
    >>> wilson_interval(0, 0)
    (0.0, 1.0)
    """
    if n <= 0:
        return (0.0, 1.0)
    p = successes / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def newcombe_interval(
    x1: float, n1: float, x2: float, n2: float, z: float = _Z95
) -> tuple[float, float]:
    """Newcombe's hybrid score interval for p1 − p2 (method 10 of Newcombe, 1998).

    With Wilson intervals (l1, u1) and (l2, u2): lower = d − sqrt((p1−l1)² + (u2−p2)²),
    upper = d + sqrt((u1−p1)² + (p2−l2)²).

    >>> [round(v, 4) for v in newcombe_interval(56, 70, 48, 80)]
    [0.0524, 0.3339]
    """
    p1 = x1 / n1 if n1 else 0.0
    p2 = x2 / n2 if n2 else 0.0
    l1, u1 = wilson_interval(x1, n1, z)
    l2, u2 = wilson_interval(x2, n2, z)
    d = p1 - p2
    return (
        d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
        d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
    )


def pooled_z(x1: float, n1: float, x2: float, n2: float) -> float | None:
    """The pooled two-proportion z statistic of p2 − p1 (positive: the second rate is higher).

    With p̂ = (x1 + x2) / (n1 + n2)::

        z = (x2/n2 − x1/n1) / sqrt(p̂ (1 − p̂) (1/n1 + 1/n2))

    ``z²`` is the uncorrected Pearson chi-square of the 2×2 table. None when the statistic is
    undefined: a side without rows, or a pooled rate of 0 or 1 (both sides identical, so there
    is nothing to test).

    >>> round(pooled_z(60, 100, 40, 100), 6)
    -2.828427
    >>> pooled_z(0, 10, 0, 20) is None
    True
    """
    if n1 <= 0 or n2 <= 0:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    var = pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)
    if var <= 0.0:
        return None
    return float((x2 / n2 - x1 / n1) / math.sqrt(var))


def two_proportion_test(x1: float, n1: float, x2: float, n2: float) -> float:
    """Two-sided p-value of the pooled two-proportion z-test of p1 = p2 (:func:`pooled_z`).

    Identical proportions at 0 or 1 (or no rows) give p = 1.

    >>> round(two_proportion_test(56, 70, 48, 80), 5)
    0.00805
    """
    from scipy import stats

    z = pooled_z(x1, n1, x2, n2)
    return 1.0 if z is None else float(2 * stats.norm.sf(abs(z)))


def gap_widening_test(
    window: tuple[float, float, float, float], reference: tuple[float, float, float, float]
) -> float:
    """One-sided p-value that the gap p_a − p_b widened from the reference to the window.

    Each argument is ``(x_a, n_a, x_b, n_b)``. With d = (p_a − p_b)_window − (p_a − p_b)_ref
    and independent samples, z = d / sqrt(Σ p(1 − p)/n over the four proportions) (Wald), and
    p = P(Z > z). No rows in a group, or no variance, give p = 1 unless d > 0 exactly.

    >>> round(gap_widening_test((80, 100, 50, 100), (75, 100, 70, 100)), 5)
    0.0027
    """
    from scipy import stats

    props = []
    for x, n in ((window[0], window[1]), (window[2], window[3]),
                 (reference[0], reference[1]), (reference[2], reference[3])):  # fmt: skip
        if n <= 0:
            return 1.0
        props.append((x / n, n))
    d = (props[0][0] - props[1][0]) - (props[2][0] - props[3][0])
    var = sum(p * (1 - p) / n for p, n in props)
    if var <= 0:
        return 0.0 if d > 0 else 1.0
    return float(stats.norm.sf(d / math.sqrt(var)))
