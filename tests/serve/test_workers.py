"""``driftlab serve --workers 2`` as a real subprocess: both workers answer, metrics are
summed across them, and a promoted champion reaches every worker within the poll interval."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from driftlab import compose
from driftlab.jobs import train_job
from driftlab.registry import CHAMPION
from driftlab.scenarios import prepare
from driftlab.scenarios.ames import TARGET
from tests.waiting import CEILING_S, wait_for

pytestmark = pytest.mark.slow

POLL_S = 0.5


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    ames = prepare(tmp_path_factory.mktemp("workers"))
    text = ames.project_file.read_text().replace(
        "reload_interval_s = 1.0", f"reload_interval_s = {POLL_S}"
    )
    ames.project_file.write_text(text)
    project = compose.project(ames.project_file)
    registry = compose.open_registry(project)
    train_job(project, registry)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "DRIFTLAB_API_TOKEN"}
    log_path = ames.project_file.parent / "serve.log"
    log = log_path.open("w")  # a file, not a pipe: a full pipe would block the workers
    proc = subprocess.Popen(
        [sys.executable, "-m", "driftlab", "serve", "--workers", "2", "--port", str(port),
         "-c", str(ames.project_file)],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        pids: set[int] = set()
        while len(pids) < 2:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError(f"workers did not start:\n{log_path.read_text()}")
            try:
                resp = httpx.get(f"{url}/health", timeout=2)
                if resp.status_code == 200:
                    pids.add(resp.json()["worker_pid"])
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        record = ames.normal.drop(columns=[TARGET]).iloc[0].to_dict()
        record = {k: (v.item() if hasattr(v, "item") else v) for k, v in record.items()}
        yield {"url": url, "registry": registry, "project": project, "record": record}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _fresh(url: str, path: str, **kwargs: Any) -> httpx.Response:
    # A new connection per request, so the kernel may hand each one to either worker.
    with httpx.Client(base_url=url, timeout=30) as client:
        return client.request("POST" if "json" in kwargs else "GET", path, **kwargs)


def test_metrics_are_summed_across_workers(served: dict[str, Any]) -> None:
    url, record = served["url"], served["record"]
    for _ in range(40):
        assert _fresh(url, "/v1/predict", json=record).status_code == 200
    # Which worker accepts a connection is the kernel's choice: on a busy machine one worker
    # can take a long run of them. Ask until both have answered (a real fault never gets there).
    answered_by: set[int] = set()
    wait_for(
        lambda: answered_by.add(_fresh(url, "/health").json()["worker_pid"]) or answered_by,
        lambda seen: len(seen) == 2,
        what="both workers answering",
    )
    # Each worker compiles the ONNX engine after it starts serving: wait until both have.
    wait_for(
        lambda: _fresh(url, "/metrics").text,
        lambda t: "driftlab_model_onnx 1.0" in t,
        what="the ONNX engine reported",
        interval_s=0.2,
    )
    for _ in range(8):  # whichever worker takes the scrape reports the sum
        text = _fresh(url, "/metrics").text
        m = re.search(r'^driftlab_predictions_total\{model_version="1"\} (\S+)$', text, re.M)
        assert m is not None and float(m.group(1)) == 40.0, text[:2000]
        assert "driftlab_model_onnx 1.0" in text


def test_promoted_champion_reaches_every_worker(served: dict[str, Any]) -> None:
    url, record, registry = served["url"], served["record"], served["registry"]
    name = served["project"].model_name
    v2 = registry.register(registry.load(name, "1"))
    registry.set_alias(name, CHAMPION, v2)
    promoted = time.monotonic()
    # Every worker polls every POLL_S and then loads (and compiles) v2: a few seconds at most.
    deadline = promoted + POLL_S + CEILING_S
    while time.monotonic() < deadline:
        versions = {_fresh(url, "/v1/predict", json=record).json()["model_version"]
                    for _ in range(10)}  # fmt: skip
        if versions == {v2}:
            break
        time.sleep(0.05)
    took = time.monotonic() - promoted
    versions = {_fresh(url, "/v1/predict", json=record).json()["model_version"] for _ in range(40)}
    assert versions == {v2}, f"still answering {versions} {took:.1f} s after the promotion"
    print(f"every worker answered version {v2} {took:.1f} s after the promotion")
    health = [_fresh(url, "/health").json() for _ in range(20)]
    assert {h["model_version"] for h in health} == {v2}
