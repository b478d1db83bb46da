"""Profiles: frozen edges, mergeability, serialization."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driftlab.config import Feature, FeatureKind
from driftlab.profile import (
    OTHER,
    CategoricalProfile,
    NumericProfile,
    Profile,
    bin_index,
    build_profile,
    build_profile_chunks,
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
cats = st.sampled_from(["a", "b", "c", "d", None])
REF = build_profile(_frame([1.0, 5.0, 10.0], ["a", "b", "c"]), FEATURES, bins=3)


def _same(p: Profile, q: Profile) -> None:
    """Equal in substance: counts, moments (to rounding), samples, categories, rows."""
    assert p.n_rows == q.n_rows
    px, qx = p.features["x"], q.features["x"]
    assert isinstance(px, NumericProfile) and isinstance(qx, NumericProfile)
    np.testing.assert_array_equal(px.counts, qx.counts)
    assert (px.n, px.missing) == (qx.n, qx.missing)
    assert px.mean == pytest.approx(qx.mean, rel=1e-9, abs=1e-6)
    assert px.m2 == pytest.approx(qx.m2, rel=1e-6, abs=1e-3)
    np.testing.assert_array_equal(px.sample_keys, qx.sample_keys)
    np.testing.assert_array_equal(px.sample, qx.sample)
    assert p.features["c"] == q.features["c"]
    assert p.rows is not None and q.rows is not None
    np.testing.assert_array_equal(p.rows.keys, q.rows.keys)


@settings(max_examples=60, deadline=None)
@given(a=values, b=values, data=st.data())
def test_merge_equals_profile_of_concatenation(a: list, b: list, data: st.DataObject) -> None:
    ca = data.draw(st.lists(cats, min_size=len(a), max_size=len(a)))
    cb = data.draw(st.lists(cats, min_size=len(b), max_size=len(b)))
    kw = {"reference": REF, "sample_size": 7}
    pa = build_profile(_frame(a, ca), FEATURES, **kw)
    pb = build_profile(_frame(b, cb), FEATURES, row_offset=len(a), **kw)
    whole = build_profile(_frame(a + b, ca + cb), FEATURES, **kw)
    _same(pa.merge(pb), whole)
    _same(pb.merge(pa), whole)  # commutative
    _same(pa.merge(Profile.empty()), pa)  # identity
    _same(Profile.empty().merge(pa), pa)


@settings(max_examples=30, deadline=None)
@given(a=values, b=values, c=values)
def test_merge_is_associative(a: list, b: list, c: list) -> None:
    def prof(xs: list, offset: int) -> Profile:
        return build_profile(_frame(xs, ["a"] * len(xs)), FEATURES, reference=REF,
                             sample_size=5, row_offset=offset)  # fmt: skip

    pa, pb, pc = prof(a, 0), prof(b, len(a)), prof(c, len(a) + len(b))
    _same(pa.merge(pb).merge(pc), pa.merge(pb.merge(pc)))


@settings(max_examples=30, deadline=None)
@given(a=values, data=st.data())
def test_counts_and_moments_do_not_depend_on_row_order(a: list, data: st.DataObject) -> None:
    perm = data.draw(st.permutations(range(len(a))))
    p = build_profile(_frame(a, ["a"] * len(a)), FEATURES, reference=REF).features["x"]
    q = build_profile(_frame([a[i] for i in perm], ["a"] * len(a)), FEATURES, reference=REF)
    qx = q.features["x"]
    assert isinstance(p, NumericProfile) and isinstance(qx, NumericProfile)
    np.testing.assert_array_equal(p.counts, qx.counts)
    assert p.mean == pytest.approx(qx.mean, abs=1e-6) and p.m2 == pytest.approx(qx.m2, abs=1e-3)


def test_streaming_chunks_equal_one_pass() -> None:
    rng = np.random.default_rng(3)
    frame = _frame(rng.normal(size=10_000).tolist(), rng.choice(list("abc"), 10_000).tolist())
    ref = build_profile(frame.iloc[:2000], FEATURES)
    chunks = (frame.iloc[i : i + 1500] for i in range(0, len(frame), 1500))
    _same(
        build_profile_chunks(chunks, FEATURES, reference=ref),
        build_profile(frame, FEATURES, reference=ref),
    )


def test_high_cardinality_keeps_top_k_plus_other() -> None:
    cs = [f"k{i % 50}" for i in range(1000)] + ["rare1", "rare2"]
    ref = build_profile(_frame([1.0] * len(cs), cs), FEATURES, max_categories=10).features["c"]
    assert isinstance(ref, CategoricalProfile)
    assert len(ref.counts) == 11 and ref.counts[OTHER] == 1002 - 10 * 20
    # A window value the reference folded away is counted in OTHER, not as new.
    ref_profile = Profile({"x": REF.features["x"], "c": ref}, 1)
    win = build_profile(_frame([1.0, 1.0], ["rare1", "k0"]), FEATURES, reference=ref_profile)
    win = win.features["c"]
    assert isinstance(win, CategoricalProfile) and win.counts == {"k0": 1, OTHER: 1}


def test_unseen_category_is_explicit_when_reference_had_no_tail() -> None:
    win = build_profile(_frame([1.0, 1.0], ["a", "zz"]), FEATURES, reference=REF).features["c"]
    assert isinstance(win, CategoricalProfile) and win.counts == {"a": 1, "zz": 1}


@settings(max_examples=80, deadline=None)
@given(
    xs=st.lists(st.sampled_from([-2.0, 0.0, 0.5, 1.0, 1.5, 3.0, 7.0]), max_size=40),
    edges=st.lists(st.sampled_from([0.0, 0.5, 1.0, 3.0]), min_size=1, max_size=4, unique=True),
)
def test_fast_bin_counts_equal_bincount_of_bin_index(xs: list[float], edges: list[float]) -> None:
    from driftlab.profile.build import bin_counts

    v, e = np.array(xs), np.array(sorted(edges))
    expected = np.bincount(bin_index(v, e), minlength=e.size + 1)
    np.testing.assert_array_equal(bin_counts(v, e), expected)


def test_numpy_arrays_give_the_same_profile_as_a_frame() -> None:
    from driftlab.profile import build_profile_arrays

    x = np.array([1.0, 2.0, np.nan, 4.0])
    c = np.array(["a", "b", None, "a"], dtype=object)
    assert (
        build_profile_arrays({"x": x, "c": c}, FEATURES).to_dict()
        == build_profile(_frame(x.tolist(), c.tolist()), FEATURES).to_dict()
    )
    with pytest.raises(ValueError, match="different lengths"):
        build_profile_arrays({"x": x, "c": c[:2]}, FEATURES)
