"""The real commands in subprocesses, without PYSPARK_PYTHON: train, score on Spark, monitor
the scored table on Spark, and find the run stored."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from driftlab.scenarios import prepare

pytestmark = [
    pytest.mark.slow,
    pytest.mark.spark,
    pytest.mark.skipif(
        shutil.which("java") is None and not os.environ.get("JAVA_HOME"),
        reason="Spark needs a Java runtime (17+): install Debian's openjdk-17-jre-headless",
    ),
]
pytest.importorskip("pyspark", reason="pyspark is in the dev extra: pip install -e '.[dev]'")


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # Executors must find this interpreter without being told: driftlab sets it.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYSPARK_")}
    return subprocess.run(
        [sys.executable, "-m", "driftlab", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip


def test_predict_then_monitor_on_spark(tmp_path: Path) -> None:
    ames = prepare(tmp_path)
    assert _cli("train", "--json", cwd=tmp_path).returncode == 0
    inputs = ames.drifted.drop(columns=[ames.target]).reset_index(drop=True)
    inputs = inputs.assign(row_id=[f"r{i}" for i in range(len(inputs))])
    inputs.to_parquet(tmp_path / "rows.parquet")

    local = "--spark-master", "local[1]"
    out = _cli("predict", "rows.parquet", "--engine", "spark", "-o", "scored.parquet",
               "--id-column", "row_id", *local, "--json", cwd=tmp_path)  # fmt: skip
    assert out.returncode == 0, out.stderr
    scored = json.loads(out.stdout)
    assert scored["rows"] == len(inputs) and scored["engine"] in ("onnx", "scikit-learn")

    predictions = pd.read_parquet(tmp_path / "scored.parquet")
    window = inputs.merge(predictions, left_on="row_id", right_on="request_id")
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    window["ts"] = [t0 + timedelta(minutes=i) for i in range(len(window))]
    window["label"] = ames.drifted[ames.target].to_numpy()[
        window["row_id"].str[1:].astype(int).to_numpy()
    ]
    window.to_parquet(tmp_path / "window.parquet")

    out = _cli("monitor", "--source", "window.parquet", "--engine", "spark", *local, "--json",
               cwd=tmp_path)  # fmt: skip
    assert out.returncode in (0, 1), out.stderr  # 1: alerts fired (the drifted phase)
    result = json.loads(out.stdout)
    assert result["n_rows"] == len(inputs) and result["performance"]["n_labeled"] == len(inputs)
    runs = json.loads(_cli("runs", "--json", cwd=tmp_path).stdout)
    assert runs[0]["id"] == result["run_id"] and runs[0]["n_rows"] == len(inputs)

    missing = _cli("monitor", "--engine", "spark", cwd=tmp_path)
    assert missing.returncode == 2 and "add --source" in missing.stderr
