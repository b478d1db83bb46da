"""``driftlab monitor`` shows incidents: a panel per incident in the terminal, the incidents in
``--json``, one console message per incident, exit code 1 when alerts fired."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from driftlab import compose
from driftlab.config import load_project
from driftlab.jobs import train_job
from driftlab.scenarios import prepare
from driftlab.scenarios.ames import TARGET
from driftlab.store import PredictionRecord


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "driftlab", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip


@pytest.fixture(scope="module")
def drifted_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Ames project, trained, with 400 predictions of shifted houses logged."""
    d = tmp_path_factory.mktemp("incidents")
    scenario = prepare(d)
    project = load_project(scenario.project_file)
    registry = compose.open_registry(project)
    train_job(project, registry)
    bundle = registry.load(project.model_name, "1")
    rows = scenario.drifted.drop(columns=[TARGET]).head(400).to_dict(orient="records")
    batch = bundle.predict(rows)
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    store = compose.open_store(project)
    store.log_predictions([
        PredictionRecord(f"r{i}", t0 + timedelta(seconds=i), project.model_name, "1", r,
                         batch.predictions[i], batch.probability[i], 5.0)
        for i, r in enumerate(rows)
    ])  # fmt: skip
    store.close()
    return d


def test_monitor_json_and_table_show_one_incident(drifted_project: Path) -> None:
    out = _cli("monitor", "--json", cwd=drifted_project)
    assert out.returncode == 1, out.stderr  # alerts fired
    result = json.loads(out.stdout)
    [incident] = result["incidents"]
    assert incident["fingerprint"] == "ames-housing:incident:data"
    assert [f["fingerprint"] for f in incident["findings"]] == [
        a["fingerprint"] for a in result["alerts"]
    ]
    assert incident["causes"][0]["feature"] == "Gr_Liv_Area"
    assert incident["causes"][0]["rank"] == 1
    # The console channel logs one message for the incident, not one per alert.
    logged = [line for line in out.stderr.splitlines() if "[CRITICAL]" in line]
    assert len(logged) == 1 and "findings in this run" in logged[0]

    table = _cli("monitor", cwd=drifted_project)
    assert table.returncode == 1, table.stderr
    text = table.stdout
    assert "CRITICAL incident 1 of 1: data drift ×" in text
    assert "Likely causes, most likely first" in text
    assert f"Findings ({len(result['alerts'])}):" in text
    assert f"{len(result['alerts'])} alerts in 1 incident" in text
    assert "ALERT (" not in text  # no line per alert

    runs = _cli("runs", cwd=drifted_project)
    assert "critical: data drift ×" in runs.stdout
