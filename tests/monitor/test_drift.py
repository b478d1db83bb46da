"""Drift verdicts: significant after correction AND a material effect."""

from __future__ import annotations

import numpy as np
import pandas as pd

from driftlab.config import Feature, FeatureKind
from driftlab.monitor import DriftPolicy, compare_profiles
from driftlab.profile import build_profile

FEATURES = [Feature(name="x"), Feature(name="y"), Feature(name="c", kind=FeatureKind.CATEGORICAL)]


def _table(
    n: int, seed: int, x_shift: float = 0.0, c_probs: tuple = (0.5, 0.3, 0.2)
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "x": rng.normal(100 + x_shift, 10, n),
            "y": rng.uniform(0, 1, n),
            "c": rng.choice(["a", "b", "c"], n, p=list(c_probs)).astype(object),
        }
    )


def _verdicts(ref: pd.DataFrame, win: pd.DataFrame) -> dict[str, bool]:
    rp = build_profile(ref, FEATURES, sample_size=5000)
    wp = build_profile(win, FEATURES, reference=rp, sample_size=5000)
    return {d.feature: d.drifted for d in compare_profiles(rp, wp, DriftPolicy())}


def test_identical_data_never_drifts() -> None:
    t = _table(2000, 0)
    assert _verdicts(t, t) == {"x": False, "y": False, "c": False}


def test_same_distribution_other_sample_does_not_drift() -> None:
    assert not any(_verdicts(_table(3000, 0), _table(3000, 1)).values())


def test_real_shift_is_flagged_with_plain_message() -> None:
    ref, win = _table(3000, 0), _table(1000, 2, x_shift=8.0, c_probs=(0.2, 0.3, 0.5))
    rp = build_profile(ref, FEATURES)
    results = {
        d.feature: d
        for d in compare_profiles(rp, build_profile(win, FEATURES, reference=rp), DriftPolicy())
    }
    assert results["x"].drifted and results["c"].drifted and not results["y"].drifted
    msg = results["x"].message
    # x (65–135 in training) is not on a ratio scale: an absolute difference and sd units.
    assert msg.startswith(
        "Data drift detected on feature x: mean 108 vs 99.7 in training (+8.12, +0.82 sd)"
    )
    assert "KS p < 0.001 after correction" in msg
    assert "share of 'a' 18.4% vs 49.6% in training, chi-square" in results["c"].message


def test_tiny_shift_on_huge_sample_is_significant_but_not_material() -> None:
    # 200k rows make a 0.3-sd shift hugely significant; PSI keeps it from alarming.
    ref, win = _table(200_000, 0), _table(200_000, 3, x_shift=0.3)
    rp = build_profile(ref, FEATURES, sample_size=20_000)
    wp = build_profile(win, FEATURES, reference=rp, sample_size=20_000)
    x = next(d for d in compare_profiles(rp, wp, DriftPolicy()) if d.feature == "x")
    assert x.p_adjusted < 0.05
    assert x.psi < 0.1
    assert not x.drifted


def test_new_category_and_all_missing_window_are_defined() -> None:
    ref = _table(500, 0)
    win = ref.copy()
    win["c"] = "brand-new"
    win["x"] = np.nan
    rp = build_profile(ref, FEATURES)
    res = {
        d.feature: d
        for d in compare_profiles(rp, build_profile(win, FEATURES, reference=rp), DriftPolicy())
    }
    assert res["c"].drifted and res["c"].window_summary["new_categories"] == ["brand-new"]
    # No values: the distribution test has no evidence (p = 1, never NaN), but a feature that
    # went entirely missing is drift of its own.
    assert res["x"].p_value == 1.0 and res["x"].drifted
    assert res["x"].message.startswith("Missing values changed on feature x")
    assert all(np.isfinite([d.psi, d.p_adjusted, d.statistic]).all() for d in res.values())


def test_ks_on_bounded_samples_stays_within_the_dkw_bound_of_full_data() -> None:
    """KS runs on the profiles' bounded samples, not all rows: an approximation of the
    full-data statistic. By the Dvoretzky–Kiefer–Wolfowitz inequality each empirical CDF of k
    draws is within eps = sqrt(ln(2/a) / 2k) of its population CDF with probability 1 - a,
    so |D_sample - D_full| <= 2 eps_k + 2 eps_n. Checked here at a = 0.001."""
    from scipy import stats

    ref, win = _table(200_000, 0), _table(200_000, 5, x_shift=1.0)
    k, n, a = 2000, 200_000, 1e-3
    rp = build_profile(ref, FEATURES, sample_size=k)
    wp = build_profile(win, FEATURES, reference=rp, sample_size=k)
    sampled = next(d for d in compare_profiles(rp, wp, DriftPolicy()) if d.feature == "x")
    full = stats.ks_2samp(ref["x"], win["x"]).statistic

    def eps(m: int) -> float:
        return float(np.sqrt(np.log(2 / a) / (2 * m)))

    assert abs(sampled.statistic - full) <= 2 * eps(k) + 2 * eps(n)


def test_a_feature_that_goes_missing_is_drift() -> None:
    ref = _table(2000, 0)
    win = _table(500, 1)
    win["x"] = np.nan
    rp = build_profile(ref, FEATURES)
    res = {
        d.feature: d
        for d in compare_profiles(rp, build_profile(win, FEATURES, reference=rp), DriftPolicy())
    }
    assert res["x"].drifted
    assert res["x"].message.startswith(
        "Missing values changed on feature x: 100% of the window vs 0%"
    )
    assert not res["y"].drifted
