"""The dashboard over a real seeded store: HTTP answers, mounted in the server, and driven in
headless Chromium by Playwright (page loads, runs listed, drill-down, plots drawn, no console
errors; screenshots kept in test-artifacts/dashboard/)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from driftlab.dashboard import create_dashboard_app
from driftlab.dashboard.router import plotly_js_path
from driftlab.registry import MemoryRegistry
from driftlab.report import load_report, render_json
from driftlab.serve import create_app
from tests.browser import CHROMIUM_ARGS, chromium, sync_playwright
from tests.live import LiveServer
from tests.receivers import free_port

MODEL = "ames-housing"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"


@pytest.fixture(scope="module")
def live(seeded):
    store, run_ids = seeded
    with LiveServer(create_dashboard_app(store, models=(MODEL,))) as server:
        yield server, store, run_ids


def test_pages_answer_from_the_store(live) -> None:
    server, store, run_ids = live
    with httpx.Client(base_url=server.url, timeout=60) as client:
        assert client.get("/", follow_redirects=False).headers["location"] == "/dashboard"
        index = client.get("/dashboard")
        assert index.status_code == 200 and MODEL in index.text and "v1 (700)" in index.text
        page = client.get(f"/dashboard/models/{MODEL}")
        assert page.status_code == 200
        for run_id in run_ids:
            assert f'href="/dashboard/runs/{run_id}"' in page.text
        assert 'data-plot="timeline-performance"' in page.text
        run = client.get(f"/dashboard/runs/{run_ids[-1]}")
        assert run.status_code == 200 and '<section id="run-drift">' in run.text
        export = client.get(f"/dashboard/runs/{run_ids[-1]}/export.json")
        assert export.headers["content-type"] == "application/json"
        assert export.text == render_json(load_report(store, MODEL, run_ids[-1], history=1))
        js = client.get("/dashboard/static/plotly.min.js")
        assert js.status_code == 200 and js.content == plotly_js_path().read_bytes()


@pytest.mark.parametrize(
    ("path", "status", "error"),
    [
        ("/dashboard/runs/999", 404, "no monitoring run with id 999"),
        ("/dashboard/runs/abc", 422, "request is not valid"),
        ("/dashboard/models/nope", 404, "no model 'nope' in the store"),
        (f"/dashboard/models/{MODEL}?history=0", 422, "request is not valid"),
        (f"/dashboard/models/{MODEL}?history=5000", 422, "request is not valid"),
    ],
)
def test_bad_requests_are_4xx_with_a_json_body(live, path: str, status: int, error: str) -> None:
    server, _, _ = live
    response = httpx.get(server.url + path, timeout=30)
    assert response.status_code == status
    assert error in response.json()["error"]


def test_pages_carry_security_headers(live) -> None:
    server, _, run_ids = live
    for path in ("/dashboard", f"/dashboard/models/{MODEL}", f"/dashboard/runs/{run_ids[-1]}",
                 f"/dashboard/runs/{run_ids[-1]}/export.json"):  # fmt: skip
        resp = httpx.get(server.url + path, timeout=60)
        h = resp.headers
        assert h["x-frame-options"] == "DENY" and h["cache-control"] == "no-store", path
        assert h["x-content-type-options"] == "nosniff", path
        csp = dict(d.strip().split(" ", 1) for d in h["content-security-policy"].split(";"))
        assert csp["default-src"] == "'self'" and csp["frame-ancestors"] == "'none'", path
        assert "'unsafe-inline'" not in csp["script-src"] and "http" not in csp["script-src"]
        if path.endswith(".json"):
            continue
        # Every inline script runs by this answer's nonce; JSON data blocks are not scripts.
        nonce = re.search(r"'nonce-([^']+)'", csp["script-src"]).group(1)
        inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)([^>]*)>", resp.text)
        assert inline and all(f'nonce="{nonce}"' in attrs for attrs in inline), path
    assert (
        httpx.get(server.url + "/dashboard").headers["content-security-policy"]
        != (httpx.get(server.url + "/dashboard").headers["content-security-policy"])
    )  # a fresh nonce per answer


def test_the_server_mounts_the_dashboard(seeded, project, bundle) -> None:
    store, run_ids = seeded
    registry = MemoryRegistry()
    registry.register(bundle)  # no champion: the dashboard does not need a model
    with LiveServer(create_app(project, store, registry)) as server:
        page = httpx.get(f"{server.url}/dashboard/models/{MODEL}", timeout=60)
        assert page.status_code == 200 and f"run {run_ids[-1]}" in page.text
        missing = httpx.get(f"{server.url}/dashboard/runs/999", timeout=30)
        assert missing.status_code == 404 and "999" in missing.json()["error"]
        assert "/dashboard" not in httpx.get(f"{server.url}/openapi.json").text


@pytest.mark.browser
def test_browser_loads_runs_drills_down_and_draws(live) -> None:
    binary = chromium()
    server, _, run_ids = live
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(binary), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "warning") else None)  # fmt: skip
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        # No request may leave 127.0.0.1: the dashboard works without internet.
        local = (server.url, "data:")
        page.on("request", lambda r: problems.append(f"external request: {r.url}")
                if not r.url.startswith(local) else None)  # fmt: skip

        page.goto(f"{server.url}/dashboard")
        page.screenshot(path=str(ARTIFACTS / "models.png"), full_page=True)
        page.click(f"text={MODEL}")
        page.wait_for_selector("body[data-plots-ready=true]", timeout=60_000)
        rows = page.locator("#runs tbody tr")
        assert rows.count() == len(run_ids)
        for name in ("performance", "drift", "latency", "errors", "events"):
            assert page.locator(f"#timeline-{name} svg.main-svg").count() >= 1, name
        page.screenshot(path=str(ARTIFACTS / "model.png"), full_page=True)

        # A click on the first run's point of the drift timeline opens that run.
        point = (
            page.locator("#timeline-drift .scatterlayer .trace").first.locator(".points path").first
        )
        point.scroll_into_view_if_needed()
        box = point.bounding_box()
        assert box is not None
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)  # plotly clicks the point under the hover
        page.mouse.click(x, y)
        page.wait_for_url(f"**/dashboard/runs/{run_ids[0]}")
        page.wait_for_selector("body[data-plots-ready=true]", timeout=60_000)
        page.go_back()
        page.wait_for_selector("body[data-plots-ready=true]", timeout=60_000)

        page.click(f"#runs a.run-link[href='/dashboard/runs/{run_ids[-1]}']")
        page.wait_for_url(f"**/dashboard/runs/{run_ids[-1]}")
        page.wait_for_selector("body[data-plots-ready=true]", timeout=60_000)
        incidents = page.inner_text("#run-incidents")
        assert "Data drift detected on feature" in incidents and "likely cause" in incidents
        plots = page.locator(".plot")
        assert plots.count() == 17
        assert page.locator(".plot svg.main-svg").count() >= 17
        # The drift table sorts on a click (by feature name, ascending).
        page.click("#drift-table th >> text=feature")
        names = page.locator("#drift-table tbody tr td:first-child").all_inner_texts()
        assert names == sorted(names)
        page.screenshot(path=str(ARTIFACTS / "run.png"), full_page=True)
        browser.close()
    assert problems == []


def test_cli_dashboard_serves_the_store_without_a_model(seeded, ames) -> None:
    store, run_ids = seeded
    port = free_port()
    env = {**os.environ, "DRIFTLAB_STORE_URL": store.url}
    cmd = [sys.executable, "-m", "driftlab", "dashboard", "-c", str(ames.project_file),
           "--port", str(port)]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/dashboard", timeout=5)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.communicate()[1]
                assert time.monotonic() < deadline, "driftlab dashboard did not start"
                time.sleep(0.2)
        assert page.status_code == 200 and f'href="/dashboard/runs/{run_ids[-1]}"' in page.text
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert f"Dashboard at http://127.0.0.1:{port}/dashboard" in err
