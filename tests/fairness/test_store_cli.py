"""Attributes and the compliance audit in the real store; the credit scenario from the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from driftlab.store.records import AUDIT_COLUMNS, PredictionRecord
from driftlab.store.sql import SqlStore


def test_attributes_are_logged_apart_and_read_back_as_columns(store: SqlStore) -> None:
    now = datetime.now(UTC)
    store.log_predictions(
        [
            PredictionRecord(
                "r1", now, "m", "1", {"x": 1.0}, "yes", 0.9, 1.0, attributes={"sex": "female"}
            ),
            PredictionRecord("r2", now, "m", "1", {"x": 2.0}, "no", 0.8, 1.0),
        ]
    )
    frame = store.read_window("m")
    sex = frame.set_index("request_id")["sex"]
    assert sex["r1"] == "female" and sex.isna()["r2"]
    assert frame["x"].tolist() == [1.0, 2.0]


def test_compliance_checks_go_to_the_audit_log(store: SqlStore) -> None:
    check = {
        "check": "reliance",
        "feature": "zip",
        "prohibited": True,
        "value": 0.18,
        "interval": [0.15, 0.21],
        "reference": 0.01,
        "limit": 0.05,
        "n": 400,
        "verdict": "alert",
        "message": "Compliance alert: 18% ...",
        "details": {},
    }
    result = {
        "model_name": "m",
        "model_version": "2",
        "window_start": "2026-11-25T10:00:00",
        "window_end": "2026-11-25T11:00:00",
        "compliance": {
            "checks": [
                check,
                {**check, "feature": "a", "prohibited": False, "verdict": "info", "limit": None},
            ]
        },
    }
    assert store.save_audit(7, result) == 2
    assert store.save_audit(8, {"model_name": "m"}) == 0
    rows = [r.to_dict() for r in store.audit("m")]
    assert [r["feature"] for r in rows] == ["a", "zip"]
    assert set(rows[0]) == set(AUDIT_COLUMNS)
    (zip_row,) = [r.to_dict() for r in store.audit("m", feature="zip")]
    assert (zip_row["run_id"], zip_row["model_version"], zip_row["verdict"]) == (7, "2", "alert")
    assert (zip_row["value"], zip_row["ci_low"], zip_row["limit"]) == (0.18, 0.15, 0.05)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "driftlab", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.mark.slow
def test_credit_scenario_end_to_end_from_the_cli(tmp_path: Path) -> None:
    work = tmp_path / "demo"
    run = _cli("demo", "--scenario", "credit", "--workdir", str(work), cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    out = " ".join(run.stdout.split())  # rich wraps lines
    assert "Fairness alert on sex" in out
    assert "Compliance alert:" in out and "zip_code is shuffled" in out
    assert "zip_code is a prohibited feature" in out
    # The fairness alert comes with the shifted traffic (before retraining), the compliance
    # alert only after the retrained model was promoted.
    before, after = out.split("The retrained model learned")[:2]
    assert "Fairness alert on sex" in before and "Compliance alert" not in before
    assert "Compliance alert" in after
    report = (work / "report.html").read_text(encoding="utf-8")
    assert 'id="fairness"' in report and 'id="compliance"' in report
    assert "plot-fairness-0" in report and "plot-compliance" in report
    assert "Compliance alert:" in report
    # Protected attributes were sent as request fields and logged apart from the features.
    logged = SqlStore(f"sqlite:///{work / 'driftlab.db'}")
    with logged.engine.connect() as conn:
        features, attributes = conn.exec_driver_sql(
            "SELECT features, attributes FROM predictions LIMIT 1"
        ).one()
    logged.close()
    assert {"sex", "age"} <= set(json.loads(attributes))
    assert "sex" not in json.loads(features) and "zip_code" in json.loads(features)
    audit = _cli("audit", "--json", "-c", str(work / "driftlab.toml"), cwd=tmp_path)
    assert audit.returncode == 0, audit.stderr
    rows = json.loads(audit.stdout)
    zip_rows = [r for r in rows if r["feature"] == "zip_code"]
    assert zip_rows[0]["verdict"] == "alert"  # newest first
    assert "pass" in [r["verdict"] for r in zip_rows]
    assert {r["model_version"] for r in zip_rows} == {"1", "2"}
    # Fairness alerts went through the alert store too (the channels' record).
    runs = _cli("runs", "--json", "-c", str(work / "driftlab.toml"), cwd=tmp_path)
    assert runs.returncode == 0 and json.loads(runs.stdout)[0]["n_alerts"] >= 2


def test_audit_help_and_empty_log(tmp_path: Path) -> None:
    help_ = _cli("audit", "--help", cwd=tmp_path)
    assert help_.returncode == 0 and "compliance audit log" in " ".join(help_.stdout.split())
    missing = _cli("audit", "-c", str(tmp_path / "nope.toml"), cwd=tmp_path)
    assert missing.returncode == 2 and "does not exist" in missing.stderr
