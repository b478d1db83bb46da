"""GET /health and GET /metrics (Prometheus text format)."""

from __future__ import annotations

import contextlib

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from driftlab.errors import DriftlabError
from driftlab.serve.deps import HolderDep, LoggerDep, StoreDep, TelemetryDep

router = APIRouter(tags=["health"])


@router.get("/health", summary="Liveness and readiness")
async def health(holder: HolderDep, logger: LoggerDep) -> JSONResponse:
    ready = holder.bundle is not None
    log_state = logger.status()
    body = {
        "status": log_state["status"] if ready else "no_model",  # "degraded": see "log"
        "model": holder.name,
        "model_version": holder.version,
        "pending_log_records": logger.pending,
        "log": log_state,
    }
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/metrics", summary="Prometheus metrics")
async def metrics(
    telemetry: TelemetryDep, logger: LoggerDep, holder: HolderDep, store: StoreDep
) -> Response:
    telemetry.pending_logs.set(logger.pending)
    if telemetry.monitoring.due():
        # The store may be down: still serve the service metrics.
        with contextlib.suppress(DriftlabError):
            await run_in_threadpool(telemetry.monitoring.update, store, holder.name)
    if holder.version and holder.version.isdigit():
        telemetry.model_version.set(int(holder.version))
    return Response(generate_latest(telemetry.registry), media_type=CONTENT_TYPE_LATEST)
