"""The dashboard's pages. Every page only reads the store; nothing here computes a statistic."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Collection
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from driftlab import __version__
from driftlab.errors import UnknownRunError
from driftlab.report.data import HISTORY_LIMIT, ReportData, load_report
from driftlab.report.html import environment, history_view, render_json, run_view
from driftlab.store.ports import Store

__all__ = ["PREFIX", "build_router", "security_headers"]

PREFIX = "/dashboard"
# Timelines longer than this are slow to read from the store and to draw.
_MAX_HISTORY = 1000
# Run ids are 64-bit integers in the store: an id outside that range is no run's.
_ID_MIN, _ID_MAX = -(2**63), 2**63 - 1


@functools.cache
def _env() -> Environment:
    return environment(PackageLoader("driftlab.dashboard", "templates"))


@functools.cache
def plotly_js_path() -> Path:
    """plotly.js as shipped inside the installed plotly package: no CDN, works offline."""
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def _base(request: Request) -> str:
    # Behind a proxy that mounts the app under a path, links must keep that path.
    return str(request.scope.get("root_path", "")).rstrip("/") + PREFIX


def security_headers(nonce: str | None = None) -> dict[str, str]:
    """Headers on every dashboard answer. The pages show monitoring and fairness results: no
    framing (clickjacking), no caching (a shared browser or proxy keeping them after logout),
    no content sniffing, and scripts only from this server or inline with this page's nonce.
    Styles may be inline: the pages' own ``style`` attributes, and plotly.js sets style
    attributes as it draws."""
    scripts = f"'self' 'nonce-{nonce}'" if nonce else "'self'"
    csp = (
        f"default-src 'self'; script-src {scripts}; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
    return {
        "Content-Security-Policy": csp,
        "X-Frame-Options": "DENY",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }


def _page(request: Request, template: str, **context: Any) -> HTMLResponse:
    base = _base(request)
    nonce = secrets.token_urlsafe(16)  # fresh per answer: a nonce an attacker can guess is none
    html = (
        _env()
        .get_template(template)
        .render(base=base, version=__version__, csp_nonce=nonce, **context)
    )
    return HTMLResponse(html, headers=security_headers(nonce))


def _models(store: Store, known: Collection[str]) -> dict[str, list[dict[str, Any]]]:
    """Model name → the versions that served predictions (with counts), known models first."""
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in known}
    for v in store.model_versions():
        out.setdefault(v.model_name, []).append(v.to_dict())
    return out


def build_router(store: Store, *, models: Collection[str] = ()) -> APIRouter:
    """The dashboard's routes over ``store``. ``models`` are listed even before they served a
    prediction (the server passes the model it serves)."""
    router = APIRouter(prefix=PREFIX, tags=["dashboard"], include_in_schema=False)

    def run_link_for(request: Request) -> Any:
        base = _base(request)
        return lambda run_id: Markup('<a href="{}/runs/{}">{}</a>').format(base, run_id, run_id)

    @router.get("", response_class=HTMLResponse)
    def index(request: Request) -> HTMLResponse:
        rows = []
        for name, versions in sorted(_models(store, models).items()):
            latest = store.runs(name, limit=1)
            decisions = store.decisions(name, limit=1)
            rows.append(
                {
                    "name": name,
                    "versions": versions,
                    "n_predictions": sum(v["n_predictions"] for v in versions),
                    "latest": latest[0] if latest else None,
                    "decision": decisions[0].to_dict() if decisions else None,
                }
            )
        return _page(request, "dash_index.html.j2", models=rows)

    @router.get("/models/{name}", response_class=HTMLResponse)
    def model_page(
        request: Request,
        name: str,
        history: Annotated[int, Query(ge=1, le=_MAX_HISTORY)] = HISTORY_LIMIT,
    ) -> HTMLResponse:
        versions = _models(store, models).get(name)
        if not store.runs(name, limit=1):
            if versions is None:
                raise HTTPException(
                    404, f"no model {name!r} in the store; the models are listed at {PREFIX}"
                )
            return _page(request, "dash_model.html.j2", name=name, versions=versions, data=None)
        data = load_report(store, name, history=history)
        return _page(
            request,
            "dash_model.html.j2",
            name=name,
            versions=versions or [],
            data=data,
            runs=list(reversed(data.timeline)),
            **history_view(data, run_link_for(request)),
        )

    def _report(run_id: int) -> ReportData:
        if not _ID_MIN <= run_id <= _ID_MAX:  # SQLite and PostgreSQL would raise, not miss
            raise HTTPException(
                404, f"no monitoring run with id {run_id}: run ids are 64-bit integers; each "
                f"model's runs are listed at {PREFIX}/models/<name>",
            )  # fmt: skip
        try:
            run = store.get_run(run_id)
        except UnknownRunError as e:
            raise HTTPException(404, str(e)) from None
        return load_report(store, run.model_name, run_id, history=1)

    @router.get("/runs/{run_id}", response_class=HTMLResponse)
    def run_page(request: Request, run_id: int) -> HTMLResponse:
        data = _report(run_id)
        return _page(request, "dash_run.html.j2", **run_view(_env(), data.run, data.alert_log))

    @router.get("/runs/{run_id}/export.json")
    def run_export(run_id: int) -> Response:
        """The run's report as JSON: the same document as ``driftlab report --format json``."""
        return Response(
            render_json(_report(run_id)), media_type="application/json", headers=security_headers()
        )

    @router.get("/static/plotly.min.js")
    def plotly_js() -> FileResponse:
        return FileResponse(
            plotly_js_path(),
            media_type="text/javascript",
            # The same file for everyone, nothing private: cacheable, unlike the pages.
            headers={**security_headers(), "Cache-Control": "public, max-age=86400"},
        )

    return router
