"""GET /health and GET /metrics (Prometheus text format)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from driftlab.errors import DriftlabError
from driftlab.serve.deps import HolderDep, LoggerDep, StoreDep, TelemetryDep
from driftlab.serve.security import Authenticator, require_token

router = APIRouter(tags=["health"])


@router.get("/health", summary="Liveness and readiness")
async def health(request: Request, holder: HolderDep, logger: LoggerDep) -> JSONResponse:
    """Open to probes. With auth on, a caller without the token sees no process ids and
    only the names of damaged spool files, not their absolute paths."""
    ready = holder.bundle is not None
    log_state = logger.status()
    body = {
        "status": log_state["status"] if ready else "no_model",  # "degraded": see "log"
        "model": holder.name,
        "model_version": holder.version,
        "pending_log_records": logger.pending,
        "log": log_state,
    }
    auth: Authenticator = request.app.state.auth
    if auth.allows(request.headers.get("authorization")):
        body["worker_pid"] = os.getpid()  # which worker process answered (serve --workers N)
    else:
        log_state["corrupt_files"] = [Path(f).name for f in log_state["corrupt_files"]]
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    dependencies=[require_token("metrics")],
    responses={401: {"description": "no or malformed token (serve.auth_metrics)"},
               403: {"description": "wrong token"}},
)  # fmt: skip
async def metrics(
    telemetry: TelemetryDep, logger: LoggerDep, holder: HolderDep, store: StoreDep
) -> Response:
    telemetry.pending_logs.set(logger.pending)
    if telemetry.monitoring.due():
        # The store may be down: still serve the service metrics.
        with contextlib.suppress(DriftlabError):
            await run_in_threadpool(telemetry.monitoring.update, store, holder.name)
    if holder.served is not None:
        telemetry.model_swapped(holder.served)
    return Response(telemetry.exposition(), media_type=CONTENT_TYPE_LATEST)
