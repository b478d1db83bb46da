"""Counts of data-quality problems, one chunk of raw window rows at a time.

What the window :class:`~driftlab.profile.Profile` cannot say is counted here: values beyond
a margin around the training range or beyond declared bounds (the profile's under/overflow
bins stop at the training minimum and maximum), text that is not a number (coercion turns it
into a missing value), repeated ids, and the labels. A :class:`QualityTally` is a mergeable
value like a profile: ``tally(a + b) == tally(a).add(b)`` for the counts, so a window streamed
in chunks gets exact counts; only the few examples kept per problem depend on the chunking
(the most extreme ones for values, the first ones met for text and duplicates).

Duplicates are found exactly by keeping one 64-bit hash per distinct id (8 bytes a row: 80 MB
for ten million rows); two distinct ids share a hash with probability about n²/2⁶⁵.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from driftlab.config import Feature, FeatureKind, FeatureRole
from driftlab.monitor.quality.extreme import EXAMPLES, EXTREME_SPANS, extreme_bounds, range_bounds
from driftlab.profile import NumericProfile, Profile
from driftlab.profile.build import bin_counts

__all__ = ["Bounds", "Examples", "QualityTally", "ValueCounts", "bounds_of"]

REQUEST_ID = "request_id"


@dataclass(frozen=True)
class Examples:
    """At most :data:`EXAMPLES` values, the highest ``rank`` first (ties: the first met)."""

    items: tuple[tuple[float, Any], ...] = ()

    def plus(self, ranks: Iterable[float], values: Iterable[Any]) -> Examples:
        merged = sorted([*self.items, *zip(ranks, values, strict=True)], key=lambda t: -t[0])
        return Examples(tuple(merged[:EXAMPLES]))

    @property
    def values(self) -> list[Any]:
        return [v for _, v in self.items]


@dataclass(frozen=True)
class ValueCounts:
    """How many values of one column fell below and above a pair of bounds, with examples."""

    below: int = 0
    above: int = 0
    examples: Examples = Examples()

    @property
    def n(self) -> int:
        return self.below + self.above

    def merge(self, other: ValueCounts) -> ValueCounts:
        return ValueCounts(
            self.below + other.below,
            self.above + other.above,
            self.examples.plus(*zip(*other.examples.items, strict=True))
            if other.examples.items else self.examples,
        )  # fmt: skip


@dataclass(frozen=True)
class Bounds:
    """The bounds one numeric feature is counted against, fixed from the reference."""

    reference_min: float
    reference_max: float
    range: tuple[float, float]  # out of range beyond these (reference range ± margin)
    extreme: tuple[float, float]  # extreme beyond these
    declared: tuple[float, float] | None  # the spec's min_value/max_value


def bounds_of(
    feature: Feature, ref: NumericProfile, margin: float, spans: float = EXTREME_SPANS
) -> Bounds | None:
    """None for a reference without values (it has no range to be outside of) unless the
    spec declares bounds."""
    declared = None
    if feature.min_value is not None or feature.max_value is not None:
        declared = (
            -math.inf if feature.min_value is None else feature.min_value,
            math.inf if feature.max_value is None else feature.max_value,
        )
    if ref.n == 0:
        if declared is None:
            return None
        inf = (-math.inf, math.inf)
        return Bounds(math.nan, math.nan, inf, inf, declared)
    return Bounds(ref.min, ref.max, range_bounds(ref.min, ref.max, margin),
                  extreme_bounds(ref.min, ref.max, spans), declared)  # fmt: skip


def _beyond(values: np.ndarray, lo: float, hi: float, ref: Bounds | None) -> ValueCounts:
    """Values below ``lo`` or above ``hi`` (non-finite ones too), ranked by how far beyond
    the reference's range they lie (beyond ``lo``/``hi`` when the reference has none)."""
    with np.errstate(invalid="ignore"):
        low = (values < lo) | (values == -np.inf)
        high = (values > hi) | (values == np.inf)
    below, above = int(np.count_nonzero(low)), int(np.count_nonzero(high))
    if not below and not above:
        return ValueCounts()
    bad = values[low | high]
    a, b = (lo, hi) if ref is None or math.isnan(ref.reference_min) else (
        ref.reference_min, ref.reference_max)  # fmt: skip
    with np.errstate(over="ignore", invalid="ignore"):
        distance = np.nan_to_num(np.maximum(a - bad, bad - b), nan=np.inf, posinf=np.inf)
    top = np.argsort(-distance, kind="stable")[:EXAMPLES]
    return ValueCounts(below, above, Examples().plus(distance[top].tolist(),
                                                     bad[top].tolist()))  # fmt: skip


@dataclass(frozen=True)
class _Ids:
    """Distinct ids met so far (as sorted 64-bit hashes) and how many rows repeated one."""

    seen: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.uint64))
    repeated: int = 0
    examples: Examples = Examples()

    def add(self, values: pd.Series) -> _Ids:
        present = values[values.notna()].astype(str)
        if present.empty:
            return self
        hashes = pd.util.hash_array(present.to_numpy(dtype=object))
        dup = pd.Series(hashes).duplicated().to_numpy() | np.isin(hashes, self.seen)
        found = present[dup].drop_duplicates().head(EXAMPLES).tolist()
        return _Ids(
            np.union1d(self.seen, hashes),
            self.repeated + int(np.count_nonzero(dup)),
            self.examples.plus([0.0] * len(found), found),
        )

    def merge(self, other: _Ids) -> _Ids:
        common = int(np.intersect1d(self.seen, other.seen, assume_unique=True).size)
        return _Ids(
            np.union1d(self.seen, other.seen),
            self.repeated + other.repeated + common,
            self.examples.plus(*zip(*other.examples.items, strict=True))
            if other.examples.items else self.examples,
        )  # fmt: skip


