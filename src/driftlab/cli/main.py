"""The ``driftlab`` command. Each command parses arguments, calls one library function,
prints a readable summary (or JSON with --json) and exits with a meaningful code:

0 success · 1 the run found something (alerts fired, challenger not promoted) ·
2 usage or configuration error · 3 the operation failed (store, registry, data).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from driftlab import __version__
from driftlab.cli import compose
from driftlab.errors import ConfigError, DriftlabError

app = typer.Typer(
    name="driftlab",
    help="Keep a deployed model accurate: train, serve, log, monitor, alert, retrain, report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Docstrings wrap at 100 columns; markdown mode joins their lines into paragraphs.
    rich_markup_mode="markdown",
)
console = Console(stderr=False)
err_console = Console(stderr=True)

EXIT_FOUND = 1
EXIT_USAGE = 2
EXIT_FAILED = 3
# Runs on a report's timelines; driftlab.report.data.HISTORY_LIMIT, without importing plotly.
HISTORY_DEFAULT = 100

ConfigOpt = Annotated[
    Path,
    typer.Option("--config", "-c", help="Project file (TOML).", envvar="DRIFTLAB_CONFIG"),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON only.")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Show debug logs.")]


def _emit_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, default=str) + "\n")


def _parse_time(value: str | None, flag: str) -> datetime | None:
    if value is None:
        return None
    try:
        ts = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            f"{flag} {value!r} is not an ISO date/time; use e.g. 2026-11-25 or 2026-11-25T14:00"
        ) from None
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


@app.command()
def train(
    config: ConfigOpt = Path("driftlab.toml"),
    champion: Annotated[
        bool, typer.Option("--champion", help="Make this version champion even if one exists.")
    ] = False,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Train the project's model, track it in MLflow, register a version with its reference
    profile. The first version becomes champion."""
    from driftlab.jobs import train_job

    compose.setup_logging(err_console, verbose)
    p = compose.project(config)
    with console.status("Training and registering...", spinner="dots") if not as_json else _null():
        out = train_job(p, compose.open_registry(p), make_champion=champion)
    if as_json:
        _emit_json({"model": p.model_name, **out.__dict__})
        return
    role = "champion" if out.champion else "registered (champion unchanged)"
    console.print(f"[bold]{p.model_name}[/] version [bold]{out.version}[/] {role}")
    console.print(
        "Holdout: "
        + ", ".join(f"{k} {v:.3f}" for k, v in out.metrics.items())
        + f" · {out.n_rows} rows · data sha256 {out.dataset_sha256[:12]}"
    )


@app.command()
def serve(
    config: ConfigOpt = Path("driftlab.toml"),
    host: Annotated[str | None, typer.Option(help="Bind address (serve.host).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (serve.port).")] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=64,
            help="Worker processes (serve.workers). Each loads the champion and polls for a "
            "new one; /metrics sums all of them. About one per core.",
        ),
    ] = None,
    verbose: VerboseOpt = False,
) -> None:
    """Serve the champion over HTTP: /v1/predict, /v1/feedback, /v1/model, /health, /metrics,
    and the dashboard at /dashboard."""
    import uvicorn

    compose.setup_logging(err_console, verbose)
    p = compose.project(config)
    n = workers if workers is not None else p.serve.workers
    bind = {"host": host or p.serve.host, "port": port if port is not None else p.serve.port}
    level = "info" if verbose else "warning"
    # Each process runs the model on serve.threads threads (OpenMP/BLAS read these when they
    # start, in every worker): N workers x 1 thread cannot oversubscribe the cores.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(p.serve.threads))
    if n == 1:
        from driftlab.serve import create_app

        api = create_app(p, compose.open_store(p), compose.open_registry(p))
        uvicorn.run(api, **bind, log_level=level)
        return
    from driftlab.cli.asgi import VERBOSE_ENV
    from driftlab.serve.security import Authenticator

    Authenticator.from_settings(p.serve)  # a missing token fails here (exit 2), not per worker
    # A fresh folder per run: prometheus_client in every worker writes its values there (it
    # reads this variable when imported, so it is set before any worker starts), and stale
    # files from an earlier run would be added to this run's counters.
    metrics_dir = tempfile.mkdtemp(prefix="driftlab-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    os.environ["DRIFTLAB_CONFIG"] = str(config.resolve())
    os.environ[VERBOSE_ENV] = "1" if verbose else "0"
    try:
        uvicorn.run("driftlab.cli.asgi:create", factory=True, workers=n, **bind, log_level=level)
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)


