"""The HTML report and its JSON export: rendered from stored results only, every section,
self-contained, small, stable."""

from __future__ import annotations

import base64
import gzip
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from driftlab.errors import ConfigError, DataError, UnknownRunError
from driftlab.report import (
    SCHEMA_VERSION,
    ReportData,
    load_report,
    render_json,
    render_report,
    write_report,
)
from driftlab.store.sql import SqlStore
from tests.browser import CHROMIUM_ARGS, chromium, sync_playwright

MODEL = "ames-housing"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "report"
FIGURE = re.compile(r'<script type="application/json" data-plot="([^"]+)">(.*?)</script>', re.S)


def _figures(html: str) -> dict[str, dict]:
    return {pid: json.loads(body) for pid, body in FIGURE.findall(html)}


def test_report_shows_every_section_of_the_latest_run(seeded) -> None:
    store, run_ids = seeded
    data = load_report(store, MODEL)
    assert data.run.id == run_ids[-1]
    html = render_report(data)
    for section in ("run-summary", "run-incidents", "run-drift", "run-prediction-drift",
                    "run-multivariate", "run-distributions", "run-performance", "run-concept",
                    "run-service", "history", "events"):  # fmt: skip
        assert f'<section id="{section}">' in html, section
    figures = _figures(html)
    # 16 features + the model output, then the five timelines.
    assert len([p for p in figures if p.startswith("plot-")]) == 17
    timelines = {p for p in figures if p.startswith("timeline-")}
    assert timelines == {"timeline-performance", "timeline-drift", "timeline-latency",
                         "timeline-errors", "timeline-events"}  # fmt: skip
    # Performance over time: realized, estimated and holdout, one point per stored run, with
    # the values the runs stored (copied, not recomputed).
    perf = figures["timeline-performance"]
    stored = [store.get_run(i).result for i in run_ids]
    realized = [r["performance"]["metrics"]["roc_auc"] for r in stored]
    assert [t["name"] for t in perf["data"]] == ["realized", "estimated (no labels)",
                                                 "training holdout"]  # fmt: skip
    assert perf["data"][0]["y"] == realized
    assert perf["data"][1]["y"] == [r["estimated"]["metrics"]["roc_auc"] for r in stored]
    # Both retraining decisions are markers on every timeline.
    assert len(perf["layout"]["shapes"]) == 2
    assert figures["timeline-latency"]["data"][2]["y"] == [
        r["service"]["latency_ms"]["p99"] for r in stored
    ]
    assert figures["timeline-errors"]["data"][1]["y"] == [
        r["service"]["error_rates"]["5xx"] for r in stored
    ]
    # The alert log lists one message per incident of the runs; none was sent (no channel).
    assert html.count('<tr class="critical">') + html.count('<tr class="warning">') == sum(
        len(r["incidents"]) for r in stored
    )
    # Each incident holds its run's alerts, the per-feature detail inside it.
    last = stored[-1]
    assert [f["fingerprint"] for i in last["incidents"] for f in i["findings"]] == [
        a["fingerprint"] for a in last["alerts"]
    ]
    assert html.count('class="alert incident ') == len(last["incidents"]) >= 1
    assert "Likely causes" in html or "likely cause" in html
    assert "challenger beats champion" in html and "challenger is not better" in html
    assert "Gr_Liv_Area" in html and "Prediction drift detected" in html


def test_an_older_run_shows_only_its_past(seeded) -> None:
    store, run_ids = seeded
    second = load_report(store, MODEL, run_ids[1])
    assert [p["run_id"] for p in second.timeline] == run_ids[:2]
    assert second.decisions == []  # both decisions came after the third run
    assert {a["run_id"] for a in second.alert_log} <= set(run_ids[:2])
    # The decision taken after the third run shows from the fourth run on; the latest run's
    # report also shows the promotion that followed it.
    assert load_report(store, MODEL, run_ids[2]).decisions == []
    assert [d["promoted"] for d in load_report(store, MODEL, run_ids[3]).decisions] == [
        True, False
    ]  # fmt: skip
    assert [p["run_id"] for p in load_report(store, MODEL, run_ids[3], history=2).timeline] == (
        run_ids[2:]
    )


def test_bad_requests_name_the_problem(seeded) -> None:
    store, run_ids = seeded
    with pytest.raises(UnknownRunError, match="no monitoring run with id 999"):
        load_report(store, MODEL, 999)
    with pytest.raises(ConfigError, match="belongs to model 'ames-housing', not 'other'"):
        load_report(store, "other", run_ids[0])
    with pytest.raises(ConfigError, match="no monitoring run of 'other' is stored yet"):
        load_report(store, "other")


