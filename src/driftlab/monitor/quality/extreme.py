"""Data quality: numeric values far outside anything the reference held.

The API accepts any finite number, so one client bug (a unit mix-up, an uninitialised field,
``1e308``) reaches the log. Drift tests may not notice a handful of such rows, yet they are
the first thing to look at when a model misbehaves. A value is **extreme** when it lies beyond
the reference's minimum or maximum by more than ``spans`` times the reference's range::

    lower = min − spans · range        upper = max + spans · range        range = max − min

The range (not the IQR) because the profile keeps exact min and max but only binned
quantiles, and because "further from anything seen in training than the whole training range
is wide" is a statement no plausible new value makes. A feature constant in the reference
(range 0) uses ``max(|min|, |max|, 1)`` instead, so that a new but ordinary value is not
extreme. Non-finite values are always extreme.
"""

from __future__ import annotations

import sys

import numpy as np

from driftlab.formatting import num
from driftlab.monitor.result import ExtremeValues
from driftlab.profile import NumericProfile

__all__ = [
    "EXAMPLES",
    "EXTREME_SHARE",
    "EXTREME_SPANS",
    "extreme_bounds",
    "extreme_values",
    "range_bounds",
]

# Beyond the reference's min or max by more than this many reference ranges.
EXTREME_SPANS = 2.0
# A feature's extreme values are a finding from this share of the window's rows: a single
# stray record is counted and shown, but paging someone for it would be noise.
EXTREME_SHARE = 0.01
# Extreme values kept per feature as examples (most extreme first).
EXAMPLES = 3
_MAX = sys.float_info.max


def extreme_bounds(lo: float, hi: float, spans: float = EXTREME_SPANS) -> tuple[float, float]:
    """The (lower, upper) bounds beyond which a value is extreme, from the reference's
    minimum ``lo`` and maximum ``hi``; saturated at the largest float, never infinite.

    >>> extreme_bounds(10.0, 20.0)
    (-10.0, 40.0)
    >>> extreme_bounds(0.0, 0.0, 3.0)  # constant reference: range taken as max(|min|, |max|, 1)
    (-3.0, 3.0)
    >>> extreme_bounds(-1e308, 1e308)[1] == sys.float_info.max
    True
    """
    with np.errstate(over="ignore"):
        span = float(np.float64(hi) - np.float64(lo))
        if span == 0.0:
            span = max(abs(lo), abs(hi), 1.0)
        reach = float(np.float64(spans) * np.float64(span))
        lower = float(np.float64(lo) - np.float64(reach))
        upper = float(np.float64(hi) + np.float64(reach))
    return max(lower, -_MAX), min(upper, _MAX)


def range_bounds(lo: float, hi: float, margin: float) -> tuple[float, float]:
    """The (lower, upper) bounds beyond which a value is *out of range*: the reference's
    minimum and maximum widened by ``margin`` times its range (``monitor.range_margin``).
    A constant reference widens by ``margin · max(|min|, |max|, 1)``.

    >>> range_bounds(18.0, 90.0, 0.05)
    (14.4, 93.6)
    """
    return extreme_bounds(lo, hi, margin)


def extreme_values(
    name: str, n_bad: int, candidates: np.ndarray, ref: NumericProfile, n_rows: int, spans: float
) -> ExtremeValues:
    """The finding for ``n_bad`` extreme values of ``name`` among ``n_rows`` rows; the
    examples are the most extreme of ``candidates`` (extreme values: all of them, or the
    examples of partial results being merged)."""
    lower, upper = extreme_bounds(ref.min, ref.max, spans)
    # Most extreme first: by how far outside the reference's range, in either direction.
    with np.errstate(over="ignore", invalid="ignore"):
        distance = np.maximum(ref.min - candidates, candidates - ref.max)
    examples = [float(v) for v in candidates[np.argsort(-distance, kind="stable")][:EXAMPLES]]
    share = n_bad / n_rows
    message = (
        f"{n_bad} of {n_rows} values of {name} ({share:.1%}) lie far outside the training "
        f"range {num(ref.min)} to {num(ref.max)} (extreme: below {num(lower)} or above "
        f"{num(upper)}), e.g. {', '.join(num(v) for v in examples)}."
    )
    return ExtremeValues(name, n_bad, share, lower, upper, examples, message)
