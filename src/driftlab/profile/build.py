"""Build profiles from pandas tables, into frozen reference edges when monitoring."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from driftlab.config import Feature, FeatureKind
from driftlab.profile.model import CategoricalProfile, FeatureProfile, NumericProfile, Profile

__all__ = ["bin_index", "build_profile", "quantile_edges"]


def quantile_edges(values: np.ndarray, bins: int) -> np.ndarray:
    """Inner bin edges at the reference's quantiles 0, 1/bins, ..., 1 (ties collapsed).

    >>> quantile_edges(np.arange(11.0), 2).tolist()
    [0.0, 5.0, 10.0]
    >>> quantile_edges(np.array([1.0, 1.0, 1.0]), 4).tolist()
    [1.0]
    """
    values = values[~np.isnan(values)]
    if values.size == 0:
        return np.empty(0)
    return np.unique(np.quantile(values, np.linspace(0.0, 1.0, bins + 1)))


def bin_index(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Bin of each value: 0 underflow, 1..len(edges)-1 inner, len(edges) overflow.

    The top reference edge (the reference maximum) belongs to the last inner bin.

    >>> bin_index(np.array([-1.0, 0.0, 4.9, 5.0, 10.0, 11.0]), np.array([0.0, 5.0, 10.0])).tolist()
    [0, 1, 1, 2, 2, 3]
    """
    idx = np.searchsorted(edges, values, side="right")
    if edges.size > 1:
        idx[values == edges[-1]] = edges.size - 1
    return idx


def _numeric(
    values: np.ndarray, edges: np.ndarray, keys: np.ndarray, sample_size: int
) -> NumericProfile:
    ok = ~np.isnan(values)
    x, k = values[ok], keys[ok]
    counts = np.bincount(bin_index(x, edges), minlength=edges.size + 1).astype("int64")
    n = int(x.size)
    mean = float(x.mean()) if n else 0.0
    m2 = float(((x - mean) ** 2).sum()) if n else 0.0
    if n > sample_size:
        part = np.argpartition(k, sample_size - 1)[:sample_size]
        k, x = k[part], x[part]
    order = np.argsort(k, kind="stable")
    return NumericProfile(
        edges=edges,
        counts=counts,
        n=n,
        missing=int((~ok).sum()),
        mean=mean,
        m2=m2,
        min=float(x.min()) if n else math.inf,
        max=float(x.max()) if n else -math.inf,
        sample_keys=k[order],
        sample=x[order],
        sample_size=sample_size,
    )


def _categorical(values: pd.Series) -> CategoricalProfile:
    present = values.dropna()
    counts = present.astype(str).value_counts(sort=True)
    return CategoricalProfile(
        counts={str(k): int(v) for k, v in counts.items()},
        missing=int(values.isna().sum()),
    )


def build_profile(
    frame: pd.DataFrame,
    features: list[Feature],
    *,
    bins: int = 10,
    sample_size: int = 2000,
    reference: Profile | None = None,
    seed: int = 0,
) -> Profile:
    """Profile ``frame``'s features.

    Without ``reference`` the numeric bin edges are computed from ``frame`` (this *is* the
    reference); with it, every numeric feature is counted into the reference's frozen edges,
    so a window is never re-binned together with the reference.
    """
    rng = np.random.default_rng(seed)
    keys = rng.random(len(frame))
    out: dict[str, FeatureProfile] = {}
    for f in features:
        col = frame[f.name]
        if f.kind is FeatureKind.NUMERIC:
            values = pd.to_numeric(col, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
            if reference is not None:
                ref = reference.features[f.name]
                assert isinstance(ref, NumericProfile), f"{f.name} is not numeric in the reference"
                edges = ref.edges
            else:
                edges = quantile_edges(values, bins)
            out[f.name] = _numeric(values, edges, keys, sample_size)
        else:
            out[f.name] = _categorical(col)
    return Profile(features=out, n_rows=len(frame))