def test_report_is_self_contained_with_plotly_once(seeded) -> None:
    html = render_report(load_report(*_latest(seeded)))
    assert "<script src=" not in html and "<link " not in html
    packed = re.findall(r'id="plotlyjs-gz">([^<]+)</script>', html)
    assert len(packed) == 1
    js = gzip.decompress(base64.b64decode(packed[0])).decode()
    assert "plotly.js" in js[:2000].lower()
    # Figures carry no per-figure plotly template: styling is sent once per page.
    assert all("template" not in f["layout"] for f in _figures(html).values())
    assert len(html.encode()) < 2_500_000


def _latest(seeded) -> tuple[SqlStore, str]:
    return seeded[0], MODEL


def test_json_export_round_trips_and_is_stable(seeded) -> None:
    store, run_ids = seeded
    data = load_report(store, MODEL)
    text = render_json(data)
    assert text == render_json(load_report(store, MODEL)), "same store, same bytes"
    doc = json.loads(text)
    assert doc["schema_version"] == SCHEMA_VERSION == 1
    # The schema's keys, pinned: renaming one is a schema_version bump.
    assert set(doc) == {"schema_version", "generator", "model", "run", "timeline", "decisions",
                        "alerts"}  # fmt: skip
    assert set(doc["run"]) == {"id", "ts", "model_version", "n_rows", "n_alerts", "result"}
    assert set(doc["timeline"][0]) == {
        "run_id", "ts", "model_version", "n_rows", "status", "drift_share", "n_drifted", "psi",
        "prediction_psi", "metric", "latency_ms", "error_rates", "throughput_per_s", "alerts",
        "incidents",
    }  # fmt: skip
    assert set(doc["timeline"][0]["metric"]) == {"name", "realized", "interval", "estimated",
                                                 "band", "holdout", "n_labeled"}  # fmt: skip
    assert [p["run_id"] for p in doc["timeline"]] == run_ids
    assert doc["run"]["result"] == store.get_run(run_ids[-1]).result
    back = ReportData.from_export(doc)
    assert back == data
    assert render_json(back) == text
    # The report renders the same from the export as from the store: it needs nothing else.
    assert render_report(back) == render_report(data)


def test_an_unknown_schema_version_is_refused(seeded) -> None:
    doc = json.loads(render_json(load_report(*_latest(seeded))))
    doc["schema_version"] = 99
    with pytest.raises(DataError, match="schema_version 99; this driftlab reads 1"):
        ReportData.from_export(doc)


def test_rendering_imports_no_statistics() -> None:
    """The report and dashboard read results; they cannot compute them."""
    code = (
        "import sys, driftlab.report, driftlab.dashboard; "
        "print([m for m in ('driftlab.stats', 'driftlab.monitor', 'driftlab.metrics', "
        "'scipy', 'sklearn', 'mlflow') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _synthetic_result(n_features: int, run: int) -> dict:
    """A stored result at the size limits: numeric features with 1000 frozen bins (the most
    monitor.bins allows) and categorical ones with 200 categories + __other__ (the most a
    reference keeps), long category names."""
    features = []
    for i in range(n_features):
        numeric = i % 2 == 0
        n_bins = 1002 if numeric else 201
        bins = (
            [f"{j:,} – {j + 1:,}" for j in range(n_bins)]
            if numeric
            else [f"category number {j} with a rather long descriptive name {'x' * 20}"
                  for j in range(n_bins)]
        )  # fmt: skip
        psi = (i % 17) / 10 + run / 100
        features.append({
            "feature": f"feature_{i:03d}", "kind": "numeric" if numeric else "categorical",
            "test": "ks" if numeric else "chi2", "statistic": 0.1, "p_value": 0.001,
            "p_adjusted": 0.01, "effect": "psi", "effect_value": psi, "min_effect": 0.1,
            "psi": psi, "drifted": psi > 0.5,
            "reference_summary": {"mean": 1.0, "std": 1.0, "n": 10_000, "missing": 0},
            "window_summary": {"mean": 1.1, "std": 1.0, "n": 5_000, "missing": 0},
            "bins": bins, "reference_counts": [10 + j % 5 for j in range(n_bins)],
            "window_counts": [5 + (j * run) % 9 for j in range(n_bins)],
            "message": f"Data drift detected on feature feature_{i:03d}: mean 1.1 vs 1.0 in "
                       f"training (+10%), KS p = 0.010 after correction, PSI {psi:.2f}.",
        })  # fmt: skip
    drifted = [f["feature"] for f in features if f["drifted"]]
    return {
        "model_name": "wide", "model_version": "1", "created_at": "2026-11-25T12:00:00+00:00",
        "window_start": None, "window_end": None, "n_rows": 5000, "status": "drift",
        "summary": f"Data drift in {len(drifted)} of {n_features} features.",
        "features": features, "drift_share": len(drifted) / n_features,
        "drifted_features": drifted, "performance": None,
        "alerts": [{"kind": "data_drift", "severity": "warning", "subject": f,
                    "message": f"Data drift detected on feature {f}.",
                    "fingerprint": f"wide:data_drift:{f}", "details": {}} for f in drifted],
        "settings": {"alpha": 0.05, "correction": "bh", "effect": "psi", "min_effect": 0.1,
                     "metric": None},
        "service": {"status": "ok", "n": 5000, "latency_ms": {"p50": 5, "p95": 9, "p99": 20},
                    "throughput_per_s": 3.0, "message": "ok", "error_rates": {"4xx": 0.01,
                    "5xx": 0.0}, "errors": {"4xx": 50, "5xx": 0}},
    }  # fmt: skip


def test_report_stays_under_5_mb_at_100_features_and_100_runs(tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'wide.db'}")
    for run in range(100):
        result = _synthetic_result(100, run)
        run_id = store.save_run("wide", "1", result)
        store.save_alerts(run_id, [{**a, "sent": True} for a in result["alerts"]])
    path = write_report(load_report(store, "wide"), tmp_path / "wide.html")
    size = path.stat().st_size
    assert size < 5_000_000, f"{size / 1e6:.2f} MB"
    figures = _figures(path.read_text())
    assert len(figures) == 100 + 4  # features; drift, latency, error and events timelines
    bars = [len(f["data"][0]["x"]) for p, f in figures.items() if p.startswith("plot-")]
    assert max(bars) == 30  # 1000 bins joined, 200 categories cut to the largest changes
    assert len(figures["timeline-drift"]["data"][0]["y"]) == 100
    print(f"report at 100 features and 100 runs: {size / 1e6:.2f} MB")


def test_cli_report_html_and_json(seeded, ames, tmp_path: Path) -> None:
    store, run_ids = seeded
    env = {**os.environ, "DRIFTLAB_STORE_URL": store.url}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "driftlab", "report", "-c", str(ames.project_file), *args],
            capture_output=True, text=True, timeout=300, check=False, env=env,
        )  # fmt: skip

    out = cli("--format", "json")
    assert out.returncode == 0, out.stderr
    assert out.stdout == render_json(load_report(store, MODEL))
    out = cli("--run", str(run_ids[0]), "-o", str(tmp_path / "r.html"))
    assert out.returncode == 0, out.stderr
    assert "Report written" in out.stdout and (tmp_path / "r.html").stat().st_size > 1_000_000
    assert cli("--run", "999").returncode == 3
    bad = cli("--format", "pdf")
    assert bad.returncode == 2 and "pdf" in bad.stderr


