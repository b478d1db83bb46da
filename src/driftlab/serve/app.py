"""The FastAPI app factory: the server's composition root."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request, Response
from pydantic import TypeAdapter

from driftlab import __version__
from driftlab.config import Project
from driftlab.dashboard import build_router as dashboard_router
from driftlab.registry.base import Registry
from driftlab.schema import record_model
from driftlab.serve.errors import BodyLimitMiddleware, install_error_handlers
from driftlab.serve.holder import ModelHolder
from driftlab.serve.log_metrics import LogMetrics
from driftlab.serve.logger import PredictionLogger
from driftlab.serve.routes import feedback, health, model, predict
from driftlab.serve.telemetry import Telemetry
from driftlab.store.base import ErrorRecord, Store

__all__ = ["create_app"]

_SCORED_ROUTES = frozenset({"/v1/predict", "/v1/feedback"})

log = logging.getLogger(__name__)


def create_app(project: Project, store: Store, registry: Registry) -> FastAPI:
    """Build the API around the given adapters. The lifespan loads the champion, starts the
    prediction logger and, when ``serve.reload_interval_s`` > 0, polls for a new champion."""
    holder = ModelHolder(registry, project.model_name)
    telemetry = Telemetry()
    cfg = project.store
    logger = PredictionLogger(
        store,
        batch_size=cfg.batch_size,
        interval_s=cfg.flush_interval_s,
        on_failure=telemetry.log_failures.inc,
        durability=cfg.durability,
        spool_dir=cfg.spool_dir,
        spool_max_bytes=cfg.spool_max_bytes,
        segment_bytes=cfg.spool_segment_bytes,
        fsync_interval_ms=cfg.fsync_interval_ms,
        queue_max_records=cfg.queue_max_records,
        metrics=LogMetrics(telemetry.registry),
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await holder.refresh()
        if holder.bundle is None:
            log.warning("model %r has no champion yet; /v1/predict answers 503", holder.name)
        logger.start()
        poller = None
        if project.serve.reload_interval_s > 0:
            poller = asyncio.create_task(holder.poll(project.serve.reload_interval_s))
        try:
            yield
        finally:
            if poller is not None:
                poller.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await poller
            await logger.stop()

    record = record_model(project)
    app = FastAPI(
        title=f"driftlab — {project.model_name}",
        version=__version__,
        lifespan=lifespan,
        openapi_tags=[{"name": "predict", "description": "Score records with the champion."}],
    )
    app.state.project = project
    app.state.store = store
    app.state.holder = holder
    app.state.logger = logger
    app.state.telemetry = telemetry
    app.state.record_adapter = TypeAdapter(record)
    app.state.records_adapter = TypeAdapter(list[record])  # type: ignore[valid-type]

    install_error_handlers(app)
    app.include_router(predict.build_router(record.model_json_schema()))
    app.include_router(feedback.router)
    app.include_router(model.router)
    app.include_router(health.router)
    app.include_router(dashboard_router(store, models=(project.model_name,)))
    app.add_middleware(BodyLimitMiddleware, max_bytes=project.serve.max_body_bytes)

    @app.middleware("http")
    async def count_requests(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        telemetry.requests.labels(path, str(response.status_code)).inc()
        if response.status_code >= 400 and path in _SCORED_ROUTES:
            # Logged like predictions (batched, off the request path): the error rate of a
            # monitoring window needs both.
            logger.submit_error(
                ErrorRecord(datetime.now(UTC), project.model_name, path, response.status_code)
            )
        return response

    return app
