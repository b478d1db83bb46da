"""What a report or a dashboard page shows, read from the store — and its JSON export.

Nothing here computes a statistic: a timeline point copies numbers a monitoring run already
stored (drift share, each feature's PSI, the metrics, latency percentiles, error rates).
The export is the same :class:`ReportData` as JSON, versioned by ``schema_version``, so a
script reads exactly what the HTML report shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from driftlab import __version__
from driftlab.errors import ConfigError, DataError
from driftlab.store.ports import RunHistory
from driftlab.store.records import StoredRun

__all__ = [
    "HISTORY_LIMIT",
    "SCHEMA_VERSION",
    "ReportData",
    "load_report",
    "primary_metric",
    "timeline_point",
]

# Bump when a key is renamed or removed, or its meaning changes; adding keys keeps it.
SCHEMA_VERSION = 1
# Runs shown on timelines: enough for three months of daily runs, small enough to open fast.
HISTORY_LIMIT = 100
# Alert log entries and retraining decisions shown.
EVENTS_LIMIT = 200


def primary_metric(result: dict[str, Any]) -> str | None:
    """The metric a run judged quality by: the realized one, else the configured one, else
    the first estimated one (label-free runs).

    >>> primary_metric({"performance": None, "settings": {"metric": None},
    ...                 "estimated": {"metrics": {"roc_auc": 0.9, "accuracy": 0.8}}})
    'roc_auc'
    """
    perf = result.get("performance") or {}
    if perf.get("primary_metric"):
        return str(perf["primary_metric"])
    configured = (result.get("settings") or {}).get("metric")
    if configured:
        return str(configured)
    estimated = (result.get("estimated") or {}).get("metrics") or {}
    return next(iter(estimated), None)


def _metric(d: dict[str, Any] | None, key: str, name: str | None) -> float | None:
    values = (d or {}).get(key) or {}
    return values.get(name) if name else None


def timeline_point(run: StoredRun) -> dict[str, Any]:
    """One run as a point on the timelines: values copied from its stored result.

    ``psi`` maps every feature to its PSI; ``metric`` is the run's primary metric with its
    realized value and 95 % interval, its label-free estimate and band, and the training
    holdout value; ``alerts`` lists kind, severity and subject of each finding; ``incidents``
    their grouping: severity, title, number of findings and most likely cause of each
    (empty for runs stored before incidents existed).
    """
    r = run.result
    name = primary_metric(r)
    perf, est, service = r.get("performance"), r.get("estimated"), r.get("service") or {}
    return {
        "run_id": run.id,
        "ts": run.ts.isoformat(),
        "model_version": run.model_version,
        "n_rows": run.n_rows,
        "status": r.get("status"),
        "drift_share": r.get("drift_share"),
        "n_drifted": len(r.get("drifted_features") or []),
        "psi": {f["feature"]: f.get("psi") for f in r.get("features") or []},
        "prediction_psi": (r.get("prediction_drift") or {}).get("psi"),
        "metric": {
            "name": name,
            "realized": _metric(perf, "metrics", name),
            "interval": (perf or {}).get("interval"),
            "estimated": _metric(est, "metrics", name),
            "band": _metric(est, "bands", name),
            "holdout": _metric(perf, "reference_metrics", name),
            "n_labeled": (perf or {}).get("n_labeled"),
        },
        "latency_ms": service.get("latency_ms") or {},
        "error_rates": service.get("error_rates") or {},
        "throughput_per_s": service.get("throughput_per_s"),
        "alerts": [
            {"kind": a["kind"], "severity": a["severity"], "subject": a.get("subject")}
            for a in r.get("alerts") or []
        ],
        "incidents": [
            {
                "severity": i["severity"],
                "title": i["title"],
                "n_findings": len(i["findings"]),
                "top_cause": i["causes"][0]["feature"] if i["causes"] else None,
            }
            for i in r.get("incidents") or []
        ],
    }


@dataclass(frozen=True)
class ReportData:
    """One monitoring run in context: the run, the model's runs up to it (as timeline points,
    oldest first), its retraining decisions and its alert log (newest first)."""

    model_name: str
    run: StoredRun
    timeline: list[dict[str, Any]]
    decisions: list[dict[str, Any]] = field(default_factory=list)
    alert_log: list[dict[str, Any]] = field(default_factory=list)

    def to_export(self) -> dict[str, Any]:
        """The JSON export (``schema_version`` 1). It carries no generation time, so the
        same store gives the same document."""
        return {
            "schema_version": SCHEMA_VERSION,
            "generator": f"driftlab {__version__}",
            "model": self.model_name,
            "run": {
                "id": self.run.id,
                "ts": self.run.ts.isoformat(),
                "model_version": self.run.model_version,
                "n_rows": self.run.n_rows,
                "n_alerts": self.run.n_alerts,
                "result": self.run.result,
            },
            "timeline": self.timeline,
            "decisions": self.decisions,
            "alerts": self.alert_log,
        }

    @classmethod
    def from_export(cls, doc: dict[str, Any]) -> ReportData:
        """Read an export back; refuses a schema version this driftlab does not know."""
        version = doc.get("schema_version")
        if version != SCHEMA_VERSION:
            raise DataError(
                f"report export has schema_version {version!r}; this driftlab reads "
                f"{SCHEMA_VERSION}. Export it again with 'driftlab report --format json'"
            )
        run = doc["run"]
        return cls(
            model_name=doc["model"],
            run=StoredRun(
                id=run["id"],
                ts=datetime.fromisoformat(run["ts"]),
                model_name=doc["model"],
                model_version=run["model_version"],
                n_rows=run["n_rows"],
                n_alerts=run["n_alerts"],
                result=run["result"],
            ),
            timeline=doc["timeline"],
            decisions=doc["decisions"],
            alert_log=doc["alerts"],
        )


def load_report(
    store: RunHistory,
    model_name: str,
    run_id: int | None = None,
    *,
    history: int = HISTORY_LIMIT,
) -> ReportData:
    """Read run ``run_id`` (default: the model's latest) and its context from ``store``.

    The timeline holds the model's ``history`` runs up to and including this one. Alerts and
    decisions are those up to this run, so an old run's report does not show the future; the
    latest run's report shows every decision, including the retraining that followed it.
    """
    if history < 1:
        raise ConfigError(f"history {history} is too small; show at least 1 run")
    latest = store.runs(model_name, limit=1)
    if run_id is None:
        if not latest:
            raise ConfigError(
                f"no monitoring run of {model_name!r} is stored yet; run 'driftlab monitor' first"
            )
        run = latest[0]
    else:
        run = store.get_run(run_id)
        if run.model_name != model_name:
            raise ConfigError(
                f"monitoring run {run_id} belongs to model {run.model_name!r}, not "
                f"{model_name!r}; 'driftlab runs' lists this project's runs"
            )
    points = [timeline_point(r) for r in reversed(store.runs(model_name, history, until_id=run.id))]
    # The latest run's report tells the story so far, including the retraining it prompted;
    # an older run's report stops at its own time.
    until = None if latest and latest[0].id == run.id else run.ts
    decisions = [
        d.to_dict()
        for d in store.decisions(model_name, limit=EVENTS_LIMIT)
        if until is None or d.ts <= until
    ]
    alert_log = [
        a.to_dict() for a in store.alert_log(model_name, limit=EVENTS_LIMIT) if a.run_id <= run.id
    ]
    return ReportData(model_name, run, points, decisions, alert_log)
