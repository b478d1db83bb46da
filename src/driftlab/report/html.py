"""Render stored monitoring results as HTML: the self-contained report, and the pieces the
dashboard reuses (one Jinja environment, the run and history views)."""

from __future__ import annotations

import base64
import functools
import gzip
import importlib
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, ChoiceLoader, Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from driftlab import __version__
from driftlab.formatting import num, p_value
from driftlab.report.data import ReportData
from driftlab.report.fairness import fairness_context
from driftlab.report.plots import (
    distribution_figure,
    drift_timeline,
    error_timeline,
    events_figure,
    figure_json,
    finite,
    latency_timeline,
    performance_timeline,
)
from driftlab.store import StoredRun

__all__ = [
    "environment",
    "history_view",
    "render_json",
    "render_report",
    "run_view",
    "write_report",
]


def _fixed(value: Any, digits: int = 3) -> str:
    """``0.12345`` → ``"0.123"``; missing → ``"–"``.

    >>> _fixed(0.12345), _fixed(None), _fixed(12.0, 1)
    ('0.123', '–', '12.0')
    """
    return "–" if value is None else f"{value:.{digits}f}"


def _percent(value: Any) -> str:
    """A share as a percentage; missing → ``"–"``.

    >>> _percent(0.0123), _percent(None)
    ('1.23%', '–')
    """
    return "–" if value is None else f"{value * 100:.2f}%"


def _when(iso: str) -> str:
    """An ISO time as shown in tables (UTC, to the second).

    >>> _when("2026-11-25T14:22:35.527202+00:00")
    '2026-11-25 14:22:35'
    """
    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M:%S")


def environment(*loaders: BaseLoader) -> Environment:
    """The report's templates and filters; ``loaders`` come first (the dashboard's pages)."""
    env = Environment(
        loader=ChoiceLoader([*loaders, PackageLoader("driftlab.report", "templates")]),
        autoescape=select_autoescape(["html", "j2"]),
    )
    env.filters.update(num=num, pval=p_value, fixed=_fixed, percent=_percent, when=_when)
    return env


def _plot(plot_id: str, fig: dict[str, Any]) -> dict[str, str]:
    return {"id": plot_id, "json": figure_json(fig)}


def _sections(env: Environment, result: dict[str, Any]) -> list[dict[str, Any]]:
    """The optional sections (``templates/sections/*.html.j2``) with their context: for
    ``sections/<name>.html.j2``, ``driftlab.report.<name>.context(result)`` if it exists."""
    out = []
    for template in sorted(env.list_templates(extensions=["j2"])):
        if not template.startswith("sections/"):
            continue
        name = template.removeprefix("sections/").removesuffix(".html.j2")
        try:
            module = importlib.import_module(f"driftlab.report.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"driftlab.report.{name}":
                raise  # the module exists but one of its imports is missing: say so
            module = None
        make = getattr(module, "context", None)
        out.append({"template": template, "context": make(result) if make else {}})
    return out


def run_view(env: Environment, run: StoredRun, alert_log: list[dict[str, Any]]) -> dict[str, Any]:
    """What ``run.html.j2`` needs: features drifted first (largest PSI first), one plot per
    feature and for the model output, each alert's delivery, the optional sections."""
    result = run.result
    features = sorted(
        result.get("features") or [], key=lambda f: (not f["drifted"], -(f["psi"] or 0.0))
    )
    plots = [_plot(f"plot-{i}", distribution_figure(f)) for i, f in enumerate(features)]
    features = [{**f, "plot_id": p["id"]} for f, p in zip(features, plots, strict=True)]
    pred = result.get("prediction_drift")
    return {
        "run": run,
        "result": result,
        "features": features,
        "plots": plots,
        "prediction_plot": _plot("plot-prediction", distribution_figure(pred)) if pred else None,
        "deliveries": {a["fingerprint"]: a["sent"] for a in alert_log if a["run_id"] == run.id},
        "sections": _sections(env, result),
        # fairness, compliance, fairness_plots, compliance_plot for _fairness.html.j2
        **fairness_context(result),
    }


def history_view(
    data: ReportData, run_link: Callable[[int], Markup] | None = None
) -> dict[str, Any]:
    """What ``history.html.j2`` needs: the timelines, alert log and decisions."""
    points, decisions = data.timeline, data.decisions
    figures = [
        ("timeline-performance", performance_timeline(points, decisions)),
        ("timeline-drift", drift_timeline(points, decisions)),
        ("timeline-latency", latency_timeline(points, decisions)),
        ("timeline-errors", error_timeline(points, decisions)),
        ("timeline-events", events_figure(points, decisions)),
    ]
    return {
        "timeline": points,
        "timeline_plots": [_plot(i, f) for i, f in figures if f is not None],
        "alert_log": data.alert_log,
        "decisions": decisions,
        "run_link": run_link or (lambda run_id: Markup("{}").format(run_id)),
    }


def render_report(data: ReportData) -> str:
    """The self-contained HTML report of ``data``: the run's sections, then its history."""
    env = environment()
    return env.get_template("report.html.j2").render(
        **run_view(env, data.run, data.alert_log),
        **history_view(data),
        plotlyjs_gz=_plotlyjs_gz(),
        version=__version__,
    )


@functools.cache
def _plotlyjs_gz() -> str:
    """plotly.js, gzipped and base64-encoded: 1.9 MB in the page instead of 4.8 MB. The page
    inflates it with the browser's DecompressionStream, so it still works offline."""
    from plotly.offline import get_plotlyjs

    packed = gzip.compress(get_plotlyjs().encode("utf-8"), compresslevel=9, mtime=0)
    return base64.b64encode(packed).decode("ascii")


def render_json(data: ReportData) -> str:
    """The JSON export: the same stored data gives the same bytes. Keys keep the order the
    results were stored in (metrics in the order they were computed), which json.loads keeps,
    so an export read back renders exactly as the store does."""
    doc = finite(data.to_export())
    return json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def write_report(data: ReportData, path: Path, *, fmt: str = "html") -> Path:
    """Write the report of ``data`` as ``fmt`` (``html`` or ``json``) to ``path``."""
    text = render_json(data) if fmt == "json" else render_report(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
