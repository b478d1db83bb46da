"""Prometheus metrics of one app instance (its own registry, so tests can build many apps)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from driftlab.serve.monitoring_metrics import MonitoringGauges

__all__ = ["Telemetry"]

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
        )
