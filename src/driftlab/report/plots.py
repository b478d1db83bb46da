"""Plotly figures, as plain JSON-able dicts, built from stored results (never from raw data).

Plain dicts rather than ``plotly.graph_objects``: a graph object serializes plotly's whole
default template into every figure (about 7 KB each), which is most of a report's size at
100 features. Styling shared by every figure lives once in the page (``_draw.js.j2``).
"""

from __future__ import annotations

import json
import math
from typing import Any

from driftlab.store.codec import finite

__all__ = [
    "MAX_BARS",
    "distribution_figure",
    "drift_timeline",
    "error_timeline",
    "events_figure",
    "figure_json",
    "latency_timeline",
    "performance_timeline",
]

_REF = "#7f8c8d"
_WIN = "#e67e22"
_PALETTE = ("#2980b9", "#c0392b", "#8e44ad", "#16a085", "#d35400", "#2c3e50")
_SEVERITY_COLORS = {"critical": "#c0392b", "warning": "#e67e22", "info": "#2980b9"}
# Bars per distribution plot: frozen numeric bins can be up to 1000 (monitor.bins), and
# categorical features up to 200 categories; more bars than this are unreadable anyway.
MAX_BARS = 30
_LABEL_MAX = 40
# Features whose PSI is drawn on the drift timeline (largest PSI over the timeline first).
TOP_FEATURES = 5


def _shares(counts: list[int]) -> list[float]:
    total = sum(counts)
    return [round(c / total, 4) if total else 0.0 for c in counts]


def _short(label: str) -> str:
    return label if len(label) <= _LABEL_MAX else label[: _LABEL_MAX - 1] + "…"


def _merge_label(first: str, last: str) -> str:
    """``"948 – 1,072"`` and ``"1,211 – 1,336"`` → ``"948 – 1,336"``.

    >>> _merge_label("948 – 1,072", "1,211 – 1,336"), _merge_label("< 480", "480 – 948")
    ('948 – 1,336', '< 480 … 480 – 948')
    """
    sep = " – "
    if sep in first and sep in last:
        return first.split(sep)[0] + sep + last.split(sep)[-1]
    return f"{first} … {last}"


def _group_bins(
    bins: list[str], ref: list[int], win: list[int], n: int
) -> tuple[list[str], list[int], list[int]]:
    """Adjacent numeric bins joined into at most ``n`` groups, for display only: counts of
    neighbouring frozen bins are added, nothing is re-binned."""
    size = math.ceil(len(bins) / n)
    out_b, out_r, out_w = [], [], []
    for i in range(0, len(bins), size):
        j = min(i + size, len(bins))
        out_b.append(bins[i] if j - i == 1 else _merge_label(bins[i], bins[j - 1]))
        out_r.append(sum(ref[i:j]))
        out_w.append(sum(win[i:j]))
    return out_b, out_r, out_w


def distribution_figure(feature: dict[str, Any]) -> dict[str, Any]:
    """Reference vs window share per frozen bin (numeric) or category (categorical)."""
    bins, ref_c, win_c = feature["bins"], feature["reference_counts"], feature["window_counts"]
    numeric = feature["kind"] == "numeric"
    note = ""
    if numeric and len(bins) > MAX_BARS:
        bins, ref_c, win_c = _group_bins(bins, ref_c, win_c, MAX_BARS)
        note = " (neighbouring bins joined)"
    ref, win = _shares(ref_c), _shares(win_c)
    if not numeric and len(bins) > MAX_BARS:
        # The categories whose share changed most, largest change first.
        order = sorted(range(len(bins)), key=lambda i: -abs(win[i] - ref[i]))[:MAX_BARS]
        bins, ref, win = [bins[i] for i in order], [ref[i] for i in order], [win[i] for i in order]
        note = f" ({MAX_BARS} largest changes)"
    labels = [_short(str(b)) for b in bins]
    unit = "bin" if numeric else "category"
    data = [
        {"type": "bar", "x": labels, "y": ref, "name": "training reference",
         "marker": {"color": _REF}},
        {"type": "bar", "x": labels, "y": win, "name": "window", "marker": {"color": _WIN}},
    ]  # fmt: skip
    return {
        "data": data,
        "layout": {
            "barmode": "group",
            "title": {"text": f"{feature['feature']} — share of rows per {unit}{note}"},
            "yaxis": {"tickformat": ".0%"},
        },
    }


