"""``driftlab dashboard``: the dashboard alone over a store, with no model loaded."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from driftlab import __version__
from driftlab.dashboard.router import PREFIX, build_router
from driftlab.errors import DriftlabError
from driftlab.store.ports import Store

__all__ = ["create_dashboard_app"]

log = logging.getLogger(__name__)


def create_dashboard_app(
    store: Store,
    *,
    models: tuple[str, ...] = (),
    dependencies: Sequence[Any] = (),
    state: Mapping[str, Any] | None = None,
) -> FastAPI:
    """The dashboard's pages over ``store``; ``/`` redirects to them. Errors a client can cause
    are 4xx with a JSON body ``{"error": ...}``; a store failure is a 503, never a traceback.

    ``dependencies`` run before every page (the CLI passes the server's token check, with the
    authenticator in ``state``): the dashboard itself stays below the server in the layers."""
    app = FastAPI(title="driftlab dashboard", version=__version__, docs_url=None,
                  redoc_url=None, openapi_url=None)  # fmt: skip
    for key, value in (state or {}).items():
        setattr(app.state, key, value)
    app.include_router(build_router(store, models=models), dependencies=list(dependencies))

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse(PREFIX)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Keep WWW-Authenticate: it is what makes a browser ask for the token.
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))  # fmt: skip

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in e["loc"][1:]), "problem": e["msg"],
             "input": e.get("input")}
            for e in exc.errors()
        ]  # fmt: skip
        return JSONResponse({"error": "request is not valid", "problems": problems}, 422)

    @app.exception_handler(DriftlabError)
    async def _store_down(request: Request, exc: DriftlabError) -> JSONResponse:
        log.error("dashboard request failed: %s", exc)
        return JSONResponse({"error": "the store cannot answer right now; retry later"}, 503)

    return app
