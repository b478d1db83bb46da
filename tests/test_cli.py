"""The real ``driftlab`` command in subprocesses: output, --json and exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from driftlab.scenarios import prepare


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "driftlab", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("cli")
    prepare(d)
    return d


def test_help_explains_every_command(workdir: Path) -> None:
    out = _cli("--help", cwd=workdir)
    assert out.returncode == 0
    for cmd in (
        "train",
        "serve",
        "monitor",
        "retrain",
        "report",
        "feedback",
        "runs",
        "models",
        "demo",
        "predict",
    ):
        assert cmd in out.stdout


def test_train_json_then_models_and_monitor_insufficient(workdir: Path) -> None:
    out = _cli("train", "--json", cwd=workdir)
    assert out.returncode == 0, out.stderr
    trained = json.loads(out.stdout)
    assert trained["version"] == "1" and trained["champion"] is True
    assert set(trained["metrics"]) >= {"accuracy", "precision", "recall", "f1", "roc_auc"}

    models = json.loads(_cli("models", "--json", cwd=workdir).stdout)
    assert models[0]["aliases"] == ["champion"]

    # Nothing logged yet: a defined "insufficient data" verdict, no alerts, exit 0.
    out = _cli("monitor", "--json", cwd=workdir)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["status"] == "insufficient_data" and result["alerts"] == []
    assert "Insufficient data: 0 predictions" in result["summary"]

    runs = json.loads(_cli("runs", "--json", cwd=workdir).stdout)
    assert runs[0]["id"] == result["run_id"]


def test_batch_predict_job_logs_and_reports(workdir: Path) -> None:
    # Runs after the train test above: the workdir has a champion.
    rows = pd.read_csv(workdir / "train.csv").head(40)
    rows.to_csv(workdir / "batch.csv", index=False)
    out = _cli("predict", "batch.csv", "--out", "scored.parquet", "--json", cwd=workdir)
    assert out.returncode == 0, out.stderr
    done = json.loads(out.stdout)
    assert (done["rows"], done["logged"], done["model_version"]) == (40, 40, "1")
    scored = pd.read_parquet(workdir / "scored.parquet")
    assert len(scored) == 40 and scored["request_id"].is_unique
    bad = _cli("predict", "missing.csv", "--out", "x.csv", cwd=workdir)
    assert bad.returncode == 3 and "missing.csv" in bad.stderr and "does not exist" in bad.stderr


def test_config_error_exit_2_with_clear_message(tmp_path: Path) -> None:
    (tmp_path / "driftlab.toml").write_text('name = "x"\n[data]\npath = "d.csv"\n')
    out = _cli("train", cwd=tmp_path)
    assert out.returncode == 2
    assert "features: required key is missing" in out.stdout + out.stderr
    assert "Traceback" not in out.stderr


def test_missing_dataset_exit_3(workdir: Path, tmp_path: Path) -> None:
    shutil.copy(workdir / "driftlab.toml", tmp_path / "driftlab.toml")
    out = _cli("train", cwd=tmp_path)
    assert out.returncode == 3
    assert "train.csv' does not exist; fix data.path" in out.stdout + out.stderr


def test_feedback_file_with_unknown_ids_exit_3(workdir: Path) -> None:
    labels = workdir / "labels.csv"
    labels.write_text("request_id,label\nnot-a-request,high\n")
    out = _cli("feedback", str(labels), cwd=workdir)
    assert out.returncode == 3
    assert "were never logged: not-a-request" in out.stdout + out.stderr


def test_bad_time_window_exit_2(workdir: Path) -> None:
    out = _cli("monitor", "--since", "yesterday", cwd=workdir)
    assert out.returncode == 2 and "is not an ISO date/time" in out.stdout + out.stderr


def test_label_file_classes_read_as_floats_match_the_api_text(tmp_path: Path) -> None:
    from driftlab.config import project_from_dict
    from driftlab.feedback import labels_from_file

    project = project_from_dict(
        {"name": "p", "data": {"path": "x.csv", "target": "y"}, "features": [{"name": "a"}]},
        tmp_path,
    )
    (tmp_path / "labels.csv").write_text("request_id,label\nr1,1.0\nr2,0\n")
    assert [r.label for r in labels_from_file(tmp_path / "labels.csv", project)] == ["1", "0"]
