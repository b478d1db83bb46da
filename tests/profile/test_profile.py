"""Profiles: frozen edges, mergeability, serialization."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driftlab.config import Feature, FeatureKind
from driftlab.profile import (
    CategoricalProfile,
    NumericProfile,
    Profile,
    bin_index,
    build_profile,
    quantile_edges,
)

FEATURES = [Feature(name="x"), Feature(name="c", kind=FeatureKind.CATEGORICAL)]


def _frame(xs: list[float | None], cs: list[str | None]) -> pd.DataFrame:
    return pd.DataFrame({"x": pd.Series(xs, dtype="float64"), "c": pd.Series(cs, dtype=object)})


def test_window_is_counted_into_reference_edges() -> None:
    ref = build_profile(_frame([1.0, 2.0, 3.0, 4.0, 5.0], list("aabbc")), FEATURES, bins=4)
    win = build_profile(_frame([0.0, 2.5, 9.0], ["a", "z", None]), FEATURES, reference=ref)
    rx, wx = ref.features["x"], win.features["x"]
    assert isinstance(rx, NumericProfile) and isinstance(wx, NumericProfile)
    np.testing.assert_array_equal(wx.edges, rx.edges)
    # one underflow (0.0), one inner, one overflow (9.0)
    assert wx.counts[0] == 1 and wx.counts[-1] == 1 and wx.counts.sum() == 3
    wc = win.features["c"]
    assert isinstance(wc, CategoricalProfile)
    assert wc.counts == {"a": 1, "z": 1} and wc.missing == 1


def test_reference_max_lands_in_last_inner_bin() -> None:
    edges = quantile_edges(np.array([0.0, 10.0]), 2)
    assert bin_index(np.array([10.0]), edges).tolist() == [edges.size - 1]


def test_constant_and_all_missing_columns_are_defined() -> None:
    const = build_profile(_frame([3.0] * 10, ["a"] * 10), FEATURES)
    cx = const.features["x"]
    assert isinstance(cx, NumericProfile) and cx.std == 0.0 and cx.counts.sum() == 10
    empty = build_profile(_frame([None] * 4, [None] * 4), FEATURES)
    ex = empty.features["x"]
    assert isinstance(ex, NumericProfile) and ex.n == 0 and ex.missing == 4
    # Serializes (no infinities in JSON) and comes back equal in substance.
    back = Profile.from_dict(empty.to_dict())
    assert back.features["x"].n == 0  # type: ignore[union-attr]


def test_moments_match_numpy() -> None:
    rng = np.random.default_rng(1)
    x = rng.lognormal(size=500)
    prof = build_profile(_frame(x.tolist(), ["a"] * 500), FEATURES).features["x"]
    assert isinstance(prof, NumericProfile)
    assert prof.mean == pytest.approx(x.mean())
    assert prof.std == pytest.approx(x.std(ddof=1))
    assert (prof.min, prof.max) == (x.min(), x.max())


def test_sample_is_bounded() -> None:
    x = np.arange(5000.0)
    prof = build_profile(_frame(x.tolist(), ["a"] * 5000), FEATURES, sample_size=100).features["x"]
    assert isinstance(prof, NumericProfile) and prof.sample.size == 100


def test_roundtrip_json() -> None:
    ref = build_profile(_frame([1.0, 2.0, None, 4.0], ["a", "b", "b", None]), FEATURES)
    back = Profile.from_dict(ref.to_dict())
    assert back.to_dict() == ref.to_dict()


values = st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)), max_size=60)
cats = st.sampled_from(["a", "b", "c", None])


@settings(max_examples=60, deadline=None)
@given(a=values, b=values, data=st.data())
def test_merge_equals_profile_of_concatenation(a: list, b: list, data: st.DataObject) -> None:
    ca = data.draw(st.lists(cats, min_size=len(a), max_size=len(a)))
    cb = data.draw(st.lists(cats, min_size=len(b), max_size=len(b)))
    ref = build_profile(_frame([1.0, 5.0, 10.0], ["a", "b", "c"]), FEATURES, bins=3)
    pa = build_profile(_frame(a, ca), FEATURES, reference=ref)
    pb = build_profile(_frame(b, cb), FEATURES, reference=ref)
    whole = build_profile(_frame(a + b, ca + cb), FEATURES, reference=ref)
    merged = pa.merge(pb)
    mx, wx = merged.features["x"], whole.features["x"]
    assert isinstance(mx, NumericProfile) and isinstance(wx, NumericProfile)
    np.testing.assert_array_equal(mx.counts, wx.counts)
    assert (mx.n, mx.missing) == (wx.n, wx.missing)
    assert mx.mean == pytest.approx(wx.mean, rel=1e-9, abs=1e-6)
    assert mx.m2 == pytest.approx(wx.m2, rel=1e-6, abs=1e-3)
    assert merged.features["c"] == whole.features["c"]
    # merge is commutative on everything but sample tie order
    other = pb.merge(pa).features["x"]
    assert isinstance(other, NumericProfile)
    np.testing.assert_array_equal(other.counts, mx.counts)
