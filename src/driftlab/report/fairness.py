"""Figures of the report's fairness and compliance sections, from the stored result only."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from driftlab.report.plots import figure_json

__all__ = ["compliance_figure", "fairness_context", "group_rates_figure"]

_REF = "#7f8c8d"
_WIN = "#e67e22"
_PROHIBITED = "#c0392b"


def _err(rates: list[float | None], cis: list[list[float]]) -> dict[str, Any]:
    return {
        "type": "data",
        "symmetric": False,
        "array": [(c[1] - r) if r is not None else 0 for r, c in zip(rates, cis, strict=True)],
        "arrayminus": [(r - c[0]) if r is not None else 0 for r, c in zip(rates, cis, strict=True)],
    }


def group_rates_figure(attribute: str, groups: list[dict], reference: list[dict]) -> go.Figure:
    """Selection rate, TPR and FPR per group in the window (95 % Wilson error bars), with the
    training reference's rates as grey markers."""
    fig = go.Figure()
    ref = {g["group"]: g for g in reference}
    for key, ci, label in (
        ("selection_rate", "selection_ci", "selection rate"),
        ("tpr", "tpr_ci", "true-positive rate"),
        ("fpr", "fpr_ci", "false-positive rate"),
    ):
        if all(g.get(key) is None for g in groups):
            continue
        xs = [f"{label}<br>{g['group']}" for g in groups]
        rates = [g.get(key) for g in groups]
        fig.add_bar(
            x=xs,
            y=rates,
            name=label,
            marker_color=_WIN,
            showlegend=False,
            error_y=_err(rates, [g[ci] for g in groups]),
        )
        fig.add_scatter(
            x=xs,
            y=[ref.get(g["group"], {}).get(key) for g in groups],
            mode="markers",
            marker={"color": _REF, "size": 11, "symbol": "line-ew-open", "line": {"width": 3}},
            name="training reference",
            showlegend=key == "selection_rate",
        )
    fig.update_layout(
        title=f"{attribute}: rates per group (window, 95% Wilson intervals; grey: training)",
        yaxis_tickformat=".0%",
        yaxis_range=[0, 1.05],
        height=340,
        margin={"l": 40, "r": 10, "t": 40, "b": 70},
        legend={"orientation": "h", "y": 1.12, "x": 1, "xanchor": "right"},
    )
    return fig


def compliance_figure(checks: list[dict], limit: float | None) -> go.Figure:
    """Share of decisions that change when each input is shuffled; prohibited features in
    red; the limit as a dashed line."""
    rel = sorted((c for c in checks if c["check"] == "reliance"), key=lambda c: -c["value"])
    fig = go.Figure()
    fig.add_bar(
        x=[c["feature"] for c in rel],
        y=[c["value"] for c in rel],
        marker_color=[_PROHIBITED if c["prohibited"] else _WIN for c in rel],
        error_y=_err([c["value"] for c in rel], [c["interval"] for c in rel]),
        name="window",
    )
    fig.add_scatter(
        x=[c["feature"] for c in rel],
        y=[c["reference"] for c in rel],
        mode="markers",
        marker={"color": _REF, "size": 11, "symbol": "line-ew-open", "line": {"width": 3}},
        name="training reference",
    )
    if limit is not None:
        fig.add_hline(
            y=limit,
            line_dash="dash",
            line_color=_PROHIBITED,
            annotation_text=f"limit {limit:.0%} (prohibited features)",
        )
    fig.update_layout(
        title="Reliance: share of decisions that change when the feature is shuffled "
        "(red: prohibited)",
        yaxis_tickformat=".0%",
        height=360,
        margin={"l": 40, "r": 10, "t": 40, "b": 90},
        legend={"orientation": "h", "y": 1.12, "x": 1, "xanchor": "right"},
    )
    return fig


def fairness_context(result: dict[str, Any]) -> dict[str, Any]:
    """What ``_fairness.html.j2`` needs: the stored sections and their figures as JSON."""
    fairness, compliance = result.get("fairness"), result.get("compliance")
    plots = []
    if fairness:
        attributes = list(dict.fromkeys(g["attribute"] for g in fairness["groups"]))
        for i, attr in enumerate(attributes):
            groups = [g for g in fairness["groups"] if g["attribute"] == attr]
            ref = [g for g in fairness["reference_groups"] if g["attribute"] == attr]
            plots.append(
                {
                    "id": f"plot-fairness-{i}",
                    "json": figure_json(group_rates_figure(attr, groups, ref)),
                }
            )
    compliance_plot = None
    if compliance and any(c["check"] == "reliance" for c in compliance["checks"]):
        limit = next(
            (
                c["limit"]
                for c in compliance["checks"]
                if c["check"] == "reliance" and c["limit"] is not None
            ),
            None,
        )
        compliance_plot = {
            "id": "plot-compliance",
            "json": figure_json(compliance_figure(compliance["checks"], limit)),
        }
    return {
        "fairness": fairness,
        "compliance": compliance,
        "fairness_plots": plots,
        "compliance_plot": compliance_plot,
    }
