"""The whole loop through a real server over HTTP, SQLite and a real MLflow store."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from driftlab.cli.render import print_decision, print_result
from driftlab.demo import Printers, run_demo

# The CLI's tables: the alert text checked below is what they print.
PRINTERS = Printers(print_result, print_decision)


@pytest.mark.slow
def test_demo_loop_end_to_end(tmp_path: Path) -> None:
    console = Console(file=open(tmp_path / "demo.log", "w"), width=120)  # noqa: SIM115
    outcome = run_demo(tmp_path / "demo", console, printers=PRINTERS)
    console.file.close()

    assert outcome.normal_alerts == 0, "normal traffic must not alarm"
    assert outcome.drift_alert_features[0] == "Gr_Liv_Area", "largest effect first"
    # One cause, one incident (one message per channel), the shifted feature its first cause.
    assert len(outcome.drifted_alerts) > 1
    [incident] = outcome.drifted_incidents
    assert incident.startswith("critical: data drift") and "likely causes Gr_Liv_Area" in incident
    if outcome.promoted:
        assert outcome.served_version_after == "2"
    else:
        assert outcome.served_version_after == outcome.first_version
    html = outcome.report.read_text()
    assert "Gr_Liv_Area" in html and "Retraining decisions" in html
    assert "Performance over time" in html
    # Self-contained: plotly.js is inline, no script or stylesheet is fetched.
    assert "<script src=" not in html and "<link " not in html
    # One plot per feature + the model output, and the timelines of the two runs: performance,
    # drift, latency, error rate, alerts and retraining.
    assert html.count("data-plot=") == 17 + 5
    log = (tmp_path / "demo.log").read_text()
    flat = " ".join(log.replace("│", " ").split())  # the console wraps long messages
    # The message leads with the largest change (the spread narrowed) and names the mean too.
    assert (
        "Data drift detected on feature Gr_Liv_Area: spread (sd) 246 vs 538 in training (2.19× "
        "narrower); mean 1,096 vs 1,531 in training (-28%)" in flat
    )


def test_demo_refuses_to_delete_foreign_folder(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(Exception, match="refusing to delete it"):
        run_demo(tmp_path, Console(file=io.StringIO()), printers=PRINTERS)
    assert (tmp_path / "precious.txt").exists()
