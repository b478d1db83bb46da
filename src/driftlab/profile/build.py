"""Build profiles from pandas tables or streams of chunks, into frozen reference edges."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from driftlab.config import Feature, FeatureKind
from driftlab.profile.keys import row_keys
from driftlab.profile.model import (
    OTHER,
    CategoricalProfile,
    FeatureProfile,
    NumericProfile,
    Profile,
    RowSample,
    _cap,
    bottom_k,
)

__all__ = [
    "bin_counts",
    "bin_index",
    "build_profile",
    "build_profile_arrays",
    "build_profile_chunks",
    "quantile_edges",
]

# Reference edges come from the quantiles of at most this many rows (a uniform sample): the
# bins need not hold exactly equal mass, and the counts into them are exact on every row.
EDGE_SAMPLE = 200_000


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


def bin_counts(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """``np.bincount(bin_index(values, edges))`` without a per-value binary search.

    One vectorized comparison per edge (cumulative counts, then differences) is several times
    faster than ``searchsorted`` for the ~10 edges a profile has.

    >>> bin_counts(np.array([-1.0, 0.0, 4.9, 5.0, 10.0, 11.0]), np.array([0.0, 5.0, 10.0])).tolist()
    [1, 2, 2, 1]
    """
    if edges.size <= 1:
        return np.bincount(bin_index(values, edges), minlength=edges.size + 1).astype("int64")
    below = [np.count_nonzero(values < e) for e in edges[:-1]]
    below.append(np.count_nonzero(values <= edges[-1]))  # the top edge closes the last bin
    return np.diff(np.array([0, *below, values.size], dtype="int64"))


def moments(x: np.ndarray) -> tuple[float, float]:
    """The mean and the sum of squared deviations from it (``m2``) of finite values ``x``.

    The mean of finite values is finite even when their sum overflows (values near
    ``1.8e308``): it is then computed on ``x / max|x|`` and scaled back. ``m2`` is ``inf`` when
    the spread itself is beyond float range — the honest value, written as null in JSON.

    >>> moments(np.array([1.0, 2.0, 3.0]))
    (2.0, 2.0)
    >>> moments(np.array([1.7e308, 1.7e308]))
    (1.7e+308, 0.0)
    >>> moments(np.array([1.7e308, -1.7e308, 0.0]))
    (0.0, inf)
    >>> moments(np.array([]))
    (0.0, 0.0)
    """
    if x.size == 0:
        return 0.0, 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        mean = float(x.mean())
        if not math.isfinite(mean) and np.isfinite(x).all():
            scale = float(np.abs(x).max())
            mean = scale * float((x / scale).mean())
        # Not np.dot: it goes through multithreaded BLAS, which costs milliseconds per call on
        # a busy machine for what is a single pass over memory.
        d = x - mean
        m2 = float((d * d).sum())
    return mean, m2


def _numeric(
    values: np.ndarray, edges: np.ndarray, keys: np.ndarray, sample_size: int, rows: np.ndarray
) -> NumericProfile:
    ok = ~np.isnan(values)
    complete = bool(ok.all())
    x = values if complete else values[ok]
    k = keys if complete else keys[ok]
    counts = bin_counts(x, edges)
    n = int(x.size)
    mean, m2 = moments(x)
    # Without missing values the feature's sample is the table's row sample: reuse it.
    keep = rows if complete else bottom_k(k, sample_size)
    return NumericProfile(
        edges=edges,
        counts=counts,
        n=n,
        missing=int(values.size - n),
        mean=mean,
        m2=m2,
        min=float(x.min()) if n else math.inf,
        max=float(x.max()) if n else -math.inf,
        sample_keys=k[keep],
        sample=x[keep],
        sample_size=sample_size,
    )


def _categorical(
    values: pd.Series, reference: CategoricalProfile | None, max_categories: int
) -> CategoricalProfile:
    # One pass: value_counts with the missing values as their own key, on the raw column
    # (converting a million values to strings first costs more than the counting).
    raw: dict[str, int] = {}
    missing = 0
    for key, v in values.value_counts(dropna=False, sort=False).items():
        if key is None or key is pd.NA or (isinstance(key, float) and math.isnan(key)):
            missing += int(v)
        else:
            name = str(key)
            raw[name] = raw.get(name, 0) + int(v)
    if reference is None:
        return CategoricalProfile(_cap(raw, max_categories), missing, max_categories)
    # Count into the reference's categories. Values it does not know are new categories —
    # unless the reference itself folded a tail into OTHER, where they may belong.
    known = reference.counts
    counts: dict[str, int] = {}
    new: dict[str, int] = {}
    for cat, v in raw.items():
        if cat in known and cat != OTHER:
            counts[cat] = v
        elif OTHER in known:
            counts[OTHER] = counts.get(OTHER, 0) + v
        else:
            new[cat] = v
    counts.update(_cap(new, reference.max_categories))
    return CategoricalProfile(counts, missing, reference.max_categories)


def _numeric_values(col: pd.Series) -> np.ndarray:
    if col.dtype.kind in "fiu":
        return col.to_numpy(dtype="float64", na_value=np.nan)
    return pd.to_numeric(col, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def build_profile(
    frame: pd.DataFrame,
    features: list[Feature],
    *,
    bins: int = 10,
    sample_size: int = 2000,
    reference: Profile | None = None,
    max_categories: int = 200,
    row_offset: int = 0,
    seed: int = 0,
    edges: Mapping[str, np.ndarray] | None = None,
) -> Profile:
    """Profile ``frame``'s features.

    Without ``reference`` the numeric bin edges come from ``frame``'s quantiles (this *is*
    the reference); with it, numeric features are counted into the reference's frozen edges
    and categorical ones into its categories, so a window is never re-binned with the
    reference. ``row_offset`` is the position of the first row in a larger stream (see
    :func:`build_profile_chunks`). ``edges`` gives numeric bin edges decided elsewhere (a
    distributed builder fixes them once for every partition); without a reference only.
    """
    n = len(frame)
    keys = row_keys(n, row_offset, seed)
    fixed = edges is not None and reference is None
    edge_rows = (
        bottom_k(keys, EDGE_SAMPLE) if reference is None and not fixed and n > EDGE_SAMPLE else None
    )
    out: dict[str, FeatureProfile] = {}
    row_idx = bottom_k(keys, sample_size)
    row_cols: dict[str, np.ndarray] = {}
    for f in features:
        col = frame[f.name]
        if f.kind is FeatureKind.NUMERIC:
            values = _numeric_values(col)
            if reference is not None:
                ref = reference.features[f.name]
                if not isinstance(ref, NumericProfile):
                    raise TypeError(f"feature {f.name!r} is not numeric in the reference")
                f_edges = ref.edges
            elif edges is not None:
                f_edges = np.asarray(edges[f.name], dtype="float64")
            else:
                f_edges = quantile_edges(values if edge_rows is None else values[edge_rows], bins)
            out[f.name] = _numeric(values, f_edges, keys, sample_size, row_idx)
            row_cols[f.name] = values[row_idx]
        else:
            ref_cat = reference.features[f.name] if reference is not None else None
            if ref_cat is not None and not isinstance(ref_cat, CategoricalProfile):
                raise TypeError(f"feature {f.name!r} is not categorical in the reference")
            out[f.name] = _categorical(col, ref_cat, max_categories)
            # Pick the sampled rows before converting: not a million values for 2,000.
            picked = col.iloc[row_idx].to_numpy(dtype=object)
            row_cols[f.name] = np.array(
                [None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))
                 else str(v) for v in picked], dtype=object,
            )  # fmt: skip
    rows = RowSample(keys[row_idx], row_cols, sample_size)
    return Profile(features=out, n_rows=n, rows=rows)


def build_profile_arrays(
    arrays: Mapping[str, np.ndarray], features: list[Feature], **kwargs: Any
) -> Profile:
    """Profile columns given as numpy arrays (one per feature, equal lengths).

    Numeric arrays are wrapped without copying; see :func:`build_profile` for ``kwargs``.
    """
    lengths = {len(arrays[f.name]) for f in features}
    if len(lengths) > 1:
        raise ValueError(f"arrays have different lengths: {sorted(lengths)}")
    frame = pd.DataFrame({f.name: arrays[f.name] for f in features}, copy=False)
    return build_profile(frame, features, **kwargs)


def build_profile_chunks(
    chunks: Iterable[pd.DataFrame],
    features: list[Feature],
    *,
    reference: Profile | None = None,
    **kwargs: object,
) -> Profile:
    """Profile a stream of tables in constant memory (one chunk at a time), merging as it goes.

    Against a ``reference`` the result equals :func:`build_profile` on the concatenation.
    Without one, the first chunk fixes the bin edges (its quantiles; under/overflow bins
    catch the rest), so pass a first chunk that represents the data — or build the
    reference from a sample and stream the rest against it.
    """
    total = Profile.empty()
    offset = 0
    frozen = reference
    for chunk in chunks:
        part = build_profile(chunk, features, reference=frozen, row_offset=offset, **kwargs)  # type: ignore[arg-type]
        if frozen is None:
            frozen = part
        total = total.merge(part)
        offset += len(chunk)
    return total
