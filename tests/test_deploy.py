"""The deploy examples name only metrics that driftlab really exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from driftlab.predlog.metrics import LogMetrics
from driftlab.serve.request_metrics import Telemetry

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def _exported() -> set[str]:
    names = set()
    telemetry = Telemetry()
    LogMetrics(telemetry.registry)  # registered beside the telemetry by create_app
    for metric in telemetry.registry.collect():
        for sample in metric.samples:
            names.add(sample.name)
        names.add(metric.name)
        # Families without samples yet (labelled, unused) still export these names.
        if metric.type == "counter":
            names.add(metric.name + "_total")
        if metric.type == "histogram":
            names.update(metric.name + s for s in ("_bucket", "_sum", "_count"))
    return names


def test_rules_and_dashboard_use_exported_metrics() -> None:
    exported = _exported()
    rules = yaml.safe_load((DEPLOY / "prometheus" / "driftlab-rules.yml").read_text())
    exprs = [r["expr"] for g in rules["groups"] for r in g["rules"]]
    dash = json.loads((DEPLOY / "grafana" / "driftlab-dashboard.json").read_text())
    exprs += [t["expr"] for p in dash["panels"] for t in p["targets"]]
    used = {m for e in exprs for m in re.findall(r"\bdriftlab_[a-z0-9_]+", e)}
    assert used and used <= exported, sorted(used - exported)


ROOT = DEPLOY.parent


def test_compose_and_dockerfile_name_real_files_and_commands() -> None:
    # No Docker engine runs in CI here, so the image is not built; this keeps the files honest:
    # every mounted or copied path exists and every driftlab command line parses.
    import typer.main

    from driftlab.cli.main import app

    cli = typer.main.get_command(app)
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY") and "--from" not in line:
            for src in line.split()[1:-1]:
                assert (ROOT / src).exists(), src
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    commands = []
    for name, svc in compose["services"].items():
        for vol in svc.get("volumes", []):
            host = vol.split(":")[0]
            if host.startswith("./deploy"):
                assert (ROOT / host).exists(), (name, host)
        if svc.get("build") == ".":
            entry = svc.get("entrypoint")
            commands.append(
                svc["command"]
                if entry is None
                else entry[-1].split("; do ")[1].split(";")[0].split()[1:]
            )
    assert len(commands) == 3
    for argv in commands:
        ctx = cli.make_context("driftlab", list(argv), resilient_parsing=False)  # type: ignore[attr-defined]
        sub = cli.get_command(ctx, argv[0])  # type: ignore[attr-defined]
        assert sub is not None, argv
        sub.make_context(argv[0], list(argv[1:]))
