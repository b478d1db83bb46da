"""The credit scenario's data and its fairness story, without a server."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from driftlab.alerts import with_alerts
from driftlab.config import load_project
from driftlab.model import ModelBundle
from driftlab.monitor import MonitoringResult, monitor_window
from driftlab.monitor.reference import prepare_reference
from driftlab.monitor.settings import MonitorSettings
from driftlab.scenarios import SCENARIOS, credit
from driftlab.train import train_model


def test_registered_and_deterministic(tmp_path: Path) -> None:
    assert SCENARIOS["credit"] is credit.prepare
    a, b = credit.prepare(tmp_path / "a"), credit.prepare(tmp_path / "b")
    for phase in ("train", "normal", "drifted", "after_retrain"):
        pd.testing.assert_frame_equal(getattr(a, phase), getattr(b, phase))


def test_phases_follow_the_documented_rules(tmp_path: Path) -> None:
    s = credit.prepare(tmp_path)
    project = load_project(s.project_file)
    assert [f.name for f in project.protected_features] == ["sex", "age"]
    assert {f.name for f in project.prohibited_features} == {"zip_code", "sex", "age"}
    assert not any(f.is_model_input for f in project.protected_features)
    women = s.drifted[s.drifted["sex"] == "female"]
    assert len(women) >= 30 and women["checking_status"].isin(["<0 DM", "0-200 DM"]).all()
    biased = s.drifted[s.drifted["zip_code"] == credit.BIASED_ZIP]
    assert (biased[s.target] == "bad").all()
    # Only the shifted phase is relabeled: elsewhere the zip code carries no signal.
    good = s.train.groupby("zip_code")[s.target].apply(lambda y: (y == "good").mean())
    assert good.max() - good.min() < 0.2
    # Records carry the protected attributes as request fields, never the target.
    record = s.records(s.normal.head(1))[0]
    assert {"sex", "age", "zip_code"} <= set(record) and s.target not in record


def _window(frame: pd.DataFrame, bundle: ModelBundle, target: str) -> pd.DataFrame:
    batch = bundle.predict(frame.drop(columns=[target]))
    out = frame.drop(columns=[target]).copy()
    now = datetime.now(UTC)
    out["request_id"] = [f"r{i}" for i in range(len(out))]
    out["ts"] = [now + timedelta(seconds=i) for i in range(len(out))]
    out["model_version"] = bundle.version
    out["prediction"] = batch.predictions
    out["probability"] = batch.probability
    out["latency_ms"] = 1.0
    out["label"] = frame[target].to_numpy()
    out["label_ts"] = out["ts"]
    return out


def _kinds(result: MonitoringResult) -> set[str]:
    return {f"{a.kind}:{a.subject}" for a in result.alerts if a.kind in ("fairness", "compliance")}


@pytest.mark.slow
def test_shift_raises_a_fairness_alert_and_only_that(tmp_path: Path) -> None:
    s = credit.prepare(tmp_path)
    project = load_project(s.project_file)
    bundle = replace(train_model(project, s.train, prepare=prepare_reference), version="1")
    normal = with_alerts(
        monitor_window(_window(s.normal, bundle, s.target), bundle, MonitorSettings.of(project))
    )
    assert _kinds(normal) == set()
    shifted = with_alerts(
        monitor_window(_window(s.drifted, bundle, s.target), bundle, MonitorSettings.of(project))
    )
    assert "fairness:sex:demographic_parity_difference" in _kinds(shifted)
    assert "fairness:sex:demographic_parity_ratio" in _kinds(shifted)
    assert not any(k.startswith("compliance") for k in _kinds(shifted))
    dp = next(m for m in shifted.fairness.metrics  # type: ignore[union-attr]
              if m.attribute == "sex" and m.metric == "demographic_parity_difference")  # fmt: skip
    assert dp.groups == ["female", "male"] and dp.value > 0.15 and dp.reference < 0.1