def _label_text(value: Any) -> str | None:
    """A class label as text, as training holds it (an integral float 1.0 is "1")."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True)
class QualityTally:
    """The data-quality counts of the window rows added so far (see the module doc).

    Build one with :meth:`start`, then fold chunks of raw window rows (as the store returns
    them: ``request_id``, ``label`` and the feature columns, before coercion) with
    :meth:`add`, or :meth:`merge` tallies of disjoint parts.
    """

    bounds: dict[str, Bounds]
    ids: tuple[str, ...]  # request_id and the unique id features
    label_edges: np.ndarray | None  # regression: the reference target's bins; None: classes
    spans: float = EXTREME_SPANS  # extreme: this many reference ranges beyond min or max
    n_rows: int = 0
    present: dict[str, int] = field(default_factory=dict)  # numeric values read per feature
    out_of_range: dict[str, ValueCounts] = field(default_factory=dict)
    extreme: dict[str, ValueCounts] = field(default_factory=dict)
    declared: dict[str, ValueCounts] = field(default_factory=dict)
    unparsable: dict[str, ValueCounts] = field(default_factory=dict)  # below: the count
    duplicates: dict[str, _Ids] = field(default_factory=dict)
    labels: dict[str, int] = field(default_factory=dict)  # class or bin index -> rows

    @classmethod
    def start(
        cls,
        reference: Profile,
        features: list[Feature],
        *,
        margin: float,
        label_edges: list[float] | None = None,
        spans: float = EXTREME_SPANS,
    ) -> QualityTally:
        """An empty tally for windows compared with ``reference`` (nothing counted yet)."""
        bounds = {}
        for f in features:
            ref = reference.features.get(f.name)
            if f.kind is FeatureKind.NUMERIC and isinstance(ref, NumericProfile):
                b = bounds_of(f, ref, margin, spans)
                if b is not None:
                    bounds[f.name] = b
        ids = (REQUEST_ID, *(f.name for f in features if f.role is FeatureRole.ID and f.unique))
        edges = None if label_edges is None else np.asarray(label_edges, dtype="float64")
        return cls(bounds, ids, edges, spans)

    def add(self, raw: pd.DataFrame) -> QualityTally:
        """This tally with the rows of ``raw`` counted in."""
        out = replace(
            self,
            n_rows=self.n_rows + len(raw),
            present=dict(self.present),
            out_of_range=dict(self.out_of_range),
            extreme=dict(self.extreme),
            declared=dict(self.declared),
            unparsable=dict(self.unparsable),
            duplicates=dict(self.duplicates),
            labels=dict(self.labels),
        )
        for name, b in self.bounds.items():
            if name not in raw.columns:
                continue
            col = raw[name]
            values = pd.to_numeric(col, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
            text = np.isnan(values) & col.notna().to_numpy()
            if text.any():
                shown = col[text].astype(str).drop_duplicates().head(EXAMPLES).tolist()
                counted = ValueCounts(int(np.count_nonzero(text)), 0,
                                      Examples().plus([0.0] * len(shown), shown))  # fmt: skip
                out.unparsable[name] = out.unparsable.get(name, ValueCounts()).merge(counted)
            values = values[~np.isnan(values)]
            out.present[name] = out.present.get(name, 0) + int(values.size)
            checks = [(out.out_of_range, b.range), (out.extreme, b.extreme)]
            if b.declared is not None:
                checks.append((out.declared, b.declared))
            for part, (lo, hi) in checks:
                part[name] = part.get(name, ValueCounts()).merge(_beyond(values, lo, hi, b))
        for name in self.ids:
            if name in raw.columns:
                out.duplicates[name] = out.duplicates.get(name, _Ids()).add(raw[name])
        if "label" in raw.columns:
            _count_labels(out.labels, raw["label"], self.label_edges)
        return out

    def merge(self, other: QualityTally) -> QualityTally:
        """The tally of two disjoint parts of one window (counts exact)."""

        def join(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
            return {k: a[k].merge(b[k]) if k in a and k in b else a.get(k, b.get(k))
                    for k in {*a, *b}}  # fmt: skip

        labels = dict(self.labels)
        for k, v in other.labels.items():
            labels[k] = labels.get(k, 0) + v
        present = dict(self.present)
        for k, v in other.present.items():
            present[k] = present.get(k, 0) + v
        return replace(
            self,
            n_rows=self.n_rows + other.n_rows,
            present=present,
            out_of_range=join(self.out_of_range, other.out_of_range),
            extreme=join(self.extreme, other.extreme),
            declared=join(self.declared, other.declared),
            unparsable=join(self.unparsable, other.unparsable),
            duplicates=join(self.duplicates, other.duplicates),
            labels=labels,
        )


def _count_labels(counts: dict[str, int], labels: pd.Series, edges: np.ndarray | None) -> None:
    present = labels[labels.notna()]
    if present.empty:
        return
    if edges is None:
        for value, n in present.map(_label_text).value_counts().items():
            counts[str(value)] = counts.get(str(value), 0) + int(n)
        return
    values = pd.to_numeric(present, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    for i, n in enumerate(bin_counts(values[~np.isnan(values)], edges).tolist()):
        if n:
            counts[str(i)] = counts.get(str(i), 0) + n
