"""The catalogue's statistics against scipy or their published formulas, on seeded data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps
from scipy.spatial import distance as spd

from driftlab.config import FeatureKind
from driftlab.stats import (
    CATALOGUE,
    anderson,
    chi2,
    cvm,
    default_stats,
    energy,
    fisher,
    get_stat,
    gtest,
    hellinger,
    jensen_shannon,
    kl,
    mannwhitney,
    tvd,
    wasserstein,
    welch,
    ztest,
)

NUM = frozenset({FeatureKind.NUMERIC})
CAT = frozenset({FeatureKind.CATEGORICAL})
BOTH = NUM | CAT


@pytest.fixture
def samples() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.normal(size=300), rng.normal(0.3, 1.2, size=250)


@pytest.mark.parametrize(
    ("name", "kinds", "gives", "threshold", "inputs"),
    [
        ("anderson", NUM, "p_value", 0.05, "sample"),
        ("cvm", NUM, "p_value", 0.05, "sample"),
        ("wasserstein", NUM, "distance", 0.1, "sample"),
        ("energy", NUM, "distance", 0.1, "sample"),
        ("mannwhitney", NUM, "p_value", 0.05, "sample"),
        ("welch", NUM, "p_value", 0.05, "sample"),
        ("jensen_shannon", BOTH, "distance", 0.1, "counts"),
        ("kl", BOTH, "distance", 0.1, "counts"),
        ("hellinger", BOTH, "distance", 0.1, "counts"),
        ("gtest", CAT, "p_value", 0.05, "counts"),
        ("ztest", CAT, "p_value", 0.05, "counts"),
        ("fisher", CAT, "p_value", 0.05, "counts"),
        ("tvd", CAT, "distance", 0.1, "counts"),
    ],
)
def test_catalogue_registration(
    name: str, kinds: frozenset[FeatureKind], gives: str, threshold: float, inputs: str
) -> None:
    entry = CATALOGUE[name]
    assert (entry.kinds, entry.gives, entry.default_threshold, entry.inputs) == (
        kinds,
        gives,
        threshold,
        inputs,
    )
    assert entry.fn([1.0, 2.0], [1.0, 2.0]).name == name


# --- numeric samples -------------------------------------------------------------------------


def test_anderson_matches_scipy_permutation(samples: tuple[np.ndarray, np.ndarray]) -> None:
    a, b = samples
    method = sps.PermutationMethod(n_resamples=199, rng=np.random.default_rng(3))
    expected = sps.anderson_ksamp([np.sort(a), np.sort(b)], variant="midrank", method=method)
    got = anderson(a, b, n_resamples=199, seed=3)
    assert got.statistic == pytest.approx(expected.statistic, rel=1e-12)
    assert got.p_value == pytest.approx(expected.pvalue, rel=1e-12)


def test_anderson_is_reproducible_and_order_free(samples: tuple[np.ndarray, np.ndarray]) -> None:
    a, b = samples
    first = anderson(a, b, n_resamples=199)
    assert anderson(a, b, n_resamples=199) == first
    rng = np.random.default_rng(1)
    assert anderson(rng.permutation(a), rng.permutation(b), n_resamples=199) == first


def test_anderson_p_value_is_not_capped_like_scipys_table() -> None:
    # scipy's tabulated p-value lives in [0.001, 0.25]; the permutation one does not.
    same = np.arange(20.0)
    assert anderson(same, same).p_value == pytest.approx(1.0)
    far = anderson(np.arange(200.0), np.arange(200.0) + 150.0, n_resamples=99)
    assert far.p_value == pytest.approx(1 / 100)


def test_cvm_matches_scipy(samples: tuple[np.ndarray, np.ndarray]) -> None:
    a, b = samples
    expected = sps.cramervonmises_2samp(a, b)
    got = cvm(np.append(a, np.nan), b)
    assert got.statistic == pytest.approx(expected.statistic, rel=1e-12)
    assert got.p_value == pytest.approx(expected.pvalue, rel=1e-9)


def test_wasserstein_is_scipy_over_reference_std(samples: tuple[np.ndarray, np.ndarray]) -> None:
    a, b = samples
    expected = sps.wasserstein_distance(a, b) / np.std(a, ddof=1)
    assert wasserstein(a, b).statistic == pytest.approx(expected, rel=1e-12)
    assert wasserstein(1000 * a, 1000 * b).statistic == pytest.approx(expected, rel=1e-9)


def test_wasserstein_constant_reference_uses_documented_epsilon() -> None:
    assert wasserstein([3.0, 3.0, 3.0], [3.0, 3.0]).statistic == 0.0
    got = wasserstein([3.0, 3.0, 3.0], [4.0, 4.0], epsilon=1e-3).statistic
    assert got == pytest.approx(1.0 / 1e-3)


def test_energy_is_scipy_on_standardized_values(samples: tuple[np.ndarray, np.ndarray]) -> None:
    a, b = samples
    s = np.std(a, ddof=1)
    expected = sps.energy_distance(a / s, b / s)
    assert energy(a, b).statistic == pytest.approx(expected, rel=1e-9)
    # Energy distance scales with sqrt(units): standardizing divides it by sqrt(s), not s.
    assert energy(a, b).statistic == pytest.approx(sps.energy_distance(a, b) / math.sqrt(s))
    assert energy(250 * a, 250 * b).statistic == pytest.approx(expected, rel=1e-9)


def test_energy_constant_reference_uses_documented_epsilon() -> None:
    got = energy([3.0, 3.0, 3.0], [4.0, 4.0], epsilon=1e-2).statistic
    assert got == pytest.approx(sps.energy_distance([300.0] * 3, [400.0] * 2))


def test_mannwhitney_matches_scipy(samples: tuple[np.ndarray, np.ndarray]) -> None:
    a, b = samples
    expected = sps.mannwhitneyu(a, b, alternative="two-sided")
    got = mannwhitney(a, np.append(b, np.nan))
    assert got.statistic == pytest.approx(expected.statistic)
    assert got.p_value == pytest.approx(expected.pvalue, rel=1e-9)


def test_welch_matches_scipy_ttest_ind(samples: tuple[np.ndarray, np.ndarray]) -> None:
    a, b = samples
    expected = sps.ttest_ind(a, b, equal_var=False)
    got = welch(a, b)
    assert got.statistic == pytest.approx(expected.statistic, rel=1e-9)
    assert got.p_value == pytest.approx(expected.pvalue, rel=1e-9)


def test_welch_one_constant_side_follows_the_formula() -> None:
    a, b = np.array([2.0, 2.0, 2.0]), np.array([1.0, 2.0, 4.0, 5.0])
    t = (a.mean() - b.mean()) / math.sqrt(b.var(ddof=1) / b.size)
    got = welch(a, b)
    assert got.statistic == pytest.approx(t)
    assert got.p_value is not None and 0 < got.p_value < 1


@pytest.mark.parametrize(("a", "b"), [([1.0, 1.0, 1.0], [1.0, 1.0]), ([1.0, 1.0], [2.0, 2.0])])
def test_welch_constant_samples_mean_no_evidence(a: list[float], b: list[float]) -> None:
    assert welch(a, b) == welch([], [])
    assert (welch(a, b).statistic, welch(a, b).p_value) == (0.0, 1.0)


# --- counts ----------------------------------------------------------------------------------

A = np.array([120, 340, 0, 90, 450])
B = np.array([80, 300, 25, 160, 0])


def test_jensen_shannon_matches_scipy() -> None:
    assert jensen_shannon(A, B).statistic == pytest.approx(spd.jensenshannon(A, B, base=2))


def test_jensen_shannon_finite_where_scipy_rounds_below_zero() -> None:
    # Nearly identical large counts: scipy 1.17 sums the divergence to about -1e-17 here and
    # returns its square root, NaN, with a RuntimeWarning.
    a = np.array([185_062_422, 163_696_168, 151_113_647])
    got = jensen_shannon(a, a + np.array([1, 0, 0])).statistic
    assert math.isfinite(got) and got == pytest.approx(0.0, abs=1e-6)


def test_kl_published_formula_with_epsilon_floor() -> None:
    eps = 1e-4
    p = np.maximum(A / A.sum(), eps)
    q = np.maximum(B / B.sum(), eps)
    p, q = p / p.sum(), q / q.sum()
    assert kl(A, B, epsilon=eps).statistic == pytest.approx(float(np.sum(q * np.log(q / p))))
    assert kl(A, B).statistic == pytest.approx(float(sps.entropy(q, p)))
    assert kl(A, B).statistic != pytest.approx(kl(B, A).statistic)  # D(q‖p) ≠ D(p‖q)


def test_kl_stays_non_negative_where_plain_flooring_would_not() -> None:
    a, b = np.array([5000, 5000, 0]), np.array([5000, 4999, 1])
    p, q = np.maximum(a / a.sum(), 1e-4), np.maximum(b / b.sum(), 1e-4)
    assert float(np.sum(q * np.log(q / p))) < 0  # the floor's extra mass, not renormalized
    assert kl(a, b).statistic >= 0.0


def test_hellinger_published_formula() -> None:
    p, q = A / A.sum(), B / B.sum()
    assert hellinger(A, B).statistic == pytest.approx(math.sqrt(1 - np.sum(np.sqrt(p * q))))
    alt = np.linalg.norm(np.sqrt(p) - np.sqrt(q)) / math.sqrt(2)
    assert hellinger(A, B).statistic == pytest.approx(alt)
    assert hellinger([10, 0], [0, 10]).statistic == pytest.approx(1.0)


def test_tvd_published_formula() -> None:
    p, q = A / A.sum(), B / B.sum()
    assert tvd(A, B).statistic == pytest.approx(0.5 * np.sum(np.abs(p - q)))
    assert tvd([10, 0], [0, 10]).statistic == pytest.approx(1.0)


def test_gtest_matches_scipy_and_drops_empty_categories() -> None:
    a, b = np.array([30, 50, 20, 0]), np.array([10, 60, 40, 0])
    expected = sps.chi2_contingency(
        np.vstack([a[:3], b[:3]]), lambda_="log-likelihood", correction=False
    )
    got = gtest(a, b)
    assert got.statistic == pytest.approx(expected.statistic)
    assert got.p_value == pytest.approx(expected.pvalue)
    assert (gtest([0, 0], [3, 4]).statistic, gtest([0, 0], [3, 4]).p_value) == (0.0, 1.0)


def test_ztest_squared_is_uncorrected_chi2() -> None:
    a, b = [130, 70], [95, 105]
    got, pearson = ztest(a, b), chi2(a, b)
    assert got.statistic**2 == pytest.approx(pearson.statistic)
    assert got.p_value == pytest.approx(pearson.p_value)
    assert got.statistic < 0  # the first category's share fell from 0.65 to 0.475
    assert ztest([130, 0, 70], [95, 0, 105]) == got  # an empty-on-both-sides category drops


@pytest.mark.parametrize(
    ("a", "b"), [([5, 10, 15], [5, 10, 20]), ([5], [7]), ([0, 0], [3, 4]), ([3, 0], [4, 0])]
)
def test_two_category_tests_mean_no_evidence_otherwise(a: list[int], b: list[int]) -> None:
    for fn in (ztest, fisher):
        res = fn(a, b)
        assert (res.statistic, res.p_value) == (0.0, 1.0)


def test_fisher_matches_scipy() -> None:
    a, b = [12, 5], [3, 14]
    expected = sps.fisher_exact([a, b])
    got = fisher(a, b)
    assert got.statistic == pytest.approx(expected.statistic)
    assert got.p_value == pytest.approx(expected.pvalue)


def test_fisher_zero_cell_uses_documented_correction() -> None:
    got = fisher([10, 0], [4, 6], zero_cell_correction=0.5)
    assert got.statistic == pytest.approx((10.5 * 6.5) / (0.5 * 4.5))
    assert got.p_value == pytest.approx(sps.fisher_exact([[10, 0], [4, 6]]).pvalue)


# --- properties ------------------------------------------------------------------------------

COUNT_DISTANCES = sorted(
    n for n, e in CATALOGUE.items() if e.inputs == "counts" and e.gives == "distance"
)
SYMMETRIC = {"jensen_shannon", "hellinger", "tvd", "psi"}
BOUNDED_BY_ONE = {"jensen_shannon", "hellinger", "tvd"}

count_pairs = st.integers(1, 6).flatmap(
    lambda k: st.tuples(
        st.lists(st.integers(0, 10**9), min_size=k, max_size=k),
        st.lists(st.integers(0, 10**9), min_size=k, max_size=k),
    )
)


@pytest.mark.parametrize("name", COUNT_DISTANCES)
@settings(max_examples=150, deadline=None)
@given(pair=count_pairs)
def test_count_distances_are_non_negative_and_symmetric_where_they_should_be(
    name: str, pair: tuple[list[int], list[int]]
) -> None:
    a, b = pair
    fn = CATALOGUE[name].fn
    forward = fn(a, b).statistic
    assert math.isfinite(forward) and forward >= 0.0
    if name in SYMMETRIC:
        assert fn(b, a).statistic == pytest.approx(forward, rel=1e-9, abs=1e-12)
    if name in BOUNDED_BY_ONE:
        assert forward <= 1.0 + 1e-12


# --- defaults --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [FeatureKind.NUMERIC, FeatureKind.CATEGORICAL])  # drift-tested
@pytest.mark.parametrize(("n_reference", "n_window"), [(0, 0), (50, 20), (5000, 100_000)])
def test_default_stats_are_catalogue_entries_for_the_kind(
    kind: FeatureKind, n_reference: int, n_window: int
) -> None:
    test, effect = default_stats(kind, n_reference, n_window)
    assert get_stat(test, kind).gives == "p_value"
    assert get_stat(effect, kind).gives == "distance"