@pytest.mark.browser
def test_report_draws_every_plot_offline_in_headless_chromium(seeded, tmp_path: Path) -> None:
    """Opened from disk with every network request refused: plotly.js comes out of the file."""
    binary = chromium()
    path = write_report(load_report(*_latest(seeded)), tmp_path / "report.html")
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(binary), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.route("http*://**", lambda route: (problems.append(route.request.url),
                                                route.abort()))  # fmt: skip
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "warning") else None)  # fmt: skip
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-plots-ready=true]", timeout=60_000)
        assert page.locator(".plot").count() == 17 + 5
        assert page.locator(".plot svg.main-svg").count() >= 17 + 5
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
        browser.close()
    assert problems == []


def test_optional_sections_are_included_after_the_run_sections(seeded, monkeypatch) -> None:
    """The contract for fairness/compliance: a template in sections/ is included after the
    run's sections with the stored result, and ``driftlab.report.<name>.context(result)`` (when
    that module exists) gives it data, figures included."""
    import types

    from jinja2 import DictLoader

    from driftlab.report.html import environment, run_view
    from driftlab.report.plots import figure_json

    module = types.ModuleType("driftlab.report.zz_extra")
    module.context = lambda result: {  # type: ignore[attr-defined]
        "rows": result["n_rows"],
        "plot": {"id": "zz_extra-bars", "json": figure_json({"data": [{"type": "bar",
                 "y": [1, 2]}], "layout": {"title": {"text": "extra"}}})},
    }  # fmt: skip
    monkeypatch.setitem(sys.modules, "driftlab.report.zz_extra", module)
    store, run_ids = seeded
    env = environment(DictLoader({
        "sections/zz_extra.html.j2": '{% from "_plot.html.j2" import plot %}'
            '<section id="zz_extra">{{ section.rows }} rows{{ plot(section.plot) }}</section>',
        "sections/zz_plain.html.j2": '<section id="zz_plain">{{ section | length }}</section>',
    }))  # fmt: skip
    view = run_view(env, store.get_run(run_ids[-1]), [])
    assert [s["template"] for s in view["sections"]][-2:] == [
        "sections/zz_extra.html.j2", "sections/zz_plain.html.j2"
    ]  # fmt: skip
    html = env.get_template("run.html.j2").render(**view)
    assert '<section id="zz_extra">200 rows<div class="plot" id="zz_extra-bars">' in html
    assert '<section id="zz_plain">0</section>' in html
    assert html.index('id="run-service"') < html.index('id="zz_extra"')
    assert "zz_extra-bars" in _figures(html)
