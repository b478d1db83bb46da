"""No alarms on clean windows of awkward tables; the levels the checks state; direction in words.

The full measurement (hundreds of windows per data set, every check together, 500 to 1M rows)
is bench/false_alarms.py; these are the CI-sized versions of its claims.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from driftlab.alerts import alerts_for
from driftlab.config import Feature, FeatureKind
from driftlab.monitor import MonitoringResult, drift_between
from driftlab.monitor.drift import psi_noise
from driftlab.monitor.findings import conclude
from driftlab.monitor.multivariate import PCA_MIN_INCREASE, domain_classifier, pca_reconstruction

HEAVY = [Feature(name=n) for n in ("bill", "pay", "pareto", "t15", "z")] + [
    Feature(name="plan", kind=FeatureKind.CATEGORICAL)
]


def _heavy(rng: np.random.Generator, n: int, correlated: bool = True) -> pd.DataFrame:
    """Billing-like amounts: lognormal with sigma 1.5, Pareto(1.2), Student t with 1.5 df."""
    z = rng.standard_normal((n, 3))
    second = 0.9 * z[:, 0] + 0.44 * z[:, 1] if correlated else z[:, 1]
    return pd.DataFrame({
        "bill": np.exp(8 + 1.5 * z[:, 0]), "pay": np.exp(6 + 1.5 * second),
        "pareto": rng.pareto(1.2, n), "t15": rng.standard_t(1.5, n), "z": z[:, 2],
        "plan": rng.choice(["basic", "plus", "pro"], n, p=[0.7, 0.25, 0.05]).astype(object),
    })  # fmt: skip


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return _heavy(np.random.default_rng(0), 2000)


def test_clean_heavy_tailed_windows_raise_no_pca_alert(reference: pd.DataFrame) -> None:
    rng = np.random.default_rng(1)
    results = [pca_reconstruction(reference, _heavy(rng, 500), HEAVY) for _ in range(40)]
    increases = np.array([r.details["increase"] for r in results])
    # Why zero is the right bound: on normal scores the window's mean error moves by about 2 %
    # (its spread measured here), so the +10 % floor sits more than 3.5 such spreads above the
    # mean; for a normal-ish mean of 500 rows that is P < 2.3e-4 per window, under 1 % for
    # all 40. (A 3-sigma band on the raw values fired on ~5 % of clean credit windows.)
    assert increases.mean() + 3.5 * increases.std(ddof=1) < PCA_MIN_INCREASE
    assert [r.message for r in results if r.drifted] == []


def test_clean_heavy_tailed_windows_raise_no_domain_classifier_alert(
    reference: pd.DataFrame,
) -> None:
    rng = np.random.default_rng(2)
    results = [domain_classifier(reference, _heavy(rng, 500), HEAVY, alpha=0.025)
               for _ in range(8)]  # fmt: skip
    aucs = np.array([r.statistic for r in results])
    # A cross-validated AUC of a classifier that cannot separate the two sits at 0.5 with a
    # spread of about 0.015 here; the min_auc floor of 0.6 is more than 6 spreads away.
    assert aucs.max() < 0.56
    assert [r.message for r in results if r.drifted] == []


def test_pca_check_holds_its_level_on_null_data() -> None:
    # Without the effect floor the check is the Mann–Whitney test alone; with reference and
    # window drawn afresh each time its p-values are uniform, so at alpha = 0.2 about 20 % of
    # 150 null pairs fire. Bounds 0.10–0.30 hold with probability > 0.997 (3 binomial sd).
    rng = np.random.default_rng(3)
    ps = np.array([
        pca_reconstruction(_heavy(rng, 400), _heavy(rng, 150), HEAVY, min_increase=0.0).p_value
        for _ in range(150)
    ])  # fmt: skip
    assert 0.10 <= float(np.mean(ps < 0.2)) <= 0.30
    assert stats.kstest(ps, "uniform").pvalue > 0.001


def test_broken_correlation_is_caught_and_worded_as_a_rise(reference: pd.DataFrame) -> None:
    r = pca_reconstruction(reference, _heavy(np.random.default_rng(4), 1000, False), HEAVY)
    assert r.drifted and r.p_value is not None and r.p_value < 0.025
    increase = r.details["increase"]
    assert increase >= PCA_MIN_INCREASE and r.statistic > r.details["reference_error"]
    assert r.message.startswith("Multivariate drift detected: rows fit the training data's")
    assert f"(+{increase:.0%}, drift from +10%)" in r.message


def test_a_lower_error_is_no_drift_and_says_it_went_down(reference: pd.DataFrame) -> None:
    # Rows on the reference's main axis (the two amounts moving exactly together, the rest at
    # their medians) reconstruct better than typical reference rows.
    quiet = reference.head(500).copy()
    quiet["pay"] = np.exp(6 + (np.log(quiet["bill"]) - 8))
    for name in ("pareto", "t15", "z"):
        quiet[name] = reference[name].median()
    r = pca_reconstruction(reference, quiet, HEAVY)
    assert not r.drifted and r.details["increase"] < 0
    assert r.statistic < r.details["reference_error"]
    assert r.message.startswith("No multivariate drift: PCA reconstruction error")
    assert f"({r.details['increase'] * 100:+.0f}%); a lower error means" in r.message


def _result(features: list, drifted: list[str]) -> MonitoringResult:
    return conclude(MonitoringResult(
        model_name="m", model_version="1", created_at="2026-01-01T00:00:00+00:00",
        window_start=None, window_end=None, n_rows=1, status="ok", summary="",
        features=features, drift_share=len(drifted) / len(features), drifted_features=drifted,
        performance=None, alerts=[], settings={},
    ))  # fmt: skip


def test_significant_but_small_is_reported_and_not_alerted() -> None:
    rng = np.random.default_rng(5)
    feats = [Feature(name="x"), Feature(name="y")]
    ref = pd.DataFrame({"x": rng.standard_normal(200_000), "y": rng.standard_normal(200_000)})
    win = pd.DataFrame({"x": rng.standard_normal(1_000_000) + 0.03,
                        "y": rng.standard_normal(1_000_000)})  # fmt: skip
    drift = drift_between(ref, win, feats)
    x, y = drift.features
    assert drift.drifted == [] and x.significant_below_effect and not y.significant_below_effect
    # Counts over every row see what the 2,000-value samples cannot: chi-square on x's bins.
    table = np.array([x.reference_counts, x.window_counts])
    counts_p = stats.chi2_contingency(table[:, table.sum(axis=0) > 0], correction=False)[1]
    assert counts_p < 1e-6 and x.psi < x.min_effect
    assert x.message.startswith("Significant change below the effect threshold on feature x:")
    assert "+0.03 sd)" in x.message and "reported, not alerted" in x.message
    result = _result(drift.features, [])
    assert result.status == "ok" and alerts_for(result) == []
    assert "Significant but below the effect threshold (not alerted): x." in result.summary
    assert MonitoringResult.from_dict(result.to_dict()) == result


# At 500 rows 8 points is 3.9 standard errors, just past the 3.5 needed: found about two times
# in three (bench/false_alarms.py measures it); from 2,000 rows on, always.
@pytest.mark.parametrize("rows", [2_000, 100_000])
def test_eight_points_of_category_mass_moved_is_drift(rows: int) -> None:
    rng = np.random.default_rng(6)
    feats = [Feature(name="plan", kind=FeatureKind.CATEGORICAL)]
    ref = pd.DataFrame({"plan": rng.choice(["basic", "plus"], 20_000, p=[0.7, 0.3])})
    clean = pd.DataFrame({"plan": rng.choice(["basic", "plus"], rows, p=[0.7, 0.3])})
    moved = pd.DataFrame({"plan": rng.choice(["basic", "plus"], rows, p=[0.62, 0.38])})
    assert drift_between(ref, clean, feats).drifted == []
    (f,) = drift_between(ref, moved, feats).features
    assert f.drifted and f.psi < 0.1  # PSI alone (0.03) would have missed it
    assert re.search(r"share of '(basic' 6[12][.\d]*% vs 70|plus' 3[89][.\d]*% vs 29)", f.message)


def test_many_categories_in_small_windows_are_judged_net_of_psi_noise() -> None:
    rng = np.random.default_rng(7)
    levels = [f"L{i:02d}" for i in range(40)]
    share = 1 / np.arange(1, 41) ** 1.3
    share /= share.sum()
    feats = [Feature(name="region", kind=FeatureKind.CATEGORICAL)]
    ref = pd.DataFrame({"region": rng.choice(levels, 20_000, p=share)})
    runs = [drift_between(ref, pd.DataFrame({"region": rng.choice(levels, 500, p=share)}), feats)
            for _ in range(30)]  # fmt: skip
    results = [d.features[0] for d in runs]
    noise = [psi_noise(f.reference_counts, f.window_counts) for f in results]
    # The simulated noise is the mean PSI of clean windows (within the error of 30 of them)...
    assert np.mean([f.psi for f in results]) == pytest.approx(np.mean(noise), rel=0.2)
    # ... and its size is why the bare 0.1 floor fired: PSI from noise alone often reaches it.
    assert max(f.psi for f in results) >= 0.1 and not any(d.drifted for d in runs)
    for f in results:
        if f.psi >= f.min_effect and f.significant_below_effect:
            assert "net of the" in f.message
