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
import pandas as pd

from driftlab.config import Feature, FeatureKind
from driftlab.formatting import num
from driftlab.monitor.result import DataQuality, ExtremeValues
from driftlab.profile import NumericProfile, Profile

__all__ = [
    "EXAMPLES",
    "EXTREME_SHARE",
    "EXTREME_SPANS",
    "data_quality",
    "extreme_bounds",
    "extreme_values",
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


def _extreme(
    name: str, values: np.ndarray, ref: NumericProfile, n_rows: int, spans: float
) -> ExtremeValues | None:
    if ref.n == 0:  # a reference with no values has no range to be outside of
        return None
    lower, upper = extreme_bounds(ref.min, ref.max, spans)
    present = values[~np.isnan(values)]
    bad = present[~np.isfinite(present) | (present < lower) | (present > upper)]
    if bad.size == 0:
        return None
    return extreme_values(name, int(bad.size), bad, ref, n_rows, spans)


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


def data_quality(
    frame: pd.DataFrame,
    reference: Profile,
    features: list[Feature],
    *,
    spans: float = EXTREME_SPANS,
    min_share: float = EXTREME_SHARE,
) -> DataQuality:
    """Count each numeric feature's extreme values in ``frame`` (see the module doc).

    >>> from driftlab.profile import build_profile
    >>> f = [Feature(name="x", kind="numeric")]
    >>> ref = build_profile(pd.DataFrame({"x": [1.0, 2.0, 3.0]}), f)
    >>> dq = data_quality(pd.DataFrame({"x": [2.0, 1e308, 7.0, 7.5, None]}), ref, f)
    >>> [(e.feature, e.n, e.share, e.lower, e.upper, e.examples) for e in dq.extreme]
    [('x', 2, 0.4, -3.0, 7.0, [1e+308, 7.5])]
    """
    n_rows = len(frame)
    extreme = []
    for f in features:
        ref = reference.features.get(f.name)
        if f.kind is not FeatureKind.NUMERIC or not isinstance(ref, NumericProfile) or not n_rows:
            continue
        values = pd.to_numeric(frame[f.name], errors="coerce").to_numpy(
            dtype="float64", na_value=np.nan
        )
        found = _extreme(f.name, values, ref, n_rows, spans)
        if found is not None:
            extreme.append(found)
    return DataQuality(extreme, spans, min_share)
