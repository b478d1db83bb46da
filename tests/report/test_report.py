"""The HTML report: rendered from a stored result only, self-contained, drawn in a browser."""

from __future__ import annotations

import base64
import gzip
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from driftlab.config import Project
from driftlab.model import ModelBundle
from driftlab.monitor import monitor_window
from driftlab.report import render_report, write_report
from driftlab.scenarios.ames import TARGET, AmesScenario
from driftlab.store import PredictionRecord, SqlStore

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def stored(project: Project, bundle: ModelBundle, ames: AmesScenario, tmp_path_factory):
    """A real monitoring run of the drifted Ames traffic, saved in and read back from SQLite."""
    store = SqlStore(f"sqlite:///{tmp_path_factory.mktemp('report') / 's.db'}")
    rows = ames.drifted.drop(columns=[TARGET]).to_dict(orient="records")
    batch = bundle.predict(rows)
    from datetime import UTC, datetime

    store.log_predictions([
        PredictionRecord(f"r{i}", datetime.now(UTC), "ames-housing", "1", r,
                         batch.predictions[i], batch.probability[i], 1.0)
        for i, r in enumerate(rows)
    ])  # fmt: skip
    result = monitor_window(store.read_window("ames-housing"), bundle, project)
    run_id = store.save_run("ames-housing", "1", result.to_dict())
    return store.get_run(run_id)


def test_report_is_self_contained_and_compact(stored) -> None:
    html = render_report(stored, [])
    assert "<script src=" not in html and "<link " not in html
    packed = re.search(r'id="plotlyjs-gz">([^<]+)</script>', html)
    assert packed is not None
    js = gzip.decompress(base64.b64decode(packed.group(1))).decode()
    assert "plotly.js" in js[:2000].lower()
    figures = re.findall(
        r'<script type="application/json" data-plot="[^"]+">(.*?)</script>', html, re.S
    )
    assert len(figures) == 17  # 16 features + the model output
    assert all("data" in json.loads(f) for f in figures)
    assert len(html.encode()) < 3_000_000
    assert "Gr_Liv_Area" in html and "Prediction drift detected" in html


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed")
def test_report_draws_every_plot_in_headless_chromium(stored, tmp_path: Path) -> None:
    path = write_report(stored, [], tmp_path / "report.html")
    out = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
         "--virtual-time-budget=15000", "--dump-dom", path.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert 'data-plots-ready="true"' in out.stdout, out.stderr[-2000:]
    assert out.stdout.count('class="main-svg"') >= 17
