"""The Spark builder against the pandas one, on a real local Spark session."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from driftlab.config import Feature
from driftlab.profile import CategoricalProfile, NumericProfile, Profile, build_profile

pyspark = pytest.importorskip(
    "pyspark", reason="pyspark is in the dev extra: pip install -e '.[dev]'"
)

# The session is the shared `spark` fixture (tests/conftest.py); it skips without Java.
pytestmark = [pytest.mark.slow, pytest.mark.spark]

FEATURES = [
    Feature(name="x", kind="numeric"),
    Feature(name="y", kind="numeric"),
    Feature(name="c", kind="categorical"),
]


def _data(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(shift, 1.0, n)
    x[rng.random(n) < 0.05] = np.nan
    cats = rng.zipf(1.6, n).clip(max=400).astype(str).astype(object)
    cats[rng.random(n) < 0.03] = None
    return pd.DataFrame({"x": x, "y": rng.exponential(2.0, n), "c": cats})


def _same(p: Profile, q: Profile) -> None:
    assert p.n_rows == q.n_rows
    for name in ("x", "y"):
        a, b = p.features[name], q.features[name]
        assert isinstance(a, NumericProfile) and isinstance(b, NumericProfile)
        np.testing.assert_array_equal(a.edges, b.edges)
        np.testing.assert_array_equal(a.counts, b.counts)
        assert (a.n, a.missing, a.min, a.max) == (b.n, b.missing, b.min, b.max)
        assert a.mean == pytest.approx(b.mean, rel=1e-9)
        assert a.m2 == pytest.approx(b.m2, rel=1e-9)
        np.testing.assert_array_equal(a.sample_keys, b.sample_keys)
        np.testing.assert_array_equal(a.sample, b.sample)
    ca, cb = p.features["c"], q.features["c"]
    assert isinstance(ca, CategoricalProfile) and ca == cb
    assert p.rows is not None and q.rows is not None
    np.testing.assert_array_equal(p.rows.keys, q.rows.keys)
    for name in ("x", "y"):
        np.testing.assert_array_equal(p.rows.columns[name], q.rows.columns[name])
    assert p.rows.columns["c"].tolist() == q.rows.columns["c"].tolist()


def _spark_frame(spark: object, frame: pd.DataFrame, partitions: int) -> object:
    rows = [
        (None if np.isnan(x) else float(x), float(y), c)
        for x, y, c in frame.itertuples(index=False)
    ]
    df = spark.createDataFrame(rows, "x double, y double, c string")  # type: ignore[attr-defined]
    out = df.repartition(partitions) if partitions > 1 else df.coalesce(1)
    # Cached, so the builder and collect() read the same rows in the same partition order.
    out.cache().count()
    return out


def _collect(df: object) -> pd.DataFrame:
    return pd.DataFrame.from_records(
        [tuple(r) for r in df.collect()],  # type: ignore[attr-defined]
        columns=["x", "y", "c"],
    )


def test_reference_and_window_equal_the_pandas_profile(
    spark: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from driftlab.profile.spark import build_profile_spark

    # A small edge sample so the distributed bottom-k path is exercised (5,000 rows > 1,000).
    monkeypatch.setattr("driftlab.profile.build.EDGE_SAMPLE", 1000)
    monkeypatch.setattr("driftlab.profile.spark.EDGE_SAMPLE", 1000)
    ref_df = _spark_frame(spark, _data(5000, 1), partitions=4)
    # The pandas side reads the rows in the order Spark holds them (collect: partition order).
    ref_rows = _collect(ref_df)
    kwargs = {"bins": 8, "sample_size": 300, "max_categories": 20}
    ref = build_profile_spark(ref_df, FEATURES, **kwargs)
    _same(ref, build_profile(ref_rows, FEATURES, **kwargs))
    assert "__other__" in ref.features["c"].counts  # type: ignore[union-attr]

    win_df = _spark_frame(spark, _data(3000, 2, shift=0.5), partitions=3)
    window = build_profile_spark(win_df, FEATURES, reference=ref, sample_size=300)
    expected = build_profile(
        _collect(win_df),
        FEATURES,
        reference=ref,
        sample_size=300,
    )
    _same(window, expected)


def test_missing_column_is_named(spark: object) -> None:
    from driftlab.errors import DataError
    from driftlab.profile.spark import build_profile_spark

    df = _spark_frame(spark, _data(10, 3), partitions=1).drop("y")  # type: ignore[attr-defined]
    with pytest.raises(DataError, match=r"lacks feature column\(s\) \['y'\]"):
        build_profile_spark(df, FEATURES)
