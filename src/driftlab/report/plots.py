"""Plotly figures built from stored results (never from raw data)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

__all__ = ["distribution_figure", "figure_json"]

_REF = "#7f8c8d"
_WIN = "#e67e22"


def _shares(counts: list[int]) -> list[float]:
    total = sum(counts)
    return [c / total if total else 0.0 for c in counts]


def distribution_figure(feature: dict[str, Any]) -> go.Figure:
    """Reference vs window share per frozen bin (numeric) or category (categorical)."""
    bins = feature["bins"]
    ref = _shares(feature["reference_counts"])
    win = _shares(feature["window_counts"])
    if feature["kind"] == "categorical" and len(bins) > 30:
        # Keep the 30 categories with the largest share change readable.
        order = sorted(range(len(bins)), key=lambda i: -abs(win[i] - ref[i]))[:30]
        bins, ref, win = [bins[i] for i in order], [ref[i] for i in order], [win[i] for i in order]
    unit = "bin" if feature["kind"] == "numeric" else "category"
    fig = go.Figure()
    fig.add_bar(x=bins, y=ref, name="training reference", marker_color=_REF)
    fig.add_bar(x=bins, y=win, name="window", marker_color=_WIN)
    fig.update_layout(
        barmode="group",
        title=f"{feature['feature']} — share of rows per {unit}",
        yaxis_tickformat=".0%",
        height=320,
        margin={"l": 40, "r": 10, "t": 40, "b": 60},
        legend={"orientation": "h", "y": 1.12, "x": 1, "xanchor": "right"},
    )
    return fig


def figure_json(fig: go.Figure) -> str:
    """The figure as JSON that is safe inside a ``<script>`` element."""
    # "</" would end the script element early; "<\/" means the same inside a JSON string.
    return str(fig.to_json()).replace("</", "<\\/")
