"""The commands that check a window and read back what is stored: ``driftlab monitor``,
``driftlab audit``, ``driftlab runs`` and ``driftlab models``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from driftlab import compose
from driftlab.cli.engine import Engine, EngineOpt, SparkConfOpt, SparkMasterOpt
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
from driftlab.errors import ConfigError

if TYPE_CHECKING:
    from driftlab.config import Project
    from driftlab.jobs import MonitorOutcome

__all__ = ["audit", "models", "monitor", "runs"]


def monitor(
    config: ConfigOpt = DEFAULT_CONFIG,
    last: Annotated[
        int | None, typer.Option("--last", help="Last N predictions (default monitor.last_n).")
    ] = None,
    since: Annotated[str | None, typer.Option(help="Window start, ISO time (UTC).")] = None,
    until: Annotated[str | None, typer.Option(help="Window end, ISO time (UTC).")] = None,
    version: Annotated[str | None, typer.Option(help="Only rows served by this version.")] = None,
    source: Annotated[
        str | None,
        typer.Option(
            help="Read the window from a Parquet file or folder (or, with --engine spark, a "
            "Spark/Hive table name) instead of the store; the whole table is the window.",
        ),
    ] = None,
    engine: EngineOpt = Engine.local,
    spark_master: SparkMasterOpt = None,
    spark_conf: SparkConfOpt = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            help="What --since/--until bound: event-time (the project's role 'timestamp' "
            "feature; the default when it declares one) or log-time (when logged).",
        ),
    ] = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Compare a window of logged predictions with the training reference, score labeled
    rows, store the result and send one message per incident (its findings grouped by likely
    cause). Exit code 1 when an alert fired."""
    from driftlab.cli.render import print_result

    setup_logging(err_console, verbose)
    p = compose.project(config)
    if source is None:
        if engine is Engine.spark:
            raise ConfigError(
                "--engine spark reads the window from a table: add --source <Parquet path or "
                "table name>"
            )
        from driftlab.jobs import monitor_job
        from driftlab.store import Window

        start, end = parse_time(since, "--since"), parse_time(until, "--until")
        event_time = _event_time_column(p.event_time.name if p.event_time else None, by)
        window = Window(
            start, end, None if (start or end) and last is None else (last or p.monitor.last_n),
            event_time if start or end else None,
        )  # fmt: skip
        out = monitor_job(
            p,
            compose.open_store(p),
            compose.open_registry(p),
            window,
            compose.sinks(p),
            version=version,
        )
    else:
        if last is not None or since or until:
            raise ConfigError(
                "--source reads the whole table as the window; drop --last/--since/--until "
                "(filter the table first)"
            )
        out = _monitor_source(p, source, engine, version, spark_master, spark_conf or [])
    if as_json:
        emit_json({"run_id": out.run_id, **out.result.to_dict()})
    else:
        print_result(console, out.result, out.run_id)
    if out.result.alerts:
        raise typer.Exit(EXIT_FOUND)


def _monitor_source(
    p: Project,
    source: str,
    engine: Engine,
    version: str | None,
    master: str | None,
    conf: list[str],
) -> MonitorOutcome:
    store, registry, sinks = compose.open_store(p), compose.open_registry(p), compose.sinks(p)
    if engine is Engine.spark:
        from driftlab.spark.monitor import monitor_source_spark
        from driftlab.spark.session import parse_conf

        return monitor_source_spark(p, store, registry, source, sinks, version=version,
                                    master=master, conf=parse_conf(conf))  # fmt: skip
    from driftlab.jobs import monitor_source_job

    return monitor_source_job(p, store, registry, Path(source), sinks, version=version)


def _event_time_column(declared: str | None, by: str | None) -> str | None:
    """The feature --since/--until bound, or None for the log time."""
    if by not in (None, "event-time", "log-time"):
        raise typer.BadParameter(f"{by!r}; use event-time or log-time", param_hint="--by")
    if by == "event-time" and declared is None:
        raise typer.BadParameter(
            "the project declares no event time; add a feature with role = 'timestamp', or "
            "use --by log-time",
            param_hint="--by",
        )
    return None if by == "log-time" else declared


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
    for col in ("id", "time (UTC)", "version", "rows", "status", "alerts", "incidents"):
        table.add_column(col)
    for r in stored:
        table.add_row(
            str(r.id),
            r.ts.strftime("%Y-%m-%d %H:%M:%S"),
            r.model_version or "–",
            str(r.n_rows),
            r.result.get("status", "?"),
            str(r.n_alerts),
            # Runs stored before incidents existed have none recorded.
            ", ".join(f"{i['severity']}: {i['title']}" for i in r.result.get("incidents") or [])
            or "–",
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
