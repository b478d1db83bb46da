"""Verdict policy: catalogue statistics per project and per feature, checked up front."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from driftlab.config import Feature, FeatureKind
from driftlab.errors import ConfigError
from driftlab.monitor import DriftPolicy, drift_between
from driftlab.monitor.drift import FeatureRule

FEATURES = [Feature(name="x"), Feature(name="c", kind=FeatureKind.CATEGORICAL)]


def _t(seed: int, n: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"x": rng.normal(shift, 1, n),
                         "c": rng.choice(list("ab"), n).astype(object)})  # fmt: skip


def test_other_catalogue_entries_can_decide() -> None:
    policy = DriftPolicy(numeric_test="cvm", categorical_test="gtest", effect="hellinger")
    res = {d.feature: d for d in drift_between(_t(0, 3000), _t(1, 1000, 0.6), FEATURES,
                                               policy=policy).features}  # fmt: skip
    assert res["x"].test == "cvm" and res["x"].effect == "hellinger" and res["x"].drifted
    assert res["c"].test == "gtest" and not res["c"].drifted
    assert "Cramér" in res["x"].message


def test_distance_as_test_uses_its_catalogue_threshold() -> None:
    rules = {"x": FeatureRule("wasserstein", "wasserstein", 0.1)}
    out = drift_between(_t(0, 3000), _t(1, 1000, 0.5), FEATURES,
                        policy=DriftPolicy(rules=rules)).features[0]  # fmt: skip
    assert out.test == "wasserstein" and out.p_value == 1.0 and out.drifted
    assert out.effect_value == pytest.approx(out.statistic)


def test_effect_floor_blocks_significant_but_small() -> None:
    res = drift_between(_t(0, 50_000), _t(1, 50_000, 0.1), FEATURES, sample_size=20_000,
                        policy=DriftPolicy(min_effect=0.1)).features[0]  # fmt: skip
    assert res.p_adjusted < 0.05 and not res.drifted


@pytest.mark.parametrize(
    ("policy", "pattern"),
    [
        (DriftPolicy(numeric_test="chi2"), "does not apply to numeric features; use one of"),
        (DriftPolicy(effect="pis"), "unknown drift statistic 'pis'. Available: "),
    ],
)
def test_bad_policy_is_a_config_error(policy: DriftPolicy, pattern: str) -> None:
    with pytest.raises(ConfigError, match=pattern):
        policy.check(FEATURES)


def test_fitted_thresholds_sit_above_no_drift_noise_and_below_real_drift() -> None:
    from driftlab.monitor.thresholds import fit_effect_thresholds
    from driftlab.profile import build_profile

    reference = _t(0, 20_000)
    ref_profile = build_profile(reference, FEATURES)
    fitted = fit_effect_thresholds(reference, FEATURES, ref_profile, DriftPolicy(),
                                   window_rows=500)  # fmt: skip
    assert set(fitted) == {"x", "c"}
    # Same-distribution windows of 500 rows stay under the fitted PSI threshold...
    quiet = [drift_between(reference, _t(s, 500), FEATURES).features[0].psi for s in range(10, 30)]
    assert sum(q >= fitted["x"] for q in quiet) <= 1
    # ...and a real shift is far above it.
    loud = drift_between(reference, _t(2, 500, 0.8), FEATURES).features[0]
    assert loud.psi > 3 * fitted["x"]
    assert fit_effect_thresholds(reference.head(1000), FEATURES, ref_profile, DriftPolicy(),
                                 window_rows=500) == {}  # fmt: skip


def test_policy_defaults_are_the_monitor_section_defaults() -> None:
    # A policy built without a project must judge as an empty [monitor] section would.
    from dataclasses import fields

    from driftlab.config import MonitorConfig

    policy, cfg = DriftPolicy(), MonitorConfig()
    shared = [f.name for f in fields(DriftPolicy) if f.name in MonitorConfig.model_fields]
    assert set(shared) == {
        "alpha", "correction", "min_effect", "numeric_test", "categorical_test", "effect"
    }  # fmt: skip
    for name in shared:
        assert getattr(policy, name) == getattr(cfg, name), name
