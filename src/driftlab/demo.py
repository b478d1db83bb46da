"""``driftlab demo``: the whole loop on real data, through a real server over HTTP.

A composition root like the CLI: it picks the MLflow registry and the SQLite store, starts
``driftlab serve`` as a subprocess on 127.0.0.1, and drives it the way clients would. It shows
monitoring results and retraining decisions with the printers it is given (the ``driftlab demo``
command passes the CLI's tables), so it depends on no CLI module.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
from rich.console import Console
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from driftlab.alerts import Sink
from driftlab.compose import open_registry, open_store, sinks
from driftlab.config import Project, load_project
from driftlab.errors import DriftlabError
from driftlab.jobs import MonitorOutcome, monitor_job, train_job
from driftlab.monitor import MonitoringResult
from driftlab.monitor.result import Incident
from driftlab.registry.base import Registry
from driftlab.report import load_report, write_report
from driftlab.retrain import PromotionDecision, retrain
from driftlab.scenarios import Scenario, get_scenario
from driftlab.store import Store, Window

__all__ = ["DemoOutcome", "Printers", "run_demo", "serve_subprocess"]

_MARKER = ".driftlab-demo"


@dataclass(frozen=True)
class Printers:
    """How the demo shows its steps' results on its console."""

    result: Callable[[Console, MonitoringResult, int | None], None]
    decision: Callable[[Console, PromotionDecision], None]


@dataclass(frozen=True)
class DemoOutcome:
    workdir: Path
    first_version: str
    drift_alert_features: list[str]
    drifted_alerts: list[str]  # "kind: subject" of every alert on the second window
    normal_alerts: int
    promoted: bool
    served_version_after: str
    report: Path
    seconds: float
    after_alerts: list[str] = field(default_factory=list)  # window after a promoted retrain
    # "severity: title; likely causes a, b, c" of each incident on the second window: what the
    # channels received, one message each.
    drifted_incidents: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _fresh_workdir(workdir: Path) -> None:
    if workdir.exists() and any(workdir.iterdir()):
        if not (workdir / _MARKER).exists():
            raise DriftlabError(
                f"{workdir} exists and was not made by 'driftlab demo'; refusing to delete it. "
                "Pass --workdir with a new or empty folder."
            )
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / _MARKER).write_text("made by driftlab demo; deleted on the next run\n")


