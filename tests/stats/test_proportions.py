"""The proportion statistics every check shares, against scipy, and the checks that use them."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from driftlab.monitor.concept import error_rate_test
from driftlab.stats import ztest
from driftlab.stats.auc import hanley_mcneil_se
from driftlab.stats.proportions import pooled_z, two_proportion_test, wilson_interval

CASES = [(60, 100, 40, 100), (5, 37, 19, 41), (300, 1000, 12, 30), (1, 2, 7, 9)]


@pytest.mark.parametrize(("x1", "n1", "x2", "n2"), CASES)
def test_pooled_z_squared_is_the_uncorrected_chi_square(x1, n1, x2, n2) -> None:
    table = np.array([[x1, n1 - x1], [x2, n2 - x2]])
    chi2, p, _, _ = sps.chi2_contingency(table, correction=False)
    z = pooled_z(x1, n1, x2, n2)
    assert z is not None
    assert z**2 == pytest.approx(chi2, rel=1e-9)
    assert two_proportion_test(x1, n1, x2, n2) == pytest.approx(p, rel=1e-9)
    # The sign says which rate is higher.
    assert np.sign(z) == np.sign(x2 / n2 - x1 / n1)


@pytest.mark.parametrize(("x1", "n1", "x2", "n2"), CASES)
def test_every_check_built_on_the_pooled_z_agrees_with_it(x1, n1, x2, n2) -> None:
    z = pooled_z(x1, n1, x2, n2)
    drift = ztest([x1, n1 - x1], [x2, n2 - x2])
    assert drift.statistic == pytest.approx(z, rel=1e-12)
    window = np.r_[np.ones(x2), np.zeros(n2 - x2)]
    z_err, p_err = error_rate_test(x1 / n1, n1, window)
    assert z_err == pytest.approx(z, rel=1e-12)
    assert p_err == pytest.approx(sps.norm.sf(z), rel=1e-9)


def test_undefined_statistic_is_no_evidence_everywhere() -> None:
    assert pooled_z(0, 0, 3, 10) is None
    assert pooled_z(10, 10, 20, 20) is None
    assert two_proportion_test(10, 10, 20, 20) == 1.0
    assert error_rate_test(0.0, 50, np.zeros(20)) == (0.0, 1.0)


def test_wilson_interval_matches_the_closed_form_from_scipy() -> None:
    # scipy's binomtest gives the same Wilson interval (without continuity correction).
    ci = sps.binomtest(8, 10).proportion_ci(confidence_level=0.95, method="wilson")
    assert wilson_interval(8, 10) == pytest.approx((ci.low, ci.high), rel=1e-9)


def test_hanley_mcneil_se_shrinks_with_rows_and_vanishes_at_a_perfect_auc() -> None:
    assert hanley_mcneil_se(0.8, 200, 200) < hanley_mcneil_se(0.8, 50, 50)
    assert hanley_mcneil_se(1.0, 50, 50) == 0.0