@app.command("export-onnx")
def export_onnx(
    config: ConfigOpt = Path("driftlab.toml"),
    version: Annotated[
        str | None, typer.Option(help="Model version to export (default: the champion).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Folder for model.onnx and parity.json "
            "(default: `onnx-<model>-v<version>` in the project folder).",
        ),
    ] = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Export a model version to ONNX for edge devices: model.onnx plus parity.json, which
    compares ONNX Runtime with scikit-learn on the model's reference sample. Exit code 1
    when parity fails (the file is still written), 3 when the pipeline does not convert."""
    from driftlab.compiled import export_onnx as export
    from driftlab.registry.base import CHAMPION

    compose.setup_logging(err_console, verbose)
    p = compose.project(config)
    registry = compose.open_registry(p)
    chosen = version or registry.alias_version(p.model_name, CHAMPION)
    if chosen is None:
        raise ConfigError(f"{p.model_name!r} has no champion yet; run 'driftlab train' first")
    bundle = registry.load(p.model_name, chosen)
    folder = out or p.root / f"onnx-{p.model_name}-v{chosen}"
    result = export(bundle, folder)
    if as_json:
        _emit_json({**result.report, "model_path": result.model_path,
                    "report_path": result.report_path})  # fmt: skip
    elif result.model_path is None:
        err_console.print(f"[bold red]Not exported:[/] {result.report['reason']}")
    else:
        parity = result.report.get("parity") or {}
        verdict = "[green]parity ok[/]" if result.passed else "[bold red]parity FAILED[/]"
        console.print(f"Wrote [bold]{result.model_path}[/] and {result.report_path}: {verdict}")
        if parity:
            console.print(
                f"{parity['rows']} reference rows · max abs diff {parity['max_abs_diff']:.2g} · "
                f"tolerance {parity['tolerance']}"
            )
        if result.report.get("reason"):
            console.print(result.report["reason"])
    if result.model_path is None:
        raise typer.Exit(EXIT_FAILED)
    if not result.passed:
        raise typer.Exit(EXIT_FOUND)


@app.command()
def predict(
    source: Annotated[Path, typer.Argument(help="Input rows, CSV or Parquet.")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Where to write predictions (.csv or .parquet).")
    ],
    config: ConfigOpt = Path("driftlab.toml"),
    id_column: Annotated[
        str | None,
        typer.Option(
            "--id-column",
            help="Column holding each row's request id (labels join by it; re-runs add no "
            "duplicate logs). Default: a new id per row.",
        ),
    ] = None,
    version: Annotated[
        str | None, typer.Option(help="Model version to use (default: the champion).")
    ] = None,
    log: Annotated[
        bool, typer.Option("--log/--no-log", help="Log predictions to the store for monitoring.")
    ] = True,
    chunk_rows: Annotated[int, typer.Option(min=1, help="Rows scored per chunk.")] = 20_000,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Batch prediction job: score a file with a registered version, write predictions in
    input order, and log them like API predictions so monitoring and late labels see them."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from driftlab.batch import count_rows, predict_file

    compose.setup_logging(err_console, verbose)
    p = compose.project(config)
    store = compose.open_store(p) if log else None
    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=as_json,
    )
    with progress:
        task = progress.add_task(
            "Scoring rows", total=count_rows(source) if source.is_file() else None
        )
        outcome = predict_file(
            p,
            compose.open_registry(p),
            source,
            out,
            store=store,
            id_column=id_column,
            version=version,
            chunk_rows=chunk_rows,
            progress=lambda n: progress.advance(task, n),
        )
    if as_json:
        _emit_json({**outcome.__dict__, "rows_per_s": round(outcome.rows_per_s, 1)})
        return
    console.print(
        f"Scored [bold]{outcome.rows:,}[/] rows with {p.model_name} version "
        f"{outcome.model_version} in {outcome.seconds:.1f} s ({outcome.rows_per_s:,.0f} rows/s) "
        f"→ [bold]{outcome.output}[/]"
    )
    if log:
        console.print(f"Logged {outcome.logged:,} new predictions to the store.")


@app.command()
def monitor(
    config: ConfigOpt = Path("driftlab.toml"),
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
    from driftlab.monitor import Window

    compose.setup_logging(err_console, verbose)
    p = compose.project(config)
    start, end = _parse_time(since, "--since"), _parse_time(until, "--until")
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
        _emit_json({"run_id": out.run_id, **out.result.to_dict()})
    else:
        print_result(console, out.result, out.run_id)
    if out.result.alerts:
        raise typer.Exit(EXIT_FOUND)


@app.command()
def retrain(
    config: ConfigOpt = Path("driftlab.toml"),
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Train a challenger on the training data plus labeled production rows, compare it with the
    champion on the newest labeled rows, promote if better. Exit code 1 when not promoted."""
    from driftlab.cli.render import print_decision
    from driftlab.retrain import retrain as retrain_loop
    from driftlab.train import load_dataset

    compose.setup_logging(err_console, verbose)
    p = compose.project(config)
    with console.status("Training challenger...", spinner="dots") if not as_json else _null():
        decision = retrain_loop(p, compose.open_store(p), compose.open_registry(p), load_dataset(p))
    if as_json:
        _emit_json(decision.to_dict())
    else:
        print_decision(console, decision)
    if not decision.promoted:
        raise typer.Exit(EXIT_FOUND)


class ReportFormat(StrEnum):
    html = "html"
    json = "json"


@app.command()
def report(
    config: ConfigOpt = Path("driftlab.toml"),
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

    compose.setup_logging(err_console, verbose)
    p = compose.project(config)
    data = load_report(compose.open_store(p), p.model_name, run, history=history)
    if fmt is ReportFormat.json and out is None:
        sys.stdout.write(render_json(data))
        return
    path = out or p.root / f"report-run{data.run.id}.{fmt.value}"
    write_report(data, path, fmt=fmt.value)
    console.print(f"Report written: [bold]{path}[/] ({path.stat().st_size / 1e6:.1f} MB)")


@app.command()
def dashboard(
    config: ConfigOpt = Path("driftlab.toml"),
    host: Annotated[str | None, typer.Option(help="Bind address (default serve.host).")] = None,
    port: Annotated[int, typer.Option(help="Port.")] = 8050,
    verbose: VerboseOpt = False,
) -> None:
    """Serve the dashboard alone, read-only over the project's store, at /dashboard: models
    and versions, timelines of drift, performance, latency and errors, alerts and retraining
    events, each monitoring run. Needs no model. `driftlab serve` has the same pages."""
    import uvicorn

    from driftlab.dashboard import PREFIX, create_dashboard_app

    compose.setup_logging(err_console, verbose)
    p = compose.project(config)
    from driftlab.serve.security import Authenticator, require_token

    # The server's token check, so the standalone dashboard is as closed as /dashboard.
    api = create_dashboard_app(
        compose.open_store(p),
        models=(p.model_name,),
        dependencies=[require_token("dashboard")],
        state={"auth": Authenticator.from_settings(p.serve)},
    )
    bind = host or p.serve.host
    err_console.print(f"Dashboard at http://{bind}:{port}{PREFIX} (Ctrl+C stops it)")
    uvicorn.run(api, host=bind, port=port, log_level="info" if verbose else "warning")


@app.command()
def feedback(
    file: Annotated[Path, typer.Argument(help="CSV or Parquet with request_id and label.")],
    config: ConfigOpt = Path("driftlab.toml"),
    as_json: JsonOpt = False,
) -> None:
    """Load late ground-truth labels from a file, joined to predictions by request_id."""
    from driftlab.feedback import labels_from_file

    p = compose.project(config)
    labels = labels_from_file(file, p)
    out = compose.open_store(p).add_labels(labels)
    if as_json:
        _emit_json({"accepted": out.accepted, "new": out.new, "changed": out.changed,
                    "unchanged": out.unchanged})  # fmt: skip
    else:
        console.print(
            f"Accepted {out.accepted} labels from {file}: {out.new} new, {out.changed} changed, "
            f"{out.unchanged} already known"
        )


@app.command()
def audit(
    config: ConfigOpt = Path("driftlab.toml"),
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
        _emit_json([r.to_dict() for r in rows])
        return
    print_audit(console, rows, p.model_name)


@app.command()
def runs(
    config: ConfigOpt = Path("driftlab.toml"),
    limit: Annotated[int, typer.Option(help="How many of the latest runs.")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """List stored monitoring runs, newest first."""
    from rich.table import Table

    p = compose.project(config)
    stored = compose.open_store(p).runs(p.model_name, limit=limit)
    if as_json:
        _emit_json([{k: v for k, v in r.__dict__.items() if k != "result"} for r in stored])
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


@app.command()
def models(config: ConfigOpt = Path("driftlab.toml"), as_json: JsonOpt = False) -> None:
    """List registered versions of the project's model with aliases and holdout metrics."""
    from rich.table import Table

    p = compose.project(config)
    compose.setup_logging(err_console)
    versions = compose.open_registry(p).versions(p.model_name)
    if as_json:
        _emit_json([v.__dict__ for v in versions])
        return
    table = Table(title=f"Versions of {p.model_name}", title_justify="left")
    for col in ("version", "aliases", "created (UTC)", "metrics"):
        table.add_column(col)
    for v in versions:
        metrics = ", ".join(f"{k} {val:.3f}" for k, val in sorted(v.metrics.items()))
        table.add_row(v.version, ", ".join(v.aliases) or "–", v.created_at, metrics)
    console.print(table)


@app.command()
def demo(
    workdir: Annotated[
        Path, typer.Option(help="Where the demo writes its project, stores and report.")
    ] = Path("driftlab-demo"),
    scenario: Annotated[
        str, typer.Option(help="Built-in scenario: ames (more in `driftlab.scenarios`).")
    ] = "ames",
    verbose: VerboseOpt = False,
) -> None:
    """Run the whole loop on the Ames housing data: train, serve, traffic, labels, monitor,
    alert, retrain, promote, report. Starts from a fresh working directory each time."""
    from driftlab.demo import run_demo

    compose.setup_logging(err_console, verbose)
    run_demo(workdir, console, scenario)


db_app = typer.Typer(
    help="The store's schema: show its migration revision, or migrate it explicitly.",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(config: ConfigOpt = Path("driftlab.toml"), as_json: JsonOpt = False) -> None:
    """Migrate the store (store.url) to the newest schema. Safe to run again; 'serve' and the
    other commands do the same on start, this runs it as a separate deployment step."""
    from driftlab.store import migrate

    p = compose.project(config)
    store = compose.open_store(p, create=False)
    out = migrate.upgrade(store.engine)
    if as_json:
        _emit_json(out.__dict__)
        return
    if out.before == out.after:
        console.print(f"Store schema already at {out.after} (newest)")
    else:
        adopted = " (tables made before migrations: stamped 0001_initial)" if out.stamped else ""
        console.print(f"Store schema migrated: {out.before or '(empty)'} -> {out.after}{adopted}")


@db_app.command("current")
def db_current(config: ConfigOpt = Path("driftlab.toml"), as_json: JsonOpt = False) -> None:
    """Print the store's schema revision and the newest this driftlab knows; exit 1 when
    they differ (run 'driftlab db upgrade')."""
    from driftlab.store import migrate

    p = compose.project(config)
    store = compose.open_store(p, create=False)
    current, head = migrate.current_revision(store.engine), migrate.head_revision()
    if as_json:
        _emit_json({"current": current, "head": head, "up_to_date": current == head})
    else:
        state = "up to date" if current == head else "run 'driftlab db upgrade'"
        console.print(f"Store schema: {current or '(none)'} · newest: {head} · {state}")
    if current != head:
        raise typer.Exit(EXIT_FOUND)


@app.command()
def version() -> None:
    """Print driftlab's version."""
    console.print(__version__)


class _null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def main() -> None:
    try:
        app()
    except ConfigError as e:
        err_console.print(f"[bold red]Configuration error:[/] {e}", soft_wrap=True)
        sys.exit(EXIT_USAGE)
    except DriftlabError as e:
        err_console.print(f"[bold red]Error:[/] {e}", soft_wrap=True)
        sys.exit(EXIT_FAILED)
    except Exception:
        # A bug, not a finding: show it, and never exit 1 (which means "alerts fired").
        err_console.print_exception()
        err_console.print("[bold red]Unexpected error[/]; please report it with the trace above.")
        sys.exit(EXIT_FAILED)
