"""The FastAPI app factory: the server's composition root."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import multiprocessing
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from pydantic import TypeAdapter
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from threadpoolctl import threadpool_limits

from driftlab import __version__
from driftlab.config import Project
from driftlab.dashboard.router import build_router as dashboard_router
from driftlab.predlog.build import logger_from_settings
from driftlab.predlog.drain_process import StoreFactory, usable_url
from driftlab.predlog.logger import PredictionLogger
from driftlab.predlog.metrics import LogMetrics
from driftlab.registry.base import Registry
from driftlab.schema import record_model
from driftlab.serve.docs_page import install_docs
from driftlab.serve.errors import BodyLimitMiddleware, install_error_handlers
from driftlab.serve.holder import ModelHolder, Served
from driftlab.serve.http_limits import RequestHeadMiddleware
from driftlab.serve.request_metrics import Telemetry
from driftlab.serve.routes import feedback, health, model, predict
from driftlab.serve.security import Authenticator, RateLimitMiddleware, require_token
from driftlab.store import ErrorRecord, Store
from driftlab.store.opener import SqlStoreOpener

__all__ = ["create_app"]

_SCORED_ROUTES = frozenset({"/v1/predict", "/v1/feedback"})

log = logging.getLogger(__name__)


def freeze_heap() -> None:
    """Move what is alive now (modules, the model, its ONNX session: some 400,000 objects)
    out of the garbage collector's sight. Otherwise every full collection walked them all,
    100-250 ms with the event loop stopped: the p99 of requests whose p50 was 13 ms. Run
    after each model load; the previous model's objects are collected first.

    >>> import gc
    >>> freeze_heap(); gc.get_freeze_count() > 0
    True
    >>> gc.unfreeze()
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _child_store(store: Store) -> StoreFactory | None:
    """A picklable opener of ``store`` for the drain child process (predlog/drain_process.py),
    or None to drain in a thread: for a store that is not a database URL (e.g. a test
    double), an in-memory SQLite (a child would open another, empty one), or in a daemonic
    process, which may not start children."""
    url = getattr(store, "url", None)
    if not isinstance(url, str) or not usable_url(url):
        return None
    if multiprocessing.current_process().daemon:
        return None
    return SqlStoreOpener(url)


def create_app(project: Project, store: Store, registry: Registry) -> FastAPI:
    """Build the API around the given adapters. The lifespan loads the champion, starts the
    prediction logger and, when ``serve.reload_interval_s`` > 0, polls for a new champion.

    Tokens are read from the environment variables named in ``serve.token_envs`` now; raises
    ConfigError when ``serve.auth = "on"`` and none is set."""
    serve = project.serve
    auth = Authenticator.from_settings(serve)
    telemetry = Telemetry()
    cfg = project.store

    def swapped(served: Served) -> None:
        telemetry.model_swapped(served)
        freeze_heap()

    holder = ModelHolder(
        registry, project.model_name, onnx=serve.onnx, threads=serve.threads, on_swap=swapped
    )
    logger = logger_from_settings(
        cfg,
        store,
        child_store=_child_store(store),
        metrics=LogMetrics(telemetry.registry),
        on_failure=telemetry.log_failures.inc,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Caps OpenMP/BLAS pools created from now on in this process (the event loop's thread
        # and, through the inherited defaults, the worker threads): N workers × 1 thread.
        threadpool_limits(limits=serve.threads)
        app.state.model_executor = predict.model_executor()  # fresh: a prior stop shut it
        if not auth.enabled:
            why = "serve.auth = off" if serve.auth == "off" else ", ".join(serve.token_envs)
            log.warning("no API token is set (%s): /v1/feedback and /v1/model/reload are open", why)
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
            app.state.model_executor.shutdown(wait=False)
            telemetry.worker_exited()

    record = record_model(project)
    app = FastAPI(
        title=f"driftlab — {project.model_name}",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,  # served from the package by install_docs, not from a CDN
        redoc_url=None,
        openapi_tags=[{"name": "predict", "description": "Score records with the champion."}],
    )
    app.state.project = project
    app.state.store = store
    app.state.holder = holder
    app.state.logger = logger
    app.state.telemetry = telemetry
    app.state.auth = auth
    app.state.record_adapter = TypeAdapter(record)
    app.state.records_adapter = TypeAdapter(list[record])  # type: ignore[valid-type]
    app.state.record_fields = frozenset(record.model_fields)
    app.state.model_executor = predict.model_executor()

    install_error_handlers(app)
    install_docs(app)
    predict_token = auth.enabled and auth.predict
    app.include_router(
        predict.build_router(record.model_json_schema(), token_required=predict_token)
    )
    app.include_router(feedback.router)
    app.include_router(model.router)
    app.include_router(health.router)
    app.include_router(
        dashboard_router(store, models=(project.model_name,)),
        dependencies=[require_token("dashboard")],
    )
    app.add_middleware(BodyLimitMiddleware, max_bytes=serve.max_body_bytes)
    if serve.rate_limit_per_s > 0:
        app.add_middleware(
            RateLimitMiddleware, rate=serve.rate_limit_per_s, burst=serve.rate_limit_burst,
            auth=auth,
        )  # fmt: skip
    if serve.cors_origins:
        # Off by default: a browser page from another origin may call the API only when listed.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=serve.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )

    # Outermost of our middlewares, so 413s, 429s and 401s are counted too.
    app.add_middleware(CountRequests, telemetry=telemetry, logger=logger, model=project.model_name)
    # Outermost: an ambiguous length or an oversized head is refused before anything reads it.
    app.add_middleware(RequestHeadMiddleware)
    return app


class CountRequests:
    """Count every answer by route and status, and log 4xx/5xx of the scored routes.

    A plain ASGI middleware: ``@app.middleware("http")`` (BaseHTTPMiddleware) runs each request
    through an extra task and body stream, which cost more CPU than scoring the record.
    """

    def __init__(
        self, app: ASGIApp, *, telemetry: Telemetry, logger: PredictionLogger, model: str
    ) -> None:
        self.app = app
        self.telemetry = telemetry
        self.logger = logger
        self.model = model

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # an exception before the response started is a 500 to the client

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            path = getattr(scope.get("route"), "path", "unmatched")
            self.telemetry.requests.labels(path, str(status)).inc()
            if status >= 400 and path in _SCORED_ROUTES:
                # Logged like predictions (batched, off the request path): the error rate of a
                # monitoring window needs both.
                self.logger.submit_error(ErrorRecord(datetime.now(UTC), self.model, path, status))
