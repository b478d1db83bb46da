"""The commands that check a window and read back what is stored: ``driftlab monitor``,
``driftlab audit``, ``driftlab runs`` and ``driftlab models``."""

from __future__ import annotations

from typing import Annotated

import typer

from driftlab import compose
from driftlab.cli.options import (
    DEFAULT_CONFIG,
    EXIT_FOUND,
    ConfigOpt,
    JsonOpt,
    VerboseOpt,
    console,
    emit_json,
    err_console,
    parse_time,
    setup_logging,
)

__all__ = ["audit", "models", "monitor", "runs"]


def monitor(
    config: ConfigOpt = DEFAULT_CONFIG,
    last: Annotated[
        int | None, typer.Option("--last", help="Last N predictions (default monitor.last_n).")
    ] = None,
    since: Annotated[str | None, typer.Option(help="Window start, ISO time (UTC).")] = None,
    until: Annotated[str | None, typer.Option(help="Window end, ISO time (UTC).")] = None,
    version: Annotated[str | None, typer.Option(help="Only rows served by this version.")] = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Compare a window of logged predictions with the training reference, score labeled
    rows, store the result and send alerts. Exit code 1 when an alert fired."""
    from driftlab.cli.render import print_result
    from driftlab.jobs import monitor_job
    from driftlab.store import Window

    setup_logging(err_console, verbose)
    p = compose.project(config)
    start, end = parse_time(since, "--since"), parse_time(until, "--until")
    window = Window(
        start, end, None if (start or end) and last is None else (last or p.monitor.last_n)
    )
    out = monitor_job(
        p,
        compose.open_store(p),
        compose.open_registry(p),
        window,
        compose.sinks(p),
        version=version,
    )
    if as_json:
        emit_json({"run_id": out.run_id, **out.result.to_dict()})
    else:
        print_result(console, out.result, out.run_id)
    if out.result.alerts:
        raise typer.Exit(EXIT_FOUND)


def audit(
    config: ConfigOpt = DEFAULT_CONFIG,
    limit: Annotated[int, typer.Option(help="How many of the latest checks.")] = 50,
    feature: Annotated[str | None, typer.Option(help="Only checks of this feature.")] = None,
    alerts_only: Annotated[
        bool, typer.Option("--alerts", help="Only checks whose verdict is an alert.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """List the compliance audit log, newest first: every reliance and proxy check of every
    monitored window, with model version, window, numbers, limit and verdict."""
    from driftlab.cli.render_fairness import print_audit

    p = compose.project(config)
    rows = compose.open_store(p).audit(p.model_name, limit=limit, feature=feature)
    if alerts_only:
        rows = [r for r in rows if r.verdict == "alert"]
    if as_json:
        emit_json([r.to_dict() for r in rows])
        return
    print_audit(console, rows, p.model_name)


def runs(
    config: ConfigOpt = DEFAULT_CONFIG,
    limit: Annotated[int, typer.Option(help="How many of the latest runs.")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """List stored monitoring runs, newest first."""
    from rich.table import Table

    p = compose.project(config)
    stored = compose.open_store(p).runs(p.model_name, limit=limit)
    if as_json:
        emit_json([{k: v for k, v in r.__dict__.items() if k != "result"} for r in stored])
        return
    table = Table(title=f"Monitoring runs of {p.model_name}", title_justify="left")
    for col in ("id", "time (UTC)", "version", "rows", "status", "alerts"):
        table.add_column(col)
    for r in stored:
        table.add_row(
            str(r.id),
            r.ts.strftime("%Y-%m-%d %H:%M:%S"),
            r.model_version or "–",
            str(r.n_rows),
            r.result.get("status", "?"),
            str(r.n_alerts),
        )
    console.print(table)


def models(config: ConfigOpt = DEFAULT_CONFIG, as_json: JsonOpt = False) -> None:
    """List registered versions of the project's model with aliases and holdout metrics."""
    from rich.table import Table

    p = compose.project(config)
    setup_logging(err_console)
    versions = compose.open_registry(p).versions(p.model_name)
    if as_json:
        emit_json([v.__dict__ for v in versions])
        return
    table = Table(title=f"Versions of {p.model_name}", title_justify="left")
    for col in ("version", "aliases", "created (UTC)", "metrics"):
        table.add_column(col)
    for v in versions:
        metrics = ", ".join(f"{k} {val:.3f}" for k, val in sorted(v.metrics.items()))
        table.add_row(v.version, ", ".join(v.aliases) or "–", v.created_at, metrics)
    console.print(table)
