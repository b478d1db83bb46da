"""Group rates, intervals and gaps against fairlearn and scipy."""

from __future__ import annotations

import numpy as np
import pytest
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_difference,
    demographic_parity_ratio,
    equalized_odds_difference,
    true_positive_rate,
)
from scipy import stats

from driftlab.config import FairnessConfig, Feature
from driftlab.fairness import (
    fairness_metrics,
    group_labels,
    group_rates,
    newcombe_interval,
    two_proportion_test,
    wilson_interval,
)


def _data(seed: int, n: int = 3000, groups: tuple[str, ...] = ("a", "b", "c")):
    rng = np.random.default_rng(seed)
    g = rng.choice(
        groups, size=n, p=np.linspace(1, 2, len(groups)) / np.linspace(1, 2, len(groups)).sum()
    )
    base = {name: 0.3 + 0.2 * i for i, name in enumerate(groups)}
    y = rng.random(n) < 0.5
    p_sel = np.array([base[v] for v in g]) + 0.3 * y
    pred = rng.random(n) < p_sel
    return g.astype(object), y, pred


def _metrics(g, y, pred, **cfg):
    rates = group_rates("attr", g, pred, y.astype(float), None, min_group_size=1)
    config = FairnessConfig(min_group_size=1, **cfg)
    return {m.metric: m for m in fairness_metrics("attr", rates, [], config, "1", labeled=True)}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gaps_match_fairlearn(seed: int) -> None:
    g, y, pred = _data(seed)
    ours = _metrics(g, y, pred)
    yt, yp = y.astype(int), pred.astype(int)
    assert ours["demographic_parity_difference"].value == pytest.approx(
        demographic_parity_difference(yt, yp, sensitive_features=g)
    )
    assert ours["demographic_parity_ratio"].value == pytest.approx(
        demographic_parity_ratio(yt, yp, sensitive_features=g)
    )
    assert ours["equalized_odds_difference"].value == pytest.approx(
        equalized_odds_difference(yt, yp, sensitive_features=g)
    )
    frame = MetricFrame(metrics=true_positive_rate, y_true=yt, y_pred=yp, sensitive_features=g)
    assert ours["equal_opportunity_difference"].value == pytest.approx(frame.difference())
    # Per-group rates too.
    rates = {r.group: r for r in group_rates("attr", g, pred, y.astype(float), None, 1)}
    for name, tpr in frame.by_group.items():
        assert rates[name].tpr == pytest.approx(tpr)


def test_wilson_matches_scipy() -> None:
    for k, n in [(0, 10), (3, 10), (10, 10), (57, 120), (1, 1000)]:
        ci = stats.binomtest(k, n).proportion_ci(method="wilson")
        assert wilson_interval(k, n) == pytest.approx((ci.low, ci.high), abs=1e-9)


def test_two_proportion_test_matches_chi_square() -> None:
    # The pooled z-test squared is Pearson's chi-square on the 2x2 table (no continuity fix).
    table = np.array([[56, 14], [48, 32]])
    chi2 = stats.chi2_contingency(table, correction=False)
    assert two_proportion_test(56, 70, 48, 80) == pytest.approx(chi2.pvalue)


def test_newcombe_interval_contains_difference_and_is_published_value() -> None:
    low, high = newcombe_interval(56, 70, 48, 80)
    assert low < 56 / 70 - 48 / 80 < high
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)  # Newcombe (1998), table II


def test_small_groups_are_insufficient_data() -> None:
    g = np.array(["big"] * 200 + ["small"] * 12, dtype=object)
    pred = np.array([True] * 100 + [False] * 100 + [False] * 12)
    y = np.ones(len(g))
    rates = group_rates("sex", g, pred, y, None, min_group_size=30)
    assert {r.group: r.sufficient for r in rates} == {"big": True, "small": False}
    out = fairness_metrics("sex", rates, [], FairnessConfig(min_group_size=30), "1", labeled=True)
    assert {m.status for m in out} == {"insufficient_data"}
    assert "small (12)" in out[0].message


def test_gap_beyond_limit_alerts_only_when_supported_by_counts() -> None:
    def metric(n: int) -> str:
        g = np.array(["a"] * n + ["b"] * n, dtype=object)
        pred = np.array([True] * int(0.7 * n) + [False] * (n - int(0.7 * n))
                        + [True] * int(0.5 * n) + [False] * (n - int(0.5 * n)))  # fmt: skip
        rates = group_rates("attr", g, pred, None, None, min_group_size=10)
        cfg = FairnessConfig(min_group_size=10)
        (dp, *_) = fairness_metrics("attr", rates, [], cfg, "1", labeled=False)
        assert dp.value == pytest.approx(0.2)
        return dp.status

    assert metric(20) == "beyond_limit"  # 14/20 vs 10/20: p = 0.2
    assert metric(400) == "violation"


