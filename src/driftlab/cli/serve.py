"""The commands that put a model or the dashboard in front of clients: ``driftlab serve``,
``driftlab export-onnx`` and ``driftlab dashboard``."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from driftlab import compose
from driftlab.cli.options import (
    DEFAULT_CONFIG,
    EXIT_FAILED,
    EXIT_FOUND,
    ConfigOpt,
    JsonOpt,
    VerboseOpt,
    console,
    emit_json,
    err_console,
    setup_logging,
)
from driftlab.errors import ConfigError

__all__ = ["dashboard", "export_onnx", "serve"]


def serve(
    config: ConfigOpt = DEFAULT_CONFIG,
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

    from driftlab.serve.http_limits import UVICORN_OPTIONS

    setup_logging(err_console, verbose)
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
        uvicorn.run(api, **bind, log_level=level, **UVICORN_OPTIONS)
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
        from driftlab.cli.supervision import log_config

        # A worker still importing and loading its model on a busy machine is not dead: the
        # supervisor waits serve.worker_healthcheck_s for its answer (uvicorn's 5 s killed and
        # restarted workers over and over during start-up), and says so when it replaces one.
        wait_s = p.serve.worker_healthcheck_s
        uvicorn.run(
            "driftlab.cli.asgi:create", factory=True, workers=n, **bind,
            log_level="info", access_log=verbose, timeout_worker_healthcheck=wait_s,
            log_config=log_config(verbose=verbose, healthcheck_s=wait_s),
            **UVICORN_OPTIONS,
        )  # fmt: skip
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)


def export_onnx(
    config: ConfigOpt = DEFAULT_CONFIG,
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
    from driftlab.onnx_engine import export_onnx as export
    from driftlab.registry.base import CHAMPION

    setup_logging(err_console, verbose)
    p = compose.project(config)
    registry = compose.open_registry(p)
    chosen = version or registry.alias_version(p.model_name, CHAMPION)
    if chosen is None:
        raise ConfigError(f"{p.model_name!r} has no champion yet; run 'driftlab train' first")
    bundle = registry.load(p.model_name, chosen)
    folder = out or p.root / f"onnx-{p.model_name}-v{chosen}"
    result = export(bundle, folder)
    if as_json:
        emit_json({**result.report, "model_path": result.model_path,
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


def dashboard(
    config: ConfigOpt = DEFAULT_CONFIG,
    host: Annotated[str | None, typer.Option(help="Bind address (default serve.host).")] = None,
    port: Annotated[int, typer.Option(help="Port.")] = 8050,
    verbose: VerboseOpt = False,
) -> None:
    """Serve the dashboard alone, read-only over the project's store, at /dashboard: models
    and versions, timelines of drift, performance, latency and errors, alerts and retraining
    events, each monitoring run. Needs no model. `driftlab serve` has the same pages."""
    import uvicorn

    from driftlab.dashboard import PREFIX, create_dashboard_app
    from driftlab.serve.http_limits import UVICORN_OPTIONS, RequestHeadMiddleware
    from driftlab.serve.security import Authenticator, require_token

    setup_logging(err_console, verbose)
    p = compose.project(config)
    # The server's token check, so the standalone dashboard is as closed as /dashboard.
    api = create_dashboard_app(
        compose.open_store(p),
        models=(p.model_name,),
        dependencies=[require_token("dashboard")],
        state={"auth": Authenticator.from_settings(p.serve)},
    )
    bind = host or p.serve.host
    err_console.print(f"Dashboard at http://{bind}:{port}{PREFIX} (Ctrl+C stops it)")
    uvicorn.run(
        RequestHeadMiddleware(api), host=bind, port=port,
        log_level="info" if verbose else "warning", **UVICORN_OPTIONS,
    )  # fmt: skip
