"""Build a profile from an Apache Spark DataFrame: each partition is profiled where it lives and
only the small profiles travel to the driver, where they merge.

The result equals :func:`~driftlab.profile.build_profile` on the same rows collected in
partition order (the order ``DataFrame.toPandas()`` gives): row keys depend only on a row's
global position, which each partition knows from the counts of the partitions before it, and
profiles merge exactly. So a reference built in Spark and a window built in pandas (or the
other way round) are compared as if one tool had built both.

pyspark is imported only by the caller's DataFrame; driftlab must be installed on the
executors (it is, in ``local[*]`` mode).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import reduce
from typing import Any

import numpy as np
import pandas as pd

from driftlab.config import Feature, FeatureKind
from driftlab.errors import DataError
from driftlab.profile.build import EDGE_SAMPLE, _numeric_values, build_profile, quantile_edges
from driftlab.profile.keys import row_keys
from driftlab.profile.model import CategoricalProfile, Profile, _cap, bottom_k

__all__ = ["build_profile_spark"]

# Categories kept per partition, as a multiple of max_categories, before the merge caps them:
# the merged counts are exact unless one partition holds more distinct values than this.
_PARTITION_CATEGORY_FACTOR = 100


def _frame(rows: list[Any], names: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records([tuple(r) for r in rows], columns=names)


def build_profile_spark(
    df: Any,
    features: list[Feature],
    *,
    reference: Profile | None = None,
    bins: int = 10,
    sample_size: int = 2000,
    max_categories: int = 200,
    seed: int = 0,
) -> Profile:
    """Profile the ``features`` of the Spark DataFrame ``df`` (see the module docstring).

    With ``reference``, counts go into its frozen bins and categories (a monitoring window);
    without, this is a reference: numeric edges come from the quantiles of the same row
    sample :func:`build_profile` would use. The DataFrame is read two or three times; cache
    it first if it is expensive to compute.
    """
    names = [f.name for f in features]
    absent = [n for n in names if n not in df.columns]
    if absent:
        raise DataError(
            f"the Spark DataFrame lacks feature column(s) {absent}; it has {df.columns}"
        )
    rdd = df.select(*names).rdd

    sizes = dict(rdd.mapPartitionsWithIndex(lambda i, it: [(i, sum(1 for _ in it))]).collect())
    offsets: dict[int, int] = {}
    total = 0
    for i in sorted(sizes):
        offsets[i] = total
        total += sizes[i]

    edges: dict[str, np.ndarray] | None = None
    numeric = [f.name for f in features if f.kind is FeatureKind.NUMERIC]
    if reference is None and numeric:
        edges = _edges(rdd, names, numeric, offsets, total, bins, seed)

    cap = max_categories * _PARTITION_CATEGORY_FACTOR if reference is None else max_categories

    def profile_partition(i: int, it: Iterator[Any]) -> Iterator[Profile]:
        frame = _frame(list(it), names)
        yield build_profile(
            frame, features, bins=bins, sample_size=sample_size, reference=reference,
            max_categories=cap, row_offset=offsets.get(i, 0), seed=seed, edges=edges,
        )  # fmt: skip

    parts = [p for p in rdd.mapPartitionsWithIndex(profile_partition).collect() if p.n_rows]
    if not parts:
        return build_profile(_frame([], names), features, bins=bins, reference=reference,
                             max_categories=max_categories, seed=seed, edges=edges)  # fmt: skip
    merged = reduce(Profile.merge, parts)
    if reference is not None:
        return merged
    # Per-partition category lists were generous; keep the reference's real top-k.
    feats = {
        name: CategoricalProfile(_cap(fp.counts, max_categories), fp.missing, max_categories)
        if isinstance(fp, CategoricalProfile)
        else fp
        for name, fp in merged.features.items()
    }
    return Profile(features=feats, n_rows=merged.n_rows, rows=merged.rows)


def _edges(
    rdd: Any,
    names: list[str],
    numeric: list[str],
    offsets: dict[int, int],
    total: int,
    bins: int,
    seed: int,
) -> dict[str, np.ndarray]:
    """Quantile edges from the global bottom-k rows by key: each partition sends its own
    bottom-k, and the k smallest of those are the k smallest overall."""
    k = min(total, EDGE_SAMPLE)

    def sample(i: int, it: Iterator[Any]) -> Iterator[tuple[np.ndarray, dict[str, np.ndarray]]]:
        frame = _frame(list(it), names)
        keys = row_keys(len(frame), offsets.get(i, 0), seed)
        idx = bottom_k(keys, k)
        yield keys[idx], {n: _numeric_values(frame[n])[idx] for n in numeric}

    pieces = rdd.mapPartitionsWithIndex(sample).collect()
    keys = np.concatenate([p[0] for p in pieces]) if pieces else np.empty(0, dtype="uint64")
    keep = bottom_k(keys, k)
    return {
        n: quantile_edges(np.concatenate([p[1][n] for p in pieces])[keep], bins) for n in numeric
    }