def test_estimated_equal_opportunity_without_labels() -> None:
    g = np.array(["a"] * 100 + ["b"] * 100, dtype=object)
    pred = np.array([True] * 100 + [True] * 50 + [False] * 50)
    p = np.full(200, 0.8)  # calibrated P(favorable)
    rates = group_rates("attr", g, pred, None, p, min_group_size=10)
    by = {r.group: r for r in rates}
    assert by["a"].estimated_tpr == pytest.approx(1.0)
    assert by["b"].estimated_tpr == pytest.approx(0.5)
    out = fairness_metrics("attr", rates, [], FairnessConfig(min_group_size=10), "1", labeled=False)
    eo = next(m for m in out if m.metric == "equal_opportunity_difference")
    assert eo.estimated and eo.value == pytest.approx(0.5) and eo.status == "violation"
    assert "Estimated without labels" in eo.message
    assert not any(m.metric == "equalized_odds_difference" for m in out)


def test_numeric_attribute_grouped_by_bands() -> None:
    import pandas as pd

    f = Feature(name="age", kind="numeric", role="protected", bands=[25, 60])
    labels = group_labels(pd.Series([19.0, 25.0, 59.9, 60.0, None]), f)
    assert labels.tolist() == ["<25", "25–60", "25–60", "≥60", None]


def test_intersections_are_judged_as_one_attribute() -> None:
    import pandas as pd

    from driftlab.fairness import window_fairness

    sex = Feature(name="sex", kind="categorical", role="protected")
    age = Feature(name="age", role="protected", bands=[25])
    n = 400
    frame = pd.DataFrame({
        "sex": ["female", "male"] * (n // 2),
        "age": [20.0] * (n // 4) + [40.0] * (3 * n // 4),
        "label": [None] * n,
    })  # fmt: skip
    # Young women are never selected; everybody else is.
    young_women = (frame["sex"] == "female") & (frame["age"] < 25)
    frame["prediction"] = ["no" if w else "yes" for w in young_women]
    cfg = FairnessConfig(min_group_size=20, intersections=[["sex", "age"]])
    out = window_fairness(frame, [sex, age], cfg, "yes", expected=None, reference=None,
                          min_labels=30)  # fmt: skip
    dp = {m.attribute: m for m in out.metrics if m.metric == "demographic_parity_difference"}
    assert set(dp) == {"sex", "age", "sex & age"}
    assert dp["sex & age"].value == 1.0 and dp["sex & age"].groups[0] == "female & <25"
    assert dp["sex & age"].status == "violation"
    assert {g.group for g in out.groups if g.attribute == "sex & age"} == {
        "female & <25", "female & ≥25", "male & <25", "male & ≥25"
    }  # fmt: skip


def test_intersection_of_unknown_attribute_is_a_config_error(tmp_path) -> None:
    from driftlab.config import project_from_dict
    from driftlab.errors import ConfigError

    raw = {
        "name": "p",
        "data": {"path": "x.csv", "target": "y"},
        "features": [{"name": "a"}, {"name": "sex", "kind": "categorical", "role": "protected"}],
        "fairness": {"intersections": [["sex", "a"]]},
    }
    with pytest.raises(ConfigError, match=r"fairness\.intersections names 'a'"):
        project_from_dict(raw, tmp_path)


def test_gap_that_widened_since_training_alerts_within_its_limit() -> None:
    def rates(low: int, n: int = 400) -> list:
        g = np.array(["a"] * n + ["b"] * n, dtype=object)
        pred = np.array([True] * int(0.8 * n) + [False] * (n - int(0.8 * n))
                        + [True] * low + [False] * (n - low))  # fmt: skip
        return group_rates("attr", g, pred, None, None, min_group_size=10)

    reference = rates(low=316)  # 80% vs 79%: a 1-point gap at training
    window = rates(low=280)  # 80% vs 70%: 10 points, within a 15-point limit
    cfg = FairnessConfig(min_group_size=10, max_selection_gap=0.15)
    (plain, *_) = fairness_metrics("attr", window, reference, cfg, "1", labeled=False)
    assert plain.status == "ok"
    widening = cfg.model_copy(update={"max_gap_increase": 0.05})
    (dp, *_) = fairness_metrics("attr", window, reference, widening, "1", labeled=False)
    assert dp.status == "violation" and "widened from 1 point at training to 10 points" in (
        dp.message
    )
    # The same widening on a few rows is not evidence.
    few = cfg.model_copy(update={"max_gap_increase": 0.05})
    (small, *_) = fairness_metrics("attr", rates(low=14, n=20), rates(low=16, n=20), few, "1",
                                   labeled=False)  # fmt: skip
    assert small.status == "ok"


def test_attribute_never_sent_gives_insufficient_data_not_an_error() -> None:
    import pandas as pd

    from driftlab.fairness import window_fairness

    sex = Feature(name="sex", kind="categorical", role="protected")
    frame = pd.DataFrame({"prediction": ["yes", "no"] * 50, "label": [None] * 100})
    out = window_fairness(frame, [sex], FairnessConfig(), "yes", expected=None, reference=None,
                          min_labels=30)  # fmt: skip
    (only,) = out.metrics
    assert only.status == "insufficient_data" and "send it with each prediction" in only.message
    assert out.message == "Fairness: insufficient data for a verdict on sex."
