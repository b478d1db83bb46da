"""When an incident is sent, to which channels, and when its all-clear is: escalation within
the cooldown, routing by the findings inside it, and runs stored before incidents existed."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from driftlab.alerts import dispatch, incident_alerts, incident_notices, urgent, with_alerts
from driftlab.monitor.findings import conclude
from driftlab.monitor.result import Alert, MonitoringResult, PerformanceResult
from driftlab.store import MemoryStore
from tests.alerts.test_every_finding import _feature, _result

HOUR = timedelta(hours=1)


@dataclass
class Collecting:
    """A sink that keeps what it is given (the port's in-memory stand-in)."""

    name: str = "collect"
    min_severity: str = "info"
    kinds: tuple[str, ...] = ()
    sent: list[Alert] = field(default_factory=list)

    def send(self, alert: Alert, context: dict[str, Any]) -> None:
        self.sent.append(alert)


def _drift_only(*names: str, psi: float = 0.4) -> MonitoringResult:
    """A run whose only findings are drifted features (warning below PSI 0.25)."""
    base = _result(joint_only=True)
    return with_alerts(conclude(replace(
        base, features=[_feature(n, True, psi) for n in names], drifted_features=list(names),
        drift_share=1.0, multivariate=[], estimated=None,
    )))  # fmt: skip


def _clean() -> MonitoringResult:
    base = _result(joint_only=True)
    return with_alerts(conclude(replace(
        base, features=[_feature("tenure", False, 0.01)], multivariate=[], estimated=None,
    )))  # fmt: skip


def _monitor(result: MonitoringResult, store: MemoryStore, sinks: list) -> list:
    """What monitor_job does with a result: incidents and all-clears out, the run saved."""
    notices = incident_notices(result, store)
    outgoing = incident_alerts(result) + notices
    out = dispatch(outgoing, sinks, store, cooldown=HOUR, context={"model": "churn"},
                   urgent=urgent(result, store) | {n.fingerprint for n in notices})  # fmt: skip
    run_id = store.save_run(result.model_name, "1", result.to_dict())
    store.save_alerts(run_id, [{**a.__dict__, "sent": bool(d.sent_to)}
                               for a, d in zip(outgoing, out, strict=True)])  # fmt: skip
    return out


def test_an_incident_is_resent_within_the_cooldown_only_when_it_escalates() -> None:
    store, sink = MemoryStore(), Collecting()
    _monitor(_drift_only("a", "b", psi=0.2), store, [sink])
    assert [a.kind for a in sink.sent] == ["incident"] and sink.sent[0].severity == "warning"
    # More drifted features, same severity and kinds: the same incident, held back.
    out = _monitor(_drift_only("a", "b", "c", "d", psi=0.2), store, [sink])
    assert out[0].suppressed and len(sink.sent) == 1
    # Critical now (PSI beyond 0.25): escalated, sent at once.
    _monitor(_drift_only("a", "b", psi=0.4), store, [sink])
    assert len(sink.sent) == 2 and sink.sent[-1].severity == "critical"
    # A new kind joins (the model's quality dropped): escalated again.
    degraded = _drift_only("a", "b", psi=0.4)
    degraded = with_alerts(conclude(replace(degraded, performance=PerformanceResult(
        "degraded", 300, {"roc_auc": 0.7}, {"roc_auc": 0.9}, "roc_auc",
        "Model performance degraded: roc_auc 0.70 vs 0.90 on the training holdout."))))  # fmt: skip
    _monitor(degraded, store, [sink])
    assert len(sink.sent) == 3
    assert {f["kind"] for f in sink.sent[-1].details["findings"]} == {"data_drift", "performance"}
    # The same again: nothing new, held back.
    assert _monitor(degraded, store, [sink])[0].suppressed and len(sink.sent) == 3


def test_a_channel_takes_an_incident_when_one_finding_passes_its_routing() -> None:
    store = MemoryStore()
    pager = Collecting("pager", min_severity="critical")
    fairness_only = Collecting("fairness", kinds=("fairness",))
    drift_desk = Collecting("drift", kinds=("data_drift",))
    _monitor(_drift_only("a", psi=0.2), store, [pager, fairness_only, drift_desk])
    assert (len(pager.sent), len(fairness_only.sent), len(drift_desk.sent)) == (0, 0, 1)
    # Its all-clear goes where the incident went.
    _monitor(_clean(), store, [pager, fairness_only, drift_desk])
    assert (len(pager.sent), len(fairness_only.sent), len(drift_desk.sent)) == (0, 0, 2)
    assert drift_desk.sent[-1].kind == "resolved"


def test_an_incident_left_undecided_is_not_cleared_until_it_is() -> None:
    store, sink = MemoryStore(), Collecting()
    degraded = with_alerts(conclude(replace(_result(joint_only=True), multivariate=[],
        performance=PerformanceResult("degraded", 300, {"roc_auc": 0.7}, {"roc_auc": 0.9},
                                      "roc_auc", "Model performance degraded."))))  # fmt: skip
    _monitor(degraded, store, [sink])
    # No labels in the next window: quality is not known, so nothing is cleared...
    no_labels = replace(
        _clean(),
        performance=PerformanceResult(
            "insufficient_labels", 0, {}, {"roc_auc": 0.9}, "roc_auc", "Insufficient labels."
        ),
    )
    _monitor(no_labels, store, [sink])
    assert [a.kind for a in sink.sent] == ["incident"]
    # ...until a window with labels shows it back to normal: one all-clear, and only one.
    fine = replace(_clean(), performance=replace(degraded.performance, status="ok"))
    _monitor(fine, store, [sink])
    _monitor(fine, store, [sink])
    assert [a.kind for a in sink.sent] == ["incident", "resolved"]


def test_runs_stored_before_incidents_are_cleared_finding_by_finding() -> None:
    store, sink = MemoryStore(), Collecting()
    old = _drift_only("a", "b", psi=0.4)
    stored = old.to_dict()
    del stored["incidents"]  # as an earlier driftlab stored it, alert by alert
    run_id = store.save_run("churn", "1", stored)
    store.save_alerts(run_id, [{**a.__dict__, "sent": True} for a in old.alerts])
    _monitor(_clean(), store, [sink])
    assert sorted(a.fingerprint for a in sink.sent) == [
        "churn:data_drift:a:resolved", "churn:data_drift:b:resolved"
    ]  # fmt: skip


def test_prometheus_has_one_series_per_incident_and_its_ranked_causes() -> None:
    from prometheus_client import CollectorRegistry

    from driftlab.serve.run_gauges import MonitoringGauges

    store = MemoryStore()
    result = with_alerts(conclude(_result()))
    store.save_run("churn", "1", result.to_dict())
    registry = CollectorRegistry()
    gauges = MonitoringGauges(registry, refresh_s=0)
    gauges.update(store, "churn")
    get = registry.get_sample_value
    for i in result.incidents:
        labels = {"incident": i.group, "severity": i.severity}
        assert get("driftlab_incident_findings", labels) == len(i.findings)
        for c in i.causes:
            assert (
                get("driftlab_incident_cause_rank", {"incident": i.group, "feature": c.feature})
                == c.rank
            )
    assert get("driftlab_incident_cause_rank", {"incident": "data", "feature": "tenure"}) == 1.0
    # A clean run clears the series: no incident lingers.
    store.save_run("churn", "1", _clean().to_dict())
    gauges.update(store, "churn")
    assert get("driftlab_incident_findings", {"incident": "data", "severity": "critical"}) is None
