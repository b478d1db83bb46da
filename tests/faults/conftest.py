"""Fault-test harness: a trained champion, real `driftlab serve` subprocesses, HTTP load from
threads, and a private PostgreSQL server the tests may stop and start."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from driftlab.compose import open_registry
from driftlab.config import load_project
from driftlab.jobs import train_job
from driftlab.scenarios import AmesScenario, prepare


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def champion(tmp_path_factory: pytest.TempPathFactory) -> AmesScenario:
    """The Ames project with a champion in its MLflow registry, trained once."""
    scenario = prepare(tmp_path_factory.mktemp("faults"))
    # The model does not matter here; logistic regression trains in a fraction of the time.
    text = scenario.project_file.read_text()
    hgb = 'estimator = "hist_gradient_boosting"\nparams = { max_iter = 200, learning_rate = 0.08 }'
    assert hgb in text
    scenario.project_file.write_text(text.replace(hgb, 'estimator = "logistic_regression"'))
    project = load_project(scenario.project_file)
    train_job(project, open_registry(project))
    return scenario


def project_file(scenario: AmesScenario, name: str, store: dict[str, Any]) -> Path:
    """A copy of the project file (same folder, so same data and registry) with its own
    [store] section and no registry polling."""
    text = scenario.project_file.read_text()
    section = "\n".join(
        f"{k} = {json.dumps(v) if isinstance(v, str) else v}" for k, v in store.items()
    )
    text = text.replace('[store]\nurl = "sqlite:///driftlab.db"\n', f"[store]\n{section}\n")
    text = text.replace("reload_interval_s = 1.0", "reload_interval_s = 0")
    path = scenario.project_file.with_name(f"{name}.toml")
    path.write_text(text)
    return path


class Server:
    """`python -m driftlab serve` in a subprocess, the way operators run it."""

    def __init__(self, config: Path, log: Path, env: dict[str, str] | None = None) -> None:
        self.config, self.log, self.env = config, log, env or {}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        """Start and wait until /health answers; return the seconds it took."""
        started = time.monotonic()
        with self.log.open("a") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "driftlab", "serve", "-c", str(self.config),
                 "--port", str(self.port)],
                stdout=out, stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1", **self.env},
            )  # fmt: skip
        while time.monotonic() - started < 90:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited early:\n{self.log.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return time.monotonic() - started
            time.sleep(0.1)
        raise AssertionError(f"server not healthy:\n{self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        """Graceful stop (SIGTERM): uvicorn runs the lifespan's shutdown, the log drains."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def health(self) -> dict[str, Any]:
        return httpx.get(f"{self.url}/health", timeout=5).json()  # type: ignore[no-any-return]


@dataclass
class Load:
    """Concurrent clients posting one record per request, as fast as the server answers."""

    url: str
    records: list[dict[str, Any]]
    threads: int = 4
    acked: list[str] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    bodies: list[Any] = field(default_factory=list)  # non-2xx answers, for the messages
    _stop: threading.Event = field(default_factory=threading.Event)
    _workers: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _work(self, offset: int) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as client:
            i = offset
            while not self._stop.is_set():
                rec = self.records[i % len(self.records)]
                i += self.threads
                try:
                    resp = client.post("/v1/predict", json=rec)
                except httpx.HTTPError:
                    with self._lock:
                        self.statuses["no answer"] += 1
                    time.sleep(0.05)
                    continue
                with self._lock:
                    self.statuses[str(resp.status_code)] += 1
                    if resp.is_success:
                        self.acked.append(resp.json()["request_id"])
                    elif len(self.bodies) < 20:
                        self.bodies.append(resp.json())

    def __enter__(self) -> Load:
        for n in range(self.threads):
            t = threading.Thread(target=self._work, args=(n,), daemon=True)
            t.start()
            self._workers.append(t)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._workers:
            t.join(timeout=30)

    def acked_now(self) -> list[str]:
        with self._lock:
            return list(self.acked)


@contextlib.contextmanager
def in_process(config: Path) -> Iterator[tuple[str, Any]]:
    """The same app `driftlab serve` builds, under uvicorn in this process (a process start
    costs seconds of imports); yields its URL and the store."""
    from driftlab.serve import create_app
    from driftlab.store.sql import SqlStore
    from tests.live import LiveServer

    project = load_project(config)
    store = SqlStore(project.store.url)
    try:
        with LiveServer(create_app(project, store, open_registry(project))) as live:
            yield live.url, store
    finally:
        store.close()


def wait_stored(store: Any, ids: list[str], timeout_s: float) -> tuple[set[str], float]:
    """Poll the store until every id is in it; return the missing ids and the time taken."""
    started = time.monotonic()
    missing = set(ids)
    while True:
        with contextlib.suppress(Exception):  # the store may still be starting
            missing -= store.known_requests(sorted(missing))
        if not missing or time.monotonic() - started > timeout_s:
            return missing, time.monotonic() - started
        time.sleep(0.2)


@dataclass
class Postgres:
    url: str
    start: Any
    stop: Any


@pytest.fixture
def own_postgres() -> Iterator[Postgres]:
    """A private PostgreSQL server on a free port, in a temporary folder, that the test may
    stop and start (never the shared one). initdb refuses to run as root: as root it runs as
    the `postgres` OS user."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.skip("PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin")
    bindir = Path(found[-1]).parent
    prefix: list[str] = []
    owner = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' OS user to run initdb as")
        prefix = ["runuser", "-u", "postgres", "--"]
    root = Path(tempfile.mkdtemp(prefix="driftlab-pg-"))
    if owner is not None:
        os.chown(root, owner.pw_uid, owner.pw_gid)
    data, logfile, port = root / "data", root / "pg.log", free_port()
    subprocess.run(
        [*prefix, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
         "--no-sync", "-E", "UTF8"],
        check=True, capture_output=True,
    )  # fmt: skip
    opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"

    def start() -> None:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(logfile), "-w",
             "-o", opts, "start"],
            check=True, capture_output=True,
        )  # fmt: skip

    def stop(mode: str = "fast") -> None:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", mode, "-w", "stop"],
            check=True, capture_output=True,
        )  # fmt: skip

    start()
    try:
        yield Postgres(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", start, stop)
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
