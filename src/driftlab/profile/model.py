"""The Profile value: what a table looked like, in a form that merges and serializes.

A numeric feature is summarized by counts over *frozen* bin edges (taken from reference
quantiles, with an underflow and an overflow bin), mergeable moments (Chan et al.'s parallel
variance), min/max, a missing count, and a bounded uniform sample. A categorical feature keeps
counts of its most frequent ``max_categories`` values and one ``other`` count for the rest.
The whole table also keeps a bounded uniform sample of *rows* (all features together), which
multivariate methods need.

Samples are bottom-k samples: every row has a key in [0, 1) (see :mod:`.keys`) and the k
smallest keys are kept, so the union of two samples, cut again to k, is the sample of the
union. That makes every part of a profile mergeable: ``profile(a + b) == merge(profile(a),
profile(b))``, with :meth:`Profile.empty` as the identity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["OTHER", "CategoricalProfile", "NumericProfile", "Profile", "RowSample"]

OTHER = "__other__"


def bottom_k(keys: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` smallest keys, in key order."""
    if keys.size > k:
        idx = np.argpartition(keys, k - 1)[:k]
        return idx[np.argsort(keys[idx], kind="stable")]
    return np.argsort(keys, kind="stable")


@dataclass(frozen=True, eq=False)
class NumericProfile:
    edges: np.ndarray  # sorted inner edges; bins: (<e0), [e0,e1), ..., [e_{k-1}, e_k], (>e_k)
    counts: np.ndarray  # int64, len(edges) + 1
    n: int
    missing: int
    mean: float
    m2: float  # sum of squared deviations from the mean; inf beyond float range
    min: float
    max: float
    sample_keys: np.ndarray
    sample: np.ndarray
    sample_size: int
    kind: str = field(default="numeric", init=False)

    @property
    def std(self) -> float:
        return math.sqrt(self.m2 / (self.n - 1)) if self.n > 1 else 0.0

    def merge(self, other: NumericProfile) -> NumericProfile:
        if not np.array_equal(self.edges, other.edges):
            raise ValueError("cannot merge numeric profiles built on different bin edges")
        n = self.n + other.n
        if n == 0:
            mean, m2 = 0.0, 0.0
        else:
            delta = other.mean - self.mean
            mean = self.mean + delta * other.n / n
            if not math.isfinite(mean):  # the means are ±1e308 apart: weigh them instead
                mean = self.mean * (self.n / n) + other.mean * (other.n / n)
            # inf when the spread is beyond float range (see build.moments), never NaN: an
            # empty side adds nothing, even when delta² overflows (inf · 0 would be NaN).
            cross = delta * delta * self.n * other.n / n if self.n and other.n else 0.0
            m2 = self.m2 + other.m2 + cross
        keys = np.concatenate([self.sample_keys, other.sample_keys])
        values = np.concatenate([self.sample, other.sample])
        keep = bottom_k(keys, self.sample_size)
        return NumericProfile(
            edges=self.edges,
            counts=self.counts + other.counts,
            n=n,
            missing=self.missing + other.missing,
            mean=mean,
            m2=m2,
            min=min(self.min, other.min),
            max=max(self.max, other.max),
            sample_keys=keys[keep],
            sample=values[keep],
            sample_size=self.sample_size,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "numeric",
            "edges": self.edges.tolist(),
            "counts": self.counts.tolist(),
            "n": self.n,
            "missing": self.missing,
            "mean": self.mean,
            "m2": _json_float(self.m2),
            "min": _json_float(self.min),
            "max": _json_float(self.max),
            "sample_keys": self.sample_keys.tolist(),
            "sample": self.sample.tolist(),
            "sample_size": self.sample_size,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> NumericProfile:
        return cls(
            edges=np.asarray(d["edges"], dtype="float64"),
            counts=np.asarray(d["counts"], dtype="int64"),
            n=int(d["n"]),
            missing=int(d["missing"]),
            mean=float(d["mean"]),
            m2=_from_json_float(d["m2"], math.inf),
            min=_from_json_float(d["min"], math.inf),
            max=_from_json_float(d["max"], -math.inf),
            sample_keys=np.asarray(d["sample_keys"], dtype="float64"),
            sample=np.asarray(d["sample"], dtype="float64"),
            sample_size=int(d["sample_size"]),
        )


@dataclass(frozen=True)
class CategoricalProfile:
    """Counts per category. A reference keeps its ``max_categories`` most frequent values and
    folds the rest into :data:`OTHER`; a window counted against a reference uses the same
    kept set (see ``build``), so both sides always share their categories."""

    counts: dict[str, int]
    missing: int
    max_categories: int = 200
    kind: str = field(default="categorical", init=False)

    @property
    def n(self) -> int:
        return sum(self.counts.values())

    def merge(self, other: CategoricalProfile) -> CategoricalProfile:
        counts = dict(self.counts)
        for k, v in other.counts.items():
            counts[k] = counts.get(k, 0) + v
        return CategoricalProfile(_cap(counts, self.max_categories), self.missing + other.missing,
                                  self.max_categories)  # fmt: skip

    def aligned_counts(self, other: CategoricalProfile) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Counts of both profiles over the union of categories (reference order first)."""
        cats = list(self.counts) + [c for c in other.counts if c not in self.counts]
        a = np.array([self.counts.get(c, 0) for c in cats], dtype="int64")
        b = np.array([other.counts.get(c, 0) for c in cats], dtype="int64")
        return cats, a, b

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "categorical", "counts": self.counts, "missing": self.missing,
                "max_categories": self.max_categories}  # fmt: skip

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CategoricalProfile:
        counts = {str(k): int(v) for k, v in d["counts"].items()}
        return cls(counts, int(d["missing"]), int(d.get("max_categories", 200)))


def _cap(counts: dict[str, int], k: int) -> dict[str, int]:
    """Keep the ``k`` most frequent categories (ties by name, for determinism); fold the rest."""
    named = {c: v for c, v in counts.items() if c != OTHER}
    if len(named) <= k:
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    ranked = sorted(named.items(), key=lambda kv: (-kv[1], kv[0]))
    out = dict(ranked[:k])
    out[OTHER] = counts.get(OTHER, 0) + sum(v for _, v in ranked[k:])
    return out


@dataclass(frozen=True, eq=False)
class RowSample:
    """A bounded uniform sample of whole rows, for multivariate methods."""

    keys: np.ndarray
    columns: dict[str, np.ndarray]
    size: int

    def merge(self, other: RowSample) -> RowSample:
        keys = np.concatenate([self.keys, other.keys])
        keep = bottom_k(keys, self.size)
        cols = {c: np.concatenate([v, other.columns[c]])[keep] for c, v in self.columns.items()}
        return RowSample(keys[keep], cols, self.size)

    def to_dict(self) -> dict[str, Any]:
        return {
            "keys": self.keys.tolist(),
            "size": self.size,
            "columns": {c: [_json_cell(x) for x in v.tolist()] for c, v in self.columns.items()},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RowSample:
        cols = {}
        for c, v in d["columns"].items():
            numeric = all(x is None or isinstance(x, int | float) for x in v)
            cols[c] = (
                np.array([np.nan if x is None else x for x in v], dtype="float64") if numeric
                else np.array(v, dtype=object)
            )  # fmt: skip
        return cls(np.asarray(d["keys"], dtype="float64"), cols, int(d["size"]))


FeatureProfile = NumericProfile | CategoricalProfile


@dataclass(frozen=True)
class Profile:
    """Per-feature summaries of one table (a reference, or a monitoring window)."""

    features: dict[str, FeatureProfile]
    n_rows: int
    rows: RowSample | None = None

    def merge(self, other: Profile) -> Profile:
        if other.n_rows == 0 and not other.features:
            return self
        if self.n_rows == 0 and not self.features:
            return other
        if set(self.features) != set(other.features):
            raise ValueError("cannot merge profiles of different feature sets")
        rows = self.rows.merge(other.rows) if self.rows and other.rows else self.rows or other.rows
        return Profile(
            features={k: v.merge(other.features[k]) for k, v in self.features.items()},  # type: ignore[arg-type]
            n_rows=self.n_rows + other.n_rows,
            rows=rows,
        )

    @classmethod
    def empty(cls) -> Profile:
        """The identity of :meth:`merge`."""
        return cls(features={}, n_rows=0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": 2,
            "n_rows": self.n_rows,
            "features": {k: v.to_dict() for k, v in self.features.items()},
            "rows": self.rows.to_dict() if self.rows else None,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Profile:
        if d.get("format") not in (1, 2):
            raise ValueError(f"unsupported profile format {d.get('format')!r}; expected 1 or 2")
        feats: dict[str, FeatureProfile] = {}
        for name, fd in d["features"].items():
            feats[name] = (
                NumericProfile.from_dict(fd) if fd["kind"] == "numeric"
                else CategoricalProfile.from_dict(fd)
            )  # fmt: skip
        rows = RowSample.from_dict(d["rows"]) if d.get("rows") else None
        return cls(features=feats, n_rows=int(d["n_rows"]), rows=rows)


def _json_float(x: float) -> float | None:
    # JSON has no infinity; an empty profile's min/max, and an m2 beyond float range, are
    # written as null.
    return None if math.isinf(x) else x


def _from_json_float(x: float | None, default: float) -> float:
    return default if x is None else float(x)


def _json_cell(x: Any) -> Any:
    if isinstance(x, float) and math.isnan(x):
        return None
    return x
