"""Each statistic against scipy or its published formula, plus the edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from driftlab.config import FeatureKind
from driftlab.errors import ConfigError
from driftlab.stats import CATALOGUE, adjust_p_values, chi2, get_stat, ks, psi


def test_ks_matches_scipy() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=300), rng.normal(0.3, 1.0, size=250)
    ref = sps.ks_2samp(a, b, method="asymp")  # 300 × 250 pairs: above the exact limit
    got = ks(a, b)
    assert got.statistic == pytest.approx(ref.statistic, abs=1e-12)
    assert got.p_value == pytest.approx(ref.pvalue, rel=1e-9)


def test_ks_drops_nan_and_handles_empty_side() -> None:
    assert ks([1.0, np.nan, 2.0], [1.0, 2.0]).p_value == pytest.approx(1.0)
    empty = ks([], [1.0, 2.0])
    assert (empty.statistic, empty.p_value) == (0.0, 1.0)


def test_chi2_matches_scipy_contingency() -> None:
    a, b = np.array([30, 50, 20]), np.array([10, 60, 40])
    stat, p, _, _ = sps.chi2_contingency(np.vstack([a, b]), correction=False)
    got = chi2(a, b)
    assert got.statistic == pytest.approx(stat)
    assert got.p_value == pytest.approx(p)


def test_chi2_new_and_vanished_categories_are_finite() -> None:
    # A category only in the window and one only in the reference: defined, significant.
    got = chi2([50, 50, 0], [0, 50, 50])
    assert math.isfinite(got.statistic) and got.p_value is not None and got.p_value < 1e-6


@pytest.mark.parametrize(("a", "b"), [([5], [7]), ([0, 0], [3, 4]), ([3, 4], [0, 0])])
def test_chi2_degenerate_tables_mean_no_evidence(a: list[int], b: list[int]) -> None:
    got = chi2(a, b)
    assert (got.statistic, got.p_value) == (0.0, 1.0)


def test_psi_published_formula() -> None:
    p = np.array([0.1, 0.2, 0.3, 0.4])
    q = np.array([0.25, 0.25, 0.25, 0.25])
    expected = float(np.sum((q - p) * np.log(q / p)))
    assert psi(p * 1000, q * 400).statistic == pytest.approx(expected)


def test_psi_empty_bin_uses_documented_epsilon() -> None:
    eps = 1e-4
    got = psi([100, 0], [50, 50], epsilon=eps).statistic
    p, q = np.array([1.0, eps]), np.array([0.5, 0.5])
    assert got == pytest.approx(float(np.sum((q - p) * np.log(q / p))))
    assert math.isfinite(got)


def test_psi_symmetric_and_zero_on_identical() -> None:
    a, b = [10, 20, 70], [30, 30, 40]
    assert psi(a, b).statistic == pytest.approx(psi(b, a).statistic)
    assert psi(a, [20, 40, 140]).statistic == pytest.approx(0.0)


def test_bh_matches_scipy_and_bonferroni_by_hand() -> None:
    p = np.array([0.001, 0.02, 0.03, 0.2, 0.8])
    np.testing.assert_allclose(adjust_p_values(p, "bh"), sps.false_discovery_control(p))
    np.testing.assert_allclose(adjust_p_values(p, "bonferroni"), np.minimum(1, p * 5))
    np.testing.assert_allclose(adjust_p_values(p, "none"), p)
    with pytest.raises(ValueError, match="unknown correction 'holm'"):
        adjust_p_values(p, "holm")  # type: ignore[arg-type]


def test_catalogue_errors_are_derived_from_catalogue() -> None:
    with pytest.raises(ConfigError, match="Available: " + ", ".join(sorted(CATALOGUE))):
        get_stat("pis")
    with pytest.raises(ConfigError, match="does not apply to categorical features; use one of"):
        get_stat("ks", FeatureKind.CATEGORICAL)
    assert get_stat("psi", FeatureKind.NUMERIC).gives == "distance"


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_every_entry_gives_no_drift_on_identical_input(name: str) -> None:
    entry = CATALOGUE[name]
    data = [5, 10, 15, 20] if entry.inputs == "counts" else [1.0, 2.0, 3.0, 4.0, 5.0]
    res = entry.fn(data, data)
    if entry.gives == "p_value":
        assert res.p_value == pytest.approx(1.0)
    else:
        assert res.statistic == pytest.approx(0.0)


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_every_entry_finite_on_empty_bins(name: str) -> None:
    entry = CATALOGUE[name]
    a, b = ([0, 10, 0, 5], [3, 0, 0, 9]) if entry.inputs == "counts" else ([], [1.0])
    res = entry.fn(a, b)
    assert math.isfinite(res.statistic)
    assert res.p_value is None or math.isfinite(res.p_value)


DEGENERATE_SAMPLES = [([], []), ([1.0], [1.0]), ([3.0] * 4, [3.0] * 3), ([np.nan] * 2, [1.0, 2.0])]
DEGENERATE_COUNTS = [([0, 0, 0], [0, 0, 0]), ([0, 0], [5, 5]), ([7], [7]), ([4, 0], [6, 0])]


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_every_entry_gives_no_drift_on_degenerate_input(name: str) -> None:
    # Empty sides, single values, constant data: finite, and no evidence of drift.
    entry = CATALOGUE[name]
    cases = DEGENERATE_COUNTS if entry.inputs == "counts" else DEGENERATE_SAMPLES
    for a, b in cases:
        res = entry.fn(a, b)
        assert math.isfinite(res.statistic), (a, b)
        if entry.gives == "p_value":
            assert res.p_value == pytest.approx(1.0), (a, b)
        else:
            assert res.p_value is None and res.statistic == pytest.approx(0.0), (a, b)


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_every_entry_ignores_row_and_bin_order(name: str) -> None:
    entry = CATALOGUE[name]
    rng = np.random.default_rng(7)
    if entry.inputs == "counts":
        a, b = np.array([40, 0, 25, 10, 90]), np.array([30, 12, 25, 0, 60])
        order = rng.permutation(a.size)
        a2, b2 = a[order], b[order]
    else:
        a, b = rng.normal(size=80), rng.normal(0.4, 1.0, size=60)
        a2, b2 = rng.permutation(a), rng.permutation(b)
    first, second = entry.fn(a, b), entry.fn(a2, b2)
    # A signed statistic may flip with the category order (ztest); the verdict may not.
    if entry.gives == "p_value":
        assert second.p_value == pytest.approx(first.p_value)
    else:
        assert second.statistic == pytest.approx(first.statistic)