def _decision_marks(decisions: list[dict[str, Any]]) -> dict[str, Any]:
    """Vertical lines where a retraining decision was taken: green promoted, grey kept."""
    shapes, notes = [], []
    for d in decisions:
        color = "#27ae60" if d.get("promoted") else "#95a5a6"
        shapes.append(
            {"type": "line", "xref": "x", "yref": "paper", "x0": d["ts"], "x1": d["ts"],
             "y0": 0, "y1": 1, "line": {"color": color, "dash": "dot", "width": 2}}
        )  # fmt: skip
        what = f"v{d.get('challenger_version')} promoted" if d.get("promoted") else "kept"
        notes.append(
            {"x": d["ts"], "xref": "x", "y": 1, "yref": "paper", "text": what, "xshift": 3,
             "showarrow": False, "yanchor": "top", "xanchor": "left",
             "font": {"size": 10, "color": color}}
        )  # fmt: skip
    return {"shapes": shapes, "annotations": notes}


def _xs(points: list[dict[str, Any]]) -> list[str]:
    return [p["ts"] for p in points]


def _hover(points: list[dict[str, Any]]) -> list[str]:
    return [f"run {p['run_id']} · v{p['model_version']} · {p['n_rows']} rows" for p in points]


def _timeline(title: str, points: list[dict[str, Any]], data: list[dict[str, Any]],
              decisions: list[dict[str, Any]], **layout: Any) -> dict[str, Any]:  # fmt: skip
    """A figure over runs. Each trace carries the run ids as ``customdata``, so a page can open
    the run a clicked point stands for (the dashboard does)."""
    ids = [p["run_id"] for p in points]
    for trace in data:
        trace["customdata"] = ids
    return {
        "data": data,
        "layout": {"title": {"text": title}, "xaxis": {"type": "date"}, **layout,
                   **_decision_marks(decisions)},
    }  # fmt: skip


def top_features(points: list[dict[str, Any]], n: int = TOP_FEATURES) -> list[str]:
    """The ``n`` features with the largest PSI anywhere on the timeline.

    >>> top_features([{"psi": {"a": 0.1, "b": 0.5}}, {"psi": {"a": 0.9, "c": None}}], 2)
    ['a', 'b']
    """
    best: dict[str, float] = {}
    for p in points:
        for name, v in p["psi"].items():
            if v is not None:
                best[name] = max(best.get(name, v), v)
    return sorted(best, key=lambda k: (-best[k], k))[:n]


def drift_timeline(points: list[dict[str, Any]], decisions: list[dict[str, Any]]) -> dict | None:
    """Share of drifted features (left axis) and the top features' PSI (right axis)."""
    if not any(p["psi"] for p in points):
        return None
    xs, text = _xs(points), _hover(points)
    data: list[dict[str, Any]] = [
        {"type": "scatter", "mode": "lines+markers", "x": xs, "text": text,
         "y": [p["drift_share"] for p in points], "name": "share of features drifted",
         "line": {"color": "#2c3e50", "width": 3}},
    ]  # fmt: skip
    for i, name in enumerate(top_features(points)):
        data.append(
            {"type": "scatter", "mode": "lines+markers", "x": xs, "text": text, "yaxis": "y2",
             "y": [p["psi"].get(name) for p in points], "name": f"PSI {name}",
             "line": {"dash": "dot", "color": _PALETTE[i % len(_PALETTE)]}}
        )  # fmt: skip
    return _timeline(
        "Drift over time", points, data, decisions,
        yaxis={"title": {"text": "drifted share"}, "tickformat": ".0%", "range": [0, 1.05]},
        yaxis2={"title": {"text": "PSI"}, "overlaying": "y", "side": "right", "rangemode": "tozero",
                "showgrid": False},
    )  # fmt: skip


