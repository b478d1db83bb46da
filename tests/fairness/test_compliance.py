"""Compliance checks: a planted reliance and a planted proxy are found, their absence is not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from driftlab.alerts import with_alerts
from driftlab.config import Project, project_from_dict
from driftlab.errors import ConfigError
from driftlab.fairness import decision_reliance, proxy_strength
from driftlab.model import ModelBundle
from driftlab.monitor import monitor_window
from driftlab.monitor.reference import prepare_reference
from driftlab.monitor.settings import MonitorSettings
from driftlab.train import train_model


def _frame(n: int, seed: int, *, planted: bool) -> pd.DataFrame:
    """``a`` drives the label; ``zone`` drives it too only when ``planted``; ``sex`` is
    recoverable from ``b`` only when ``planted``."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    zone = rng.choice(["north", "south"], size=n)
    sex = rng.choice(["female", "male"], size=n)
    b = rng.normal(size=n) + (2.5 * (sex == "female") if planted else 0.0)
    score = a + (3.0 * (zone == "north") - 1.5 if planted else 0.0)
    y = np.where(score + rng.normal(scale=0.3, size=n) > 0, "yes", "no")
    return pd.DataFrame({"a": a, "b": b, "zone": zone, "sex": sex, "y": y})


def _project(tmp_path: Path, **compliance: object) -> Project:
    raw = {
        "name": "planted",
        "data": {"path": "train.csv", "target": "y", "positive_class": "yes"},
        "model": {"estimator": "logistic_regression"},
        "features": [
            {"name": "a"},
            {"name": "b"},
            {"name": "zone", "kind": "categorical", "role": "prohibited"},
            {"name": "sex", "kind": "categorical", "role": "protected"},
        ],
        "monitor": {"multivariate": False, "min_rows": 50},
        "compliance": compliance,
    }
    return project_from_dict(raw, tmp_path)


def _window(frame: pd.DataFrame, bundle: ModelBundle) -> pd.DataFrame:
    batch = bundle.predict(frame)
    now = datetime.now(UTC)
    out = frame.drop(columns=["y"]).copy()
    out["request_id"] = [f"r{i}" for i in range(len(out))]
    out["ts"] = [now + timedelta(seconds=i) for i in range(len(out))]
    out["model_version"] = "1"
    out["prediction"] = batch.predictions
    out["probability"] = batch.probability
    out["latency_ms"] = 1.0
    out["label"] = frame["y"].to_numpy()
    out["label_ts"] = out["ts"]
    return out


@pytest.mark.parametrize("planted", [True, False])
def test_planted_reliance_and_proxy_are_found(tmp_path: Path, planted: bool) -> None:
    project = _project(tmp_path)
    bundle = train_model(project, _frame(600, 0, planted=planted), prepare=prepare_reference)
    result = with_alerts(monitor_window(_window(_frame(400, 1, planted=planted), bundle),
                                        bundle, MonitorSettings.of(project)))  # fmt: skip
    assert result.compliance is not None
    checks = {(c.check, c.feature): c for c in result.compliance.checks}
    zone, sex = checks[("reliance", "zone")], checks[("proxy", "sex")]
    kinds = {a.subject for a in result.alerts if a.kind == "compliance"}
    if planted:
        assert zone.value > 0.2 and zone.verdict == "alert"
        assert "of decisions change when zone is shuffled (limit 5%); zone is a prohibited" in (
            zone.message
        )
        assert sex.value > 0.85 and sex.verdict == "alert"
        assert kinds == {"reliance:zone", "proxy:sex"}
    else:
        assert zone.value < 0.02 and zone.verdict == "pass"
        assert 0.35 < sex.value < 0.65 and sex.verdict == "pass"
        assert not kinds
    # The input that drives the label is relied upon either way (reported, no verdict).
    assert checks[("reliance", "a")].value > 0.05 and checks[("reliance", "a")].verdict == "info"
    # The reference was measured at training on the training rows.
    assert bundle.info.extra["compliance_reference"]["reliance"]["zone"] == pytest.approx(
        zone.reference
    )


def test_reliance_is_seeded_and_zero_for_an_ignored_feature() -> None:
    frame = pd.DataFrame(
        {"x": np.arange(200.0), "noise": np.random.default_rng(0).normal(size=200)}
    )

    def decide(rows: pd.DataFrame) -> np.ndarray:
        return (rows["x"] > 100).to_numpy()

    one = decision_reliance(decide, frame, ["x", "noise"], repeats=3, seed=4)
    assert one == decision_reliance(decide, frame, ["x", "noise"], repeats=3, seed=4)
    assert one["noise"] == 0.0
    # Shuffling a threshold feature changes about 2·p·(1−p) = 0.5 of the decisions.
    assert one["x"] == pytest.approx(0.5, abs=0.08)


def test_proxy_needs_two_groups_of_minimum_size() -> None:
    x = pd.DataFrame({"v": np.arange(100.0)})
    groups = np.array(["a"] * 95 + ["b"] * 5, dtype=object)
    assert proxy_strength(x, groups, min_group_size=30) is None


def test_unknown_prohibited_name_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"compliance\.prohibited names 'zip'"):
        _project(tmp_path, prohibited=["zip"])


def test_numeric_protected_attribute_needs_bands(tmp_path: Path) -> None:
    raw = {
        "name": "p",
        "data": {"path": "x.csv", "target": "y"},
        "features": [{"name": "a"}, {"name": "age", "role": "protected"}],
    }
    with pytest.raises(ConfigError, match="bands = \\[25\\]"):
        project_from_dict(raw, tmp_path)
