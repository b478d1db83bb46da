"""Service health of a window, from the prediction log: latency percentiles and throughput."""

from __future__ import annotations

import numpy as np
import pandas as pd

from driftlab.formatting import num
from driftlab.monitor.result import ServiceHealth

__all__ = ["service_health"]


def service_health(
    window: pd.DataFrame,
    *,
    max_p99_ms: float | None,
    errors: dict[str, int] | None = None,
    max_error_rate: float | None = None,
) -> ServiceHealth | None:
    """p50/p95/p99 of the logged request latency, rows per second over the window's span, and
    the share of answers that were errors (``errors``: 4xx and 5xx counts in the same span).

    A batch request logs its latency on every record it scored, so percentiles are per
    record. ``max_p99_ms`` and ``max_error_rate`` (5xx) are SLOs; beyond either the status is
    ``slo_breach``.
    """
    if window.empty:
        return None
    latency = window["latency_ms"].to_numpy(dtype=float)
    p50, p95, p99 = (float(v) for v in np.percentile(latency, [50, 95, 99]))
    ts = pd.to_datetime(window["ts"], utc=True)
    span = (ts.max() - ts.min()).total_seconds()
    throughput = len(window) / span if span > 0 else 0.0
    counts = errors or {"4xx": 0, "5xx": 0}
    answers = len(window) + counts["4xx"] + counts["5xx"]
    rates = {k: counts[k] / answers for k in ("4xx", "5xx")}
    slow = max_p99_ms is not None and p99 > max_p99_ms
    failing = max_error_rate is not None and rates["5xx"] > max_error_rate
    parts = []
    if slow:
        parts.append(f"Latency SLO breached: p99 {num(p99)} ms (limit {num(max_p99_ms)} ms).")  # type: ignore[arg-type]
    if failing:
        parts.append(
            f"Error-rate SLO breached: {rates['5xx']:.1%} of {answers} answers were server "
            f"errors (limit {max_error_rate:.1%})."
        )
    parts.append(
        f"Latency p50 {num(p50)} ms, p95 {num(p95)} ms, p99 {num(p99)} ms; "
        f"{num(throughput)} predictions/s; errors {rates['4xx']:.1%} 4xx, {rates['5xx']:.1%} 5xx."
    )
    return ServiceHealth(
        "slo_breach" if slow or failing else "ok", len(window),
        {"p50": p50, "p95": p95, "p99": p99}, throughput, " ".join(parts),
        error_rates=rates, errors=dict(counts),
    )  # fmt: skip