def performance_timeline(
    points: list[dict[str, Any]], decisions: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """The primary metric per run: realized (with its bootstrap interval), estimated without
    labels (with its band) and the training holdout's value."""
    metric = next((p["metric"]["name"] for p in reversed(points) if p["metric"]["name"]), None)
    own = [p for p in points if p["metric"]["name"] == metric]
    series = {k: [p["metric"][k] for p in own] for k in ("realized", "estimated", "holdout")}
    if metric is None or not any(v is not None for vs in series.values() for v in vs):
        return None
    xs, text = _xs(own), _hover(own)

    def error_bars(key: str, values: list[float | None]) -> dict[str, Any]:
        # Distances from each value to the ends of its stored interval or band.
        pairs = [(p["metric"][key], v) for p, v in zip(own, values, strict=True)]
        up = [r[1] - v if r and v is not None else None for r, v in pairs]
        down = [v - r[0] if r and v is not None else None for r, v in pairs]
        return {"type": "data", "symmetric": False, "thickness": 1, "array": up,
                "arrayminus": down}  # fmt: skip

    data = [
        {"type": "scatter", "mode": "lines+markers", "x": xs, "text": text, "name": "realized",
         "y": series["realized"], "error_y": error_bars("interval", series["realized"]),
         "line": {"color": "#2980b9", "width": 3}},
        {"type": "scatter", "mode": "lines+markers", "x": xs, "text": text,
         "name": "estimated (no labels)", "y": series["estimated"],
         "error_y": error_bars("band", series["estimated"]),
         "line": {"color": "#8e44ad", "dash": "dash"}},
        {"type": "scatter", "mode": "lines", "x": xs, "text": text, "name": "training holdout",
         "y": series["holdout"], "line": {"color": "#7f8c8d", "shape": "hv"}},
    ]  # fmt: skip
    return _timeline(f"Performance over time — {metric}", own, data, decisions,
                     yaxis={"title": {"text": metric}})  # fmt: skip


def latency_timeline(
    points: list[dict[str, Any]], decisions: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """Latency percentiles of the logged requests per window."""
    if not any(p["latency_ms"] for p in points):
        return None
    xs, text = _xs(points), _hover(points)
    data = [
        {"type": "scatter", "mode": "lines+markers", "x": xs, "text": text, "name": q,
         "y": [p["latency_ms"].get(q) for p in points], "line": {"color": c}}
        for q, c in (("p50", "#16a085"), ("p95", "#e67e22"), ("p99", "#c0392b"))
    ]  # fmt: skip
    return _timeline("Latency per window", points, data, decisions,
                     yaxis={"title": {"text": "ms"}, "rangemode": "tozero"})  # fmt: skip


def error_timeline(
    points: list[dict[str, Any]], decisions: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """Share of 4xx and 5xx answers per window."""
    if not any(p["error_rates"] for p in points):
        return None
    xs, text = _xs(points), _hover(points)
    data = [
        {"type": "scatter", "mode": "lines+markers", "x": xs, "text": text, "name": k,
         "y": [p["error_rates"].get(k) for p in points], "line": {"color": c}}
        for k, c in (("4xx", "#e67e22"), ("5xx", "#c0392b"))
    ]  # fmt: skip
    # Scaled to the largest rate shown, at least 0 to 1 %: plotly would span 0 to 100 % when
    # every rate is zero, which makes a healthy service look like an empty chart.
    top = max((v for t in data for v in t["y"] if v is not None), default=0.0)
    return _timeline("Error rate per window", points, data, decisions,
                     yaxis={"title": {"text": "share of answers"}, "tickformat": ".1%",
                            "range": [0, max(0.01, top * 1.15)]})  # fmt: skip


def events_figure(
    points: list[dict[str, Any]], decisions: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """Alerts per run by severity (bar height = count, hover = what fired) and retraining
    decisions (vertical markers)."""
    if not decisions and not any(p["alerts"] for p in points):
        return None
    xs = _xs(points)
    data = []
    for severity in ("critical", "warning", "info"):
        hits = [[a for a in p["alerts"] if a["severity"] == severity] for p in points]
        if not any(hits):
            continue
        data.append(
            {"type": "bar", "x": xs, "y": [len(h) for h in hits], "name": f"{severity} alerts",
             "marker": {"color": _SEVERITY_COLORS[severity]},
             "hovertext": ["<br>".join(f"{a['kind']}: {a['subject']}" for a in h[:10])
                           + (f"<br>… {len(h) - 10} more" if len(h) > 10 else "") for h in hits]}
        )  # fmt: skip
    return _timeline("Alerts and retraining", points, data, decisions, barmode="stack",
                     yaxis={"title": {"text": "alerts"}, "rangemode": "tozero"})  # fmt: skip


def figure_json(fig: Any) -> str:
    """Compact JSON of a figure (a dict, or a plotly ``Figure`` without its template) that is
    safe inside a ``<script>`` element.

    >>> figure_json({"layout": {"title": {"text": "</script>"}}, "data": [{"y": [float("nan")]}]})
    '{"layout":{"title":{"text":"<\\\\/script>"}},"data":[{"y":[null]}]}'
    """
    if hasattr(fig, "to_json"):  # a plotly Figure: its default template is styled by the page
        fig = json.loads(fig.to_json())
        fig.get("layout", {}).pop("template", None)
    text = json.dumps(finite(fig), separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    # "</" would end the script element early; "<\/" means the same inside a JSON string.
    return text.replace("</", "<\\/")
