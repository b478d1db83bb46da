"""The latest stored monitoring run as Prometheus gauges, so Alertmanager users can alert on
drift, quality and fairness the way they already alert on latency.

Computed nowhere here: the gauges mirror what `driftlab monitor` stored (rendering only). The
store is read at most once per ``refresh_s`` seconds, not on every scrape.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from prometheus_client import CollectorRegistry, Gauge

from driftlab.store.base import Store

__all__ = ["MonitoringGauges"]

# With several worker processes each one may refresh the gauges; they all read the same
# store, so the most recently written value is the one to export.
_MODE = "mostrecent"


class MonitoringGauges:
    def __init__(self, registry: CollectorRegistry, *, refresh_s: float = 15.0) -> None:
        self.refresh_s = refresh_s
        self._read_at = 0.0

        def gauge(name: str, doc: str, labels: tuple[str, ...] = ()) -> Gauge:
            return Gauge(name, doc, labels, registry=registry, multiprocess_mode=_MODE)

        self.run_id = gauge("driftlab_monitor_run_id", "Id of the latest monitoring run.")
        self.rows = gauge("driftlab_monitor_window_rows", "Predictions in the latest window.")
        self.share = gauge("driftlab_drift_share", "Share of features drifted in the latest run.")
        self.psi = gauge(
            "driftlab_feature_psi", "PSI of each feature in the latest run.", ("feature",)
        )
        self.p = gauge(
            "driftlab_feature_p_adjusted",
            "Corrected p-value of each feature's test.",
            ("feature", "test"),
        )
        self.drifted = gauge(
            "driftlab_feature_drifted", "1 when the feature drifted, else 0.", ("feature",)
        )
        self.metric = gauge(
            "driftlab_model_metric", "Model quality in the latest window.", ("metric", "source")
        )
        self.alerts = gauge(
            "driftlab_monitor_alerts", "Alerts raised by the latest run, by kind.", ("kind",)
        )

    def due(self) -> bool:
        return time.monotonic() - self._read_at >= self.refresh_s

    def update(self, store: Store, model_name: str) -> None:
        """Read the latest run (blocking: call from a worker thread) and set every gauge."""
        self._read_at = time.monotonic()
        runs = store.runs(model_name, limit=1)
        if not runs:
            return
        run = runs[0]
        result: dict[str, Any] = run.result
        self.run_id.set(run.id)
        self.rows.set(run.n_rows)
        self.share.set(float(result.get("drift_share", 0.0)))
        for f in result.get("features", []):
            self.psi.labels(f["feature"]).set(f["psi"])
            self.p.labels(f["feature"], f["test"]).set(f["p_adjusted"])
            self.drifted.labels(f["feature"]).set(1.0 if f["drifted"] else 0.0)
        perf = result.get("performance") or {}
        for name, value in (perf.get("metrics") or {}).items():
            self.metric.labels(name, "realized").set(value)
        for name, value in (perf.get("reference_metrics") or {}).items():
            self.metric.labels(name, "holdout").set(value)
        estimated = result.get("estimated") or {}
        for name, value in (estimated.get("metrics") or {}).items():
            self.metric.labels(name, "estimated").set(value)
        self.alerts.clear()
        kinds = Counter(alert["kind"] for alert in result.get("alerts", []))
        for kind, n in kinds.items():  # set, not inc: "mostrecent" gauges only take a value
            self.alerts.labels(kind).set(n)
