"""``driftlab report``."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from driftlab import compose
from driftlab.cli.options import (
    DEFAULT_CONFIG,
    ConfigOpt,
    VerboseOpt,
    console,
    err_console,
    setup_logging,
)

__all__ = ["HISTORY_DEFAULT", "ReportFormat", "report"]

# Runs on a report's timelines; driftlab.report.data.HISTORY_LIMIT, without importing plotly.
HISTORY_DEFAULT = 100


class ReportFormat(StrEnum):
    html = "html"
    json = "json"


def report(
    config: ConfigOpt = DEFAULT_CONFIG,
    run: Annotated[int | None, typer.Option(help="Monitoring run id (default: latest).")] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="File to write (default: `report-run<ID>.html` next to the project file; "
            "with --format json, standard output).",
        ),
    ] = None,
    fmt: Annotated[
        ReportFormat,
        typer.Option(
            "--format",
            "-f",
            help="html: a self-contained page that works offline. json: the same content as "
            "JSON (schema_version 1), for scripts.",
        ),
    ] = ReportFormat.html,
    history: Annotated[
        int,
        typer.Option(
            min=1,
            help="Runs on the timelines, this one and those before it (performance, "
            "drift, service health over time).",
        ),
    ] = HISTORY_DEFAULT,
    verbose: VerboseOpt = False,
) -> None:
    """Write the report of a stored monitoring run: summary, alerts, data and prediction
    drift, performance, service health, fairness and compliance, and the model's runs over
    time with alerts and retraining events. Reads stored results only."""
    from driftlab.report import load_report, render_json, write_report

    setup_logging(err_console, verbose)
    p = compose.project(config)
    data = load_report(compose.open_store(p), p.model_name, run, history=history)
    if fmt is ReportFormat.json and out is None:
        sys.stdout.write(render_json(data))
        return
    path = out or p.root / f"report-run{data.run.id}.{fmt.value}"
    write_report(data, path, fmt=fmt.value)
    console.print(f"Report written: [bold]{path}[/] ({path.stat().st_size / 1e6:.1f} MB)")
