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

from driftlab.store import Store

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
        self.prediction_psi = gauge(
            "driftlab_prediction_psi", "PSI of the model's outputs vs their training profile."
        )
        self.prediction_drifted = gauge(
            "driftlab_prediction_drifted", "1 when the model's outputs drifted, else 0."
        )
        self.multivariate = gauge(
            "driftlab_multivariate_statistic",
            "Multivariate drift statistic (domain classifier AUC, PCA reconstruction error).",
            ("method",),
        )
        self.multivariate_threshold = gauge(
            "driftlab_multivariate_threshold", "The statistic's alert threshold.", ("method",)
        )
        self.multivariate_drifted = gauge(
            "driftlab_multivariate_drifted", "1 when the method flagged joint drift.", ("method",)
        )
        self.concept = gauge(
            "driftlab_concept_drift_detected",
            "1 when the concept-drift detector found the error rate rising in the latest "
            "window's labeled stream (a fall in errors is an improvement and reads 0).",
            ("method",),
        )
        self.window_error = gauge(
            "driftlab_window_error_rate",
            "Error rate of the labeled predictions in the window (classification).",
        )
        self.window_latency = gauge(
            "driftlab_window_latency_ms",
            "Latency quantiles of the window's logged predictions.",
            ("quantile",),
        )
        self.window_http_errors = gauge(
            "driftlab_window_http_error_rate", "Share of answers that were errors.", ("class",)
        )
        self.fairness = gauge(
            "driftlab_fairness_metric",
            "Fairness gap (or ratio) per protected attribute in the latest window.",
            ("attribute", "metric", "source"),
        )
        self.fairness_violation = gauge(
            "driftlab_fairness_violation",
            "1 when the metric is beyond its limit and supported by the counts.",
            ("attribute", "metric"),
        )
        self.compliance = gauge(
            "driftlab_compliance_value",
            "Reliance (share of decisions changed by shuffling) or proxy AUC per feature.",
            ("check", "feature", "prohibited"),
        )
        self.incident = gauge(
            "driftlab_incident_findings",
            "Findings in each incident of the latest run (one series per incident: alert on "
            "this, not on each feature, to get one notification per incident).",
            ("incident", "severity"),
        )
        self.incident_cause = gauge(
            "driftlab_incident_cause_rank",
            "Rank of each likely cause (feature) of an incident of the latest run; 1 is the "
            "most likely.",
            ("incident", "feature"),
        )
        self.compliance_alert = gauge(
            "driftlab_compliance_alert",
            "1 when the compliance check alerted.",
            ("check", "feature"),
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
        self._update_more(result)
        self.alerts.clear()
        kinds = Counter(alert["kind"] for alert in result.get("alerts", []))
        for kind, n in kinds.items():  # set, not inc: "mostrecent" gauges only take a value
            self.alerts.labels(kind).set(n)

    def _update_more(self, result: dict[str, Any]) -> None:
        """Prediction, multivariate and concept drift, window service health, fairness and
        compliance: every statistic the run stored, so Alertmanager can alert on any of them.
        Labelled families are cleared first: a label the latest run lacks must not linger."""
        pred = result.get("prediction_drift") or {}
        self.prediction_psi.set(_num(pred.get("psi")))
        self.prediction_drifted.set(_num(None if not pred else float(bool(pred.get("drifted")))))
        for fam in (self.multivariate, self.multivariate_threshold, self.multivariate_drifted,
                    self.concept, self.window_latency, self.window_http_errors, self.fairness,
                    self.fairness_violation, self.compliance, self.compliance_alert,
                    self.incident, self.incident_cause):  # fmt: skip
            fam.clear()
        for i in result.get("incidents") or []:
            self.incident.labels(i["group"], i["severity"]).set(len(i["findings"]))
            for c in i["causes"]:
                self.incident_cause.labels(i["group"], c["feature"]).set(c["rank"])
        for m in result.get("multivariate") or []:
            self.multivariate.labels(m["method"]).set(_num(m.get("statistic")))
            self.multivariate_threshold.labels(m["method"]).set(_num(m.get("threshold")))
            self.multivariate_drifted.labels(m["method"]).set(1.0 if m.get("drifted") else 0.0)
        concept = result.get("concept") or {}
        if concept:
            rose = bool(concept.get("detected")) and (concept.get("error_after") or 0.0) > (
                concept.get("error_before") or 0.0
            )
            self.concept.labels(concept["method"]).set(1.0 if rose else 0.0)
        self.window_error.set(_num(concept.get("window_error")))
        service = result.get("service") or {}
        for q, v in (service.get("latency_ms") or {}).items():
            self.window_latency.labels(q).set(_num(v))
        for cls, v in (service.get("error_rates") or {}).items():
            self.window_http_errors.labels(cls).set(_num(v))
        for m in (result.get("fairness") or {}).get("metrics") or []:
            if m.get("value") is not None:
                self.fairness.labels(m["attribute"], m["metric"], "window").set(_num(m["value"]))
            if m.get("reference") is not None:
                self.fairness.labels(m["attribute"], m["metric"], "training").set(
                    _num(m["reference"])
                )
            self.fairness_violation.labels(m["attribute"], m["metric"]).set(
                1.0 if m.get("status") == "violation" else 0.0
            )
        for c in (result.get("compliance") or {}).get("checks") or []:
            if c.get("value") is not None:
                self.compliance.labels(
                    c["check"], c["feature"], str(bool(c["prohibited"])).lower()
                ).set(_num(c["value"]))
            self.compliance_alert.labels(c["check"], c["feature"]).set(
                1.0 if c.get("verdict") == "alert" else 0.0
            )


def _num(value: Any) -> float:
    # Stored results hold null for a value that could not be computed: export NaN, which
    # Prometheus understands as "no number", rather than a misleading 0.
    return float("nan") if value is None else float(value)