@contextlib.contextmanager
def serve_subprocess(config: Path, port: int, log_path: Path) -> Iterator[str]:
    """Run ``driftlab serve`` on 127.0.0.1:port until the block exits; yield its base URL."""
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # The demo's client sends no token: a DRIFTLAB_API_TOKEN in the user's shell would turn
    # auth on for its feedback calls.
    env.pop("DRIFTLAB_API_TOKEN", None)
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "driftlab",
                "serve",
                "--config",
                str(config),
                "--port",
                str(port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        try:
            deadline = time.monotonic() + 90
            while True:
                if proc.poll() is not None:
                    raise DriftlabError(f"the server exited early; see {log_path}")
                try:
                    if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise DriftlabError(f"the server did not become healthy; see {log_path}")
                time.sleep(0.2)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def send_traffic(
    client: httpx.Client, records: list[dict[str, Any]], progress: Progress, label: str
) -> list[str]:
    """One HTTP request per record, as real clients do; returns the request ids."""
    ids = []
    task = progress.add_task(label, total=len(records))
    for rec in records:
        resp = client.post("/v1/predict", json=rec)
        resp.raise_for_status()
        ids.append(resp.json()["request_id"])
        progress.advance(task)
    return ids


def send_labels(client: httpx.Client, ids: list[str], labels: pd.Series) -> int:
    body = [{"request_id": i, "label": str(v)} for i, v in zip(ids, labels, strict=True)]
    resp = client.post("/v1/feedback", json=body)
    resp.raise_for_status()
    return int(resp.json()["accepted"])


def run_demo(
    workdir: Path, console: Console, scenario_name: str = "ames", *, printers: Printers
) -> DemoOutcome:
    started = time.monotonic()
    prepare = get_scenario(scenario_name)
    workdir = workdir.resolve()
    _fresh_workdir(workdir)
    console.rule(f"[bold]driftlab demo: {scenario_name}")
    scenario = prepare(workdir)
    project = load_project(scenario.project_file)
    registry, store = open_registry(project), open_store(project)
    # The demo prints alerts itself; the console channel would print each one twice.
    channels = [s for s in sinks(project) if s.name != "console"]
    console.print(f"Project written to [bold]{scenario.project_file}[/]. {scenario.intro}")

    console.rule("1. Train")
    with console.status("Training, tracking in MLflow, registering..."):
        trained = train_job(project, registry)
    console.print(
        f"Version [bold]{trained.version}[/] is champion · holdout "
        + ", ".join(f"{k} {v:.3f}" for k, v in trained.metrics.items())
    )

    console.rule("2. Serve, predict, label")
    port = _free_port()
    with serve_subprocess(scenario.project_file, port, workdir / "server.log") as url:
        console.print(f"Server up at {url} (log: {workdir / 'server.log'})")
        # Idle connections are dropped before uvicorn's 5 s keep-alive closes them: between
        # phases (a monitor job can take longer than that on a busy machine) a request sent on
        # a connection the server is closing at that moment fails with "connection reset".
        keep = httpx.Limits(keepalive_expiry=2.0)
        with httpx.Client(base_url=url, timeout=30, limits=keep) as client:
            cols = (
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
            )
            with Progress(*cols, console=console) as progress:
                normal_ids = send_traffic(
                    client, scenario.records(scenario.normal), progress, "normal traffic "
                )
                send_labels(client, normal_ids, scenario.normal[scenario.target])
                console.rule("3. Monitor the normal phase")
            normal = monitor_job(project, store, registry, Window(last_n=len(normal_ids)), channels)
            printers.result(console, normal.result, normal.run_id)

            console.rule(f"4. {scenario.drift_title}")
            with Progress(*cols, console=console) as progress:
                drift_ids = send_traffic(
                    client, scenario.records(scenario.drifted), progress, "drifted traffic"
                )
            send_labels(client, drift_ids, scenario.drifted[scenario.target])
            span = len(drift_ids) + (len(normal_ids) if scenario.span_both_phases else 0)
            drifted = monitor_job(project, store, registry, Window(last_n=span), channels)
            printers.result(console, drifted.result, drifted.run_id)

            console.rule("5. Retrain and compare")
            with console.status("Training a challenger on training + labeled production data..."):
                decision = retrain(project, store, registry, scenario.train)
            printers.decision(console, decision)
            served = trained.version
            after = None
            if decision.promoted:
                deadline = time.monotonic() + 30
                while served != decision.challenger_version and time.monotonic() < deadline:
                    time.sleep(0.5)
                    served = client.get("/v1/model").json()["version"]
                probe = client.post(
                    "/v1/predict", json=scenario.records(scenario.drifted.head(1))[0]
                ).json()
                served = probe["model_version"]
                console.print(
                    f"The running server picked up the new champion without a restart: "
                    f"a new prediction came from version [bold]{served}[/]."
                )
            if decision.promoted and scenario.after_retrain is not None:
                after = _after_retrain(console, printers, client, scenario, project, store,
                                       registry, channels)  # fmt: skip

    console.rule("6. Report")
    # The report shows the last window: after retraining when the scenario has that phase.
    last_run = (after or drifted).run_id
    report = write_report(load_report(store, project.model_name, last_run), workdir / "report.html")
    seconds = time.monotonic() - started
    outcome = DemoOutcome(
        workdir=workdir,
        first_version=trained.version,
        drift_alert_features=[a.subject for a in drifted.result.alerts if a.kind == "data_drift"],
        drifted_alerts=[f"{a.kind}: {a.subject}" for a in drifted.result.alerts],
        after_alerts=[f"{a.kind}: {a.subject}" for a in after.result.alerts] if after else [],
        drifted_incidents=[_incident_line(i) for i in drifted.result.incidents],
        normal_alerts=len(normal.result.alerts),
        promoted=decision.promoted,
        served_version_after=served,
        report=report,
        seconds=seconds,
    )
    _summary(console, outcome, decision.reason)
    return outcome


def _after_retrain(
    console: Console,
    printers: Printers,
    client: httpx.Client,
    scenario: Scenario,
    project: Project,
    store: Store,
    registry: Registry,
    channels: list[Sink],
) -> MonitorOutcome:
    """The scenario's traffic after promotion, monitored on its own: the new model's window."""
    console.rule(f"5b. {scenario.after_title}")
    cols = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*cols, console=console) as progress:
        ids = send_traffic(client, scenario.records(scenario.after_retrain), progress, "traffic")
    send_labels(client, ids, scenario.after_retrain[scenario.target])
    after = monitor_job(project, store, registry, Window(last_n=len(ids)), channels)
    printers.result(console, after.result, after.run_id)
    return after


def _alert_summary(alerts: list[str], shown: int = 6) -> str:
    if not alerts:
        return "none"
    more = f" … and {len(alerts) - shown} more" if len(alerts) > shown else ""
    return ", ".join(alerts[:shown]) + more


def _incident_line(incident: Incident, shown: int = 3) -> str:
    causes = ", ".join(c.feature for c in incident.causes[:shown])
    return f"{incident.severity}: {incident.title}" + (
        f"; likely causes {causes}" if causes else ""
    )


def _summary(console: Console, o: DemoOutcome, reason: str) -> None:
    table = Table.grid(padding=(0, 2))
    table.add_row("Alerts on normal traffic", str(o.normal_alerts))
    table.add_row("Alerts on shifted traffic", _alert_summary(o.drifted_alerts))
    table.add_row(
        "Incidents (one message each)",
        "\n".join(o.drifted_incidents) if o.drifted_incidents else "none",
    )
    table.add_row("Retraining", ("promoted: " if o.promoted else "kept champion: ") + reason)
    if o.after_alerts:
        table.add_row("Alerts after retraining", _alert_summary(o.after_alerts))
    table.add_row("Version served now", f"{o.served_version_after} (was {o.first_version})")
    table.add_row("Report", str(o.report))
    table.add_row("Wall time", f"{o.seconds:.0f} s")
    console.print(Panel(table, title="driftlab demo: the loop closed", expand=False))
