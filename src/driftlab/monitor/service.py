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
    n_rows: int | None = None,
    span_s: float | None = None,
) -> ServiceHealth | None:
    """p50/p95/p99 of the logged request latency, rows per second over the window's span, and
    the share of answers that were errors (``errors``: 4xx and 5xx counts in the same span).

    A batch request logs its latency on every record it scored, so percentiles are per
    record. ``max_p99_ms`` and ``max_error_rate`` (5xx) are SLOs; beyond either the status is
    ``slo_breach``.

    ``n_rows`` and ``span_s``: the size and time span of a larger window of which ``window``
    is a uniform sample; throughput and error rates are then the whole window's, the latency
    percentiles the sample's (and the message says so).
    """
    if window.empty:
        return None
    latency = window["latency_ms"].to_numpy(dtype=float)
    p50, p95, p99 = (float(v) for v in np.percentile(latency, [50, 95, 99]))
    if span_s is None:
        ts = pd.to_datetime(window["ts"], utc=True)
        span_s = (ts.max() - ts.min()).total_seconds()
    n = len(window) if n_rows is None else n_rows
    throughput = n / span_s if span_s > 0 else 0.0
    counts = errors or {"4xx": 0, "5xx": 0}
    answers = n + counts["4xx"] + counts["5xx"]
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
    if n_rows is not None:
        parts.append(
            f"Latency percentiles from a uniform sample of {len(window)} of the {n} predictions "
            "(monitor.max_rows_in_memory)."
        )
    return ServiceHealth(
        "slo_breach" if slow or failing else "ok", n,
        {"p50": p50, "p95": p95, "p99": p99}, throughput, " ".join(parts),
        error_rates=rates, errors=dict(counts),
    )  # fmt: skip
