"""What changed most in one feature, in words: the part of a drift message that says *what*.

A distribution can move in several ways, and a sentence about the mean alone misdescribes a
feature whose spread collapsed (sd 1.0 → 0.16 with the same mean). Each way a feature can
change gets a score on one scale, 1.0 being the size of change driftlab's own benchmarks inject
as a real drift; the message leads with the largest, and names the others that reach 1.0.
Location and spread score the smaller of their moment-based and quartile-based measures
(quartiles of the bounded samples), so a few far values, which move the mean and sd but not
the quartiles, are described as values outside the training range; and values outside the
range lead only when nothing else moved notably (a wider spread also puts values there):

=============  ========================================================  ===============
aspect         measure                                                   1.0 at
=============  ========================================================  ===============
location       mean (and median) difference in reference sds             0.5 sd
spread         ratio of sds (and interquartile ranges), on a log scale   1.5× (or 1/1.5)
range          share of the window outside the training min–max          3 points
shape          quartile (Bowley) skewness, (Q3 + Q1 − 2·Q2) / (Q3 − Q1)   0.3
missing        share of missing values                                   10 points
category       share of the category that moved most                     8 points
=============  ========================================================  ===============

Percent changes are used only on a ratio scale: a feature whose training values are all
positive and span at least a factor of :data:`RATIO_SPAN` (prices, counts, areas). Elsewhere
a percent misleads (longitude −117 vs −119 is not "+1%", years are not "−0.6%"), so the change
is an absolute difference and standard deviations.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from driftlab.formatting import num, pct, percent, points

__all__ = ["RATIO_SPAN", "Change", "categorical_changes", "describe", "numeric_changes"]

# A feature is on a ratio scale when its training minimum is positive and its maximum at
# least this many times larger: then "+20%" means something. Years (1872–2010), latitudes
# (32–42) and temperatures in kelvin span far less; when unsure, sd units are used.
RATIO_SPAN = 3.0
# The size of each kind of change that scores 1.0 (see the module docstring).
NOTABLE = {
    "location": 0.5,
    "spread": math.log(1.5),
    "range": 0.03,
    "shape": 0.3,
    "missing": 0.10,
    "category": 0.08,
}


@dataclass(frozen=True)
class Change:
    """One way a feature changed: its score (1.0 = notable), its words, and the numbers."""

    aspect: str
    score: float
    text: str
    window: float | None = None
    reference: float | None = None


def _finite(x: Any) -> float | None:
    return float(x) if x is not None and math.isfinite(float(x)) else None


def ratio_scale(ref: dict[str, Any]) -> bool:
    """Whether percent changes of this feature's mean mean something (see module).

    >>> ratio_scale({"min": 35.0, "max": 2500.0}), ratio_scale({"min": 1872.0, "max": 2010.0})
    (True, False)
    >>> ratio_scale({"min": -124.3, "max": -114.3}), ratio_scale({"min": None, "max": None})
    (False, False)
    """
    lo, hi = _finite(ref.get("min")), _finite(ref.get("max"))
    return lo is not None and hi is not None and lo > 0 and hi >= RATIO_SPAN * lo


def _missing(ref: dict[str, Any], cur: dict[str, Any]) -> Change | None:
    ref_total, cur_total = ref["n"] + ref["missing"], cur["n"] + cur["missing"]
    if not ref_total or not cur_total:
        return None
    a, b = ref["missing"] / ref_total, cur["missing"] / cur_total
    text = f"missing in {percent(b)} of the window vs {percent(a)} in training ({points(b - a)})"
    return Change("missing", abs(b - a) / NOTABLE["missing"], text, b, a)


def _location(ref: dict[str, Any], cur: dict[str, Any]) -> Change | None:
    a, b, sd = _finite(ref.get("mean")), _finite(cur.get("mean")), _finite(ref.get("std"))
    if a is None or b is None or not cur["n"] or not ref["n"]:
        return None
    diff = b - a
    in_sd = f"{diff / sd:+.2f} sd" if sd else None
    if ratio_scale(ref) and a:
        change = pct(diff / abs(a))
    else:
        change = f"{'+' if diff > 0 else ''}{num(diff)}" + (f", {in_sd}" if in_sd else "")
    score = abs(diff) / sd / NOTABLE["location"] if sd else (math.inf if diff else 0.0)
    qa, qb = ref.get("quartiles"), cur.get("quartiles")
    if sd and qa and qb:  # a few far values move the mean, not the median: score the smaller
        score = min(score, abs(qb[1] - qa[1]) / sd / NOTABLE["location"])
    return Change("location", score, f"mean {num(b)} vs {num(a)} in training ({change})", b, a)


def _spread(ref: dict[str, Any], cur: dict[str, Any]) -> Change | None:
    a, b = _finite(ref.get("std")), _finite(cur.get("std"))
    if a is None or b is None or cur["n"] < 2 or ref["n"] < 2 or (a == 0 and b == 0):
        return None
    if a == 0:
        return Change("spread", math.inf, f"spread (sd) {num(b)}, constant in training", b, a)
    if b == 0:
        return Change("spread", math.inf, f"every value the same ({num(cur['mean'])}), sd {num(a)} "
                      "in training", b, a)  # fmt: skip
    ratio = b / a
    words = "wider" if ratio > 1 else "narrower"
    factor = num(ratio if ratio >= 1 else 1 / ratio)
    text = f"spread (sd) {num(b)} vs {num(a)} in training ({factor}× {words})"
    score = abs(math.log(ratio)) / NOTABLE["spread"]
    qa, qb = ref.get("quartiles"), cur.get("quartiles")
    if qa and qb and qa[2] > qa[0] and qb[2] > qb[0]:
        # A few far values widen the sd, not the interquartile range: score the smaller, so
        # that out-of-range values are described as such.
        iqr = (qb[2] - qb[0]) / (qa[2] - qa[0])
        score = min(score, abs(math.log(iqr)) / NOTABLE["spread"])
    return Change("spread", score, text, b, a)


def _range(
    ref: dict[str, Any], cur: dict[str, Any], ref_counts: Sequence[int], cur_counts: Sequence[int]
) -> Change | None:
    """Rows below the training minimum or above its maximum: the under- and overflow bins."""
    if len(cur_counts) < 2 or not sum(cur_counts) or not sum(ref_counts):
        return None
    a = (ref_counts[0] + ref_counts[-1]) / sum(ref_counts)
    b = (cur_counts[0] + cur_counts[-1]) / sum(cur_counts)
    lo, hi = _finite(ref.get("min")), _finite(ref.get("max"))
    span = f" ({num(lo)} to {num(hi)})" if lo is not None and hi is not None else ""
    text = f"{percent(b)} of values outside the training range{span} vs {percent(a)} in training"
    return Change("range", max(0.0, b - a) / NOTABLE["range"], text, b, a)


def _bowley(q: Sequence[float] | None) -> float | None:
    if not q or len(q) != 3 or q[2] <= q[0]:
        return None
    return (q[2] + q[0] - 2 * q[1]) / (q[2] - q[0])


def _shape(ref: dict[str, Any], cur: dict[str, Any]) -> Change | None:
    a, b = _bowley(ref.get("quartiles")), _bowley(cur.get("quartiles"))
    if a is None or b is None:
        return None
    qa, qb = (" / ".join(num(v) for v in side["quartiles"]) for side in (ref, cur))
    text = (
        f"shape changed: quartiles {qb} vs {qa} in training (quartile skewness {b:+.2f} vs "
        f"{a:+.2f})"
    )
    return Change("shape", abs(b - a) / NOTABLE["shape"], text, b, a)


def numeric_changes(
    ref: dict[str, Any], cur: dict[str, Any], ref_counts: Sequence[int], cur_counts: Sequence[int]
) -> list[Change]:
    """Every way a numeric feature changed, largest first (summaries as in ``FeatureDrift``)."""
    found = [
        _location(ref, cur),
        _spread(ref, cur),
        _range(ref, cur, ref_counts, cur_counts),
        _shape(ref, cur),
        _missing(ref, cur),
    ]
    ranked = sorted((c for c in found if c is not None), key=lambda c: -c.score)
    # Values outside the training range follow from a shift or a wider spread; they lead only
    # when the bulk of the values did not notably move (a few far values, a broken unit).
    if len(ranked) > 1 and ranked[0].aspect == "range" and ranked[1].score >= 1.0:
        ranked[0], ranked[1] = ranked[1], ranked[0]
    return ranked


def categorical_changes(
    ref: dict[str, Any],
    cur: dict[str, Any],
    categories: Sequence[str],
    ref_counts: Sequence[int],
    cur_counts: Sequence[int],
) -> list[Change]:
    """The category whose share moved most (both shares), and the missing share; largest
    first. A category the training data never had is called new."""
    found = [_missing(ref, cur)]
    a, b = np.asarray(ref_counts, dtype=float), np.asarray(cur_counts, dtype=float)
    if a.sum() and b.sum() and len(categories):
        pa, pb = a / a.sum(), b / b.sum()
        i = int(np.argmax(np.abs(pb - pa)))
        new = " (a new category)" if a[i] == 0 else ""
        text = f"share of '{categories[i]}' {percent(pb[i])} vs {percent(pa[i])} in training{new}"
        found.append(Change("category", abs(pb[i] - pa[i]) / NOTABLE["category"], text,
                            float(pb[i]), float(pa[i])))  # fmt: skip
    return sorted((c for c in found if c is not None), key=lambda c: -c.score)


def describe(changes: list[Change], most: int = 2) -> str:
    """The largest change, then up to ``most - 1`` others that are notable too (score ≥ 1).

    >>> describe([Change("spread", 4.5, "spread (sd) 0.16 vs 1 in training (6.25× narrower)"),
    ...           Change("location", 0.04, "mean -0.005 vs 0.017 in training (-0.02 sd)")])
    'spread (sd) 0.16 vs 1 in training (6.25× narrower)'
    """
    if not changes:
        return "no values to compare"
    lead, rest = changes[0], [c for c in changes[1:most] if c.score >= 1.0]
    return "; ".join(c.text for c in [lead, *rest])
