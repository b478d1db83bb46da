"""``/docs`` from assets shipped in the package, not from a CDN.

FastAPI's default page loads Swagger UI from cdn.jsdelivr.net (without integrity hashes) and
its favicon from fastapi.tiangolo.com: a server without internet access shows a blank page,
and the page runs whatever the CDN serves. The files in ``static/swagger`` are the npm
package swagger-ui-dist, unmodified (version and licence beside them). ReDoc, which would
also come from a CDN, is not offered.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["ASSETS", "install_docs"]

ASSETS = Path(__file__).parent / "static" / "swagger"
_PREFIX = "/docs/assets"


def install_docs(app: FastAPI) -> None:
    """Serve Swagger UI at ``/docs`` for an app built with ``docs_url=None, redoc_url=None``."""
    app.mount(_PREFIX, StaticFiles(directory=ASSETS), name="swagger-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} — API docs",
            swagger_js_url=f"{root}{_PREFIX}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{_PREFIX}/swagger-ui.css",
            swagger_favicon_url=f"{root}{_PREFIX}/favicon-32x32.png",
            # The validator badge would send the spec's URL to validator.swagger.io.
            swagger_ui_parameters={"validatorUrl": None},
        )
