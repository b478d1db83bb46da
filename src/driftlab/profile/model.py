"""The Profile value: what a table looked like, in a form that merges and serializes.

A numeric feature is summarized by counts over *frozen* bin edges (taken from reference
quantiles, with an underflow and an overflow bin), mergeable moments (Chan et al.'s parallel
variance), min/max, a missing count, and a bounded uniform sample. The sample is a
bottom-k sample: every row gets a uniform random key and the k smallest keys are kept, so
the union of two samples, cut again to k, is a uniform sample of the union — which makes the
sample mergeable too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["CategoricalProfile", "NumericProfile", "Profile"]


def _bottom_k(keys: np.ndarray, values: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    if keys.size <= k:
        order = np.argsort(keys, kind="stable")
    else:
        order = np.argpartition(keys, k - 1)[:k]
        order = order[np.argsort(keys[order], kind="stable")]
    return keys[order], values[order]


@dataclass(frozen=True, eq=False)
class NumericProfile:
    edges: (
        np.ndarray
    )  # sorted unique inner edges; bins: (<e0), [e0,e1), ..., [e_{k-1}, e_k], (>e_k)
    counts: np.ndarray  # int64, len(edges) + 1
    n: int
    missing: int
    mean: float
    m2: float  # sum of squared deviations from the mean
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
            m2 = self.m2 + other.m2 + delta * delta * self.n * other.n / n
        keys, values = _bottom_k(
            np.concatenate([self.sample_keys, other.sample_keys]),
            np.concatenate([self.sample, other.sample]),
            self.sample_size,
        )
        return NumericProfile(
            edges=self.edges,
            counts=self.counts + other.counts,
            n=n,
            missing=self.missing + other.missing,
            mean=mean,
            m2=m2,
            min=min(self.min, other.min),
            max=max(self.max, other.max),
            sample_keys=keys,
            sample=values,
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
            "m2": self.m2,
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
            m2=float(d["m2"]),
            min=_from_json_float(d["min"], math.inf),
            max=_from_json_float(d["max"], -math.inf),
            sample_keys=np.asarray(d["sample_keys"], dtype="float64"),
            sample=np.asarray(d["sample"], dtype="float64"),
            sample_size=int(d["sample_size"]),
        )


@dataclass(frozen=True)
class CategoricalProfile:
    counts: dict[str, int]
    missing: int
    kind: str = field(default="categorical", init=False)

    @property
    def n(self) -> int:
        return sum(self.counts.values())

    def merge(self, other: CategoricalProfile) -> CategoricalProfile:
        counts = dict(self.counts)
        for k, v in other.counts.items():
            counts[k] = counts.get(k, 0) + v
        return CategoricalProfile(counts=counts, missing=self.missing + other.missing)

    def aligned_counts(self, other: CategoricalProfile) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Counts of both profiles over the union of categories (reference order first)."""
        cats = list(self.counts) + [c for c in other.counts if c not in self.counts]
        a = np.array([self.counts.get(c, 0) for c in cats], dtype="int64")
        b = np.array([other.counts.get(c, 0) for c in cats], dtype="int64")
        return cats, a, b

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "categorical", "counts": self.counts, "missing": self.missing}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CategoricalProfile:
        return cls(
            counts={str(k): int(v) for k, v in d["counts"].items()}, missing=int(d["missing"])
        )


FeatureProfile = NumericProfile | CategoricalProfile


@dataclass(frozen=True)
class Profile:
    """Per-feature summaries of one table (a reference, or a monitoring window)."""

    features: dict[str, FeatureProfile]
    n_rows: int

    def merge(self, other: Profile) -> Profile:
        if set(self.features) != set(other.features):
            raise ValueError("cannot merge profiles of different feature sets")
        return Profile(
            features={k: v.merge(other.features[k]) for k, v in self.features.items()},  # type: ignore[arg-type]
            n_rows=self.n_rows + other.n_rows,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": 1,
            "n_rows": self.n_rows,
            "features": {k: v.to_dict() for k, v in self.features.items()},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Profile:
        if d.get("format") != 1:
            raise ValueError(f"unsupported profile format {d.get('format')!r}; expected 1")
        feats: dict[str, FeatureProfile] = {}
        for name, fd in d["features"].items():
            feats[name] = (
                NumericProfile.from_dict(fd)
                if fd["kind"] == "numeric"
                else CategoricalProfile.from_dict(fd)
            )
        return cls(features=feats, n_rows=int(d["n_rows"]))


def _json_float(x: float) -> float | None:
    # JSON has no infinity; an empty profile's min/max are written as null.
    return None if math.isinf(x) else x


def _from_json_float(x: float | None, default: float) -> float:
    return default if x is None else float(x)
