"""``driftlab export-onnx``: files written, --json, and exit codes 0 / 1 (parity) / 2 (usage)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import driftlab.onnx_engine
from driftlab import compose
from driftlab.cli.main import app
from driftlab.jobs import train_job
from driftlab.scenarios import prepare


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ames = prepare(tmp_path_factory.mktemp("export"))
    project = compose.project(ames.project_file)
    train_job(project, compose.open_registry(project))
    return ames.project_file


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "driftlab", *args], capture_output=True, text=True, timeout=300
    )


def test_export_writes_model_and_report(trained: Path, tmp_path: Path) -> None:
    out = _cli("export-onnx", "-c", str(trained), "--out", str(tmp_path / "edge"), "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["passed"] and report["version"] == "1"
    assert report["parity"]["max_abs_diff"] <= 1e-6 and report["parity"]["labels_equal"]
    assert (tmp_path / "edge" / "model.onnx").stat().st_size > 10_000
    on_disk = json.loads((tmp_path / "edge" / "parity.json").read_text())
    assert on_disk["sha256"] == report["sha256"]


def test_parity_failure_exits_1_and_still_writes(trained: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(driftlab.onnx_engine, "PROBA_ATOL", 0.0)
    result = CliRunner().invoke(
        app, ["export-onnx", "-c", str(trained), "--out", str(tmp_path / "e")]
    )
    assert result.exit_code == 1, result.output
    assert "parity FAILED" in result.output
    assert (tmp_path / "e" / "model.onnx").exists()
    assert not json.loads((tmp_path / "e" / "parity.json").read_text())["passed"]


def test_no_champion_is_a_usage_error(tmp_path: Path) -> None:
    ames = prepare(tmp_path / "fresh")
    out = _cli("export-onnx", "-c", str(ames.project_file))
    assert out.returncode == 2
    assert "has no champion yet; run 'driftlab train' first" in out.stdout + out.stderr
