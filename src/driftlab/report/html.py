"""Render a stored monitoring run as one self-contained, offline HTML file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from driftlab.report.plots import distribution_figure, figure_html
from driftlab.store.base import StoredRun
from driftlab.text import num, p_value

__all__ = ["render_report", "write_report"]


def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("driftlab.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    env.filters["num"] = num
    env.filters["pval"] = p_value
    return env


def render_report(run: StoredRun, decisions: list[dict[str, Any]]) -> str:
    """HTML for ``run``; plots for drifted features first, then the rest."""
    from plotly.offline import get_plotlyjs

    result = run.result
    features = sorted(result.get("features", []), key=lambda f: (not f["drifted"], -f["psi"]))
    plots = [
        {
            "feature": f["feature"],
            "drifted": f["drifted"],
            "html": figure_html(distribution_figure(f), f"plot-{i}"),
        }
        for i, f in enumerate(features)
    ]
    pred = result.get("prediction_drift")
    prediction_plot = figure_html(distribution_figure(pred), "plot-prediction") if pred else ""
    return (
        _env()
        .get_template("report.html.j2")
        .render(
            run=run,
            result=result,
            features=features,
            plots=plots,
            decisions=decisions,
            plotlyjs=get_plotlyjs(),
            prediction_plot=prediction_plot,
        )
    )


def write_report(run: StoredRun, decisions: list[dict[str, Any]], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(run, decisions), encoding="utf-8")
    return path
