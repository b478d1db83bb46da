"""Prometheus metrics of the prediction log: spool backlog, drops, refusals, fsync cost.

Gauges use ``multiprocess_mode="livesum"``: with several worker processes (and
PROMETHEUS_MULTIPROC_DIR set) the exported value is the sum over the live workers.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

__all__ = ["LogMetrics"]

_FSYNC_BUCKETS = (0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5)


class LogMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        registry = registry if registry is not None else CollectorRegistry()
        self.backlog_bytes = Gauge(
            "driftlab_spool_backlog_bytes",
            "Bytes of prediction records in the local spool, not yet in the store.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.backlog_records = Gauge(
            "driftlab_spool_backlog_records",
            "Prediction records in the local spool (or in-memory queue), not yet in the store.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.store_down = Gauge(
            "driftlab_spool_store_unreachable",
            "1 while the last write of the prediction log to the store failed.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.refused = Counter(
            "driftlab_spool_refused_requests_total",
            "Predict requests answered 503 because the spool could not take their records "
            "(spool full, disk full).",
            registry=registry,
        )
        self.dropped = Counter(
            "driftlab_prediction_log_dropped_total",
            "Prediction records never stored: queue full (best_effort) or refused by the store.",
            ["reason"],
            registry=registry,
        )
        self.corrupt = Counter(
            "driftlab_spool_corrupt_segments_total",
            "Spool segments found damaged on recovery (their bad tail is kept in a .corrupt file).",
            registry=registry,
        )
        self.replayed = Counter(
            "driftlab_spool_recovered_records_total",
            "Records found in the segments of stopped or crashed processes, to be replayed.",
            registry=registry,
        )
        self.fsync = Histogram(
            "driftlab_spool_fsync_seconds",
            "Time of one spool fsync (one group commit).",
            buckets=_FSYNC_BUCKETS,
            registry=registry,
        )
