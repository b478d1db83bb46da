"""Prometheus metrics of one app instance (its own registry, so tests can build many apps).

With several worker processes (``driftlab serve --workers N``) the serve command sets
``PROMETHEUS_MULTIPROC_DIR`` before the workers start: every process then writes its values
to files there, and ``/metrics`` answers with the sum over all workers (counters and
histograms) or the mode each gauge declares, whichever worker takes the scrape.
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from driftlab.serve.holder import ONNX, Served
from driftlab.serve.run_gauges import MonitoringGauges

__all__ = ["MULTIPROC_ENV", "Telemetry"]

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Telemetry:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.predictions = Counter(
            "driftlab_predictions_total",
            "Records scored.",
            ["model_version"],
            registry=self.registry,
        )
        self.requests = Counter(
            "driftlab_http_requests_total",
            "HTTP requests by route and status code.",
            ["route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "driftlab_prediction_latency_seconds",
            "Time to score one predict request.",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.pending_logs = Gauge(
            "driftlab_prediction_log_pending",
            "Prediction records not yet written to the store.",
            registry=self.registry,
            multiprocess_mode="livesum",  # queued in all live workers together
        )
        self.log_failures = Counter(
            "driftlab_prediction_log_failures_total",
            "Failed batch writes to the store.",
            registry=self.registry,
        )
        self.monitoring = MonitoringGauges(self.registry)
        self.model_version = Gauge(
            "driftlab_model_version",
            "Numeric model version being served.",
            registry=self.registry,
            # Workers pick up a new champion within one poll of each other; the newest wins.
            multiprocess_mode="livemax",
        )
        self.onnx = Gauge(
            "driftlab_model_onnx",
            "1 when the served version runs on ONNX Runtime, 0 on scikit-learn.",
            registry=self.registry,
            multiprocess_mode="livemin",  # 0 as soon as any worker fell back
        )

    def model_swapped(self, served: Served) -> None:
        """Set the model gauges when a worker swaps in a version (not only on a scrape, which
        reaches one worker of many)."""
        version = served.bundle.version
        if version and version.isdigit():
            self.model_version.set(int(version))
        self.onnx.set(1 if served.engine == ONNX else 0)

    def exposition(self) -> bytes:
        """The text format of every metric, aggregated over worker processes when the
        multiprocess directory is set."""
        path = os.environ.get(MULTIPROC_ENV)
        if not path:
            return generate_latest(self.registry)
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=path)
        return generate_latest(registry)

    @staticmethod
    def worker_exited() -> None:
        """Drop this process's live gauges from the multiprocess directory (graceful exit)."""
        if os.environ.get(MULTIPROC_ENV):
            from prometheus_client import multiprocess

            multiprocess.mark_process_dead(os.getpid())
