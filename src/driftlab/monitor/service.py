"""Service health of a window, from the prediction log: latency percentiles and throughput."""

from __future__ import annotations

import numpy as np
import pandas as pd

from driftlab.monitor.result import ServiceHealth
from driftlab.text import num

__all__ = ["service_health"]


def service_health(window: pd.DataFrame, *, max_p99_ms: float | None) -> ServiceHealth | None:
    """p50/p95/p99 of the logged request latency and rows per second over the window's span.

    A batch request logs its latency on every record it scored, so percentiles are per
    record. ``max_p99_ms`` is the SLO; above it the status is ``slo_breach``.
    """
    if window.empty:
        return None
    latency = window["latency_ms"].to_numpy(dtype=float)
    p50, p95, p99 = (float(v) for v in np.percentile(latency, [50, 95, 99]))
    ts = pd.to_datetime(window["ts"], utc=True)
    span = (ts.max() - ts.min()).total_seconds()
    throughput = len(window) / span if span > 0 else 0.0
    breach = max_p99_ms is not None and p99 > max_p99_ms
    message = (
        f"Latency SLO breached: p99 {num(p99)} ms over {len(window)} predictions "
        f"(limit {num(max_p99_ms)} ms); p50 {num(p50)} ms, p95 {num(p95)} ms."
        if breach
        else f"Latency p50 {num(p50)} ms, p95 {num(p95)} ms, p99 {num(p99)} ms; "
        f"{num(throughput)} predictions/s over the window."
    )
    return ServiceHealth(
        "slo_breach" if breach else "ok", len(window),
        {"p50": p50, "p95": p95, "p99": p99}, throughput, message,
    )  # fmt: skip
