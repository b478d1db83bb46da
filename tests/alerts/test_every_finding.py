"""Every kind of finding the monitor raises reaches Slack, e-mail, a webhook and Prometheus,
through retries, and is deduplicated by the cooldown — against real receivers on 127.0.0.1."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from driftlab.alerts import (
    EmailSink,
    RetryPolicy,
    SlackSink,
    WebhookSink,
    alerts_for,
    dispatch,
    resolution_notices,
)
from driftlab.monitor.result import (
    CheckError,
    ConceptDrift,
    DataQuality,
    EstimatedPerformance,
    ExtremeValues,
    FeatureDrift,
    LabelDrift,
    MonitoringResult,
    MultivariateDrift,
    PerformanceResult,
    ServiceHealth,
)
from driftlab.serve.run_gauges import MonitoringGauges
from driftlab.store import MemoryStore
from tests.receivers import SmtpReceiver, WebhookReceiver

MODEL = "churn"
FAST = RetryPolicy(retries=2, backoff_s=0.0)
CONTEXT = {"model": MODEL, "model_version": "1", "window": "last 500 predictions"}
KINDS = ("data_drift", "prediction_drift", "service", "concept_drift", "performance",
         "multivariate_drift", "data_quality", "check_failed", "estimated_performance",
         "label_drift")  # fmt: skip
# Found only when no realized verdict exists: in the joint-only run, which has no labels.
UNLABELED_ONLY = ("multivariate_drift", "estimated_performance")


def _feature(name: str, drifted: bool, psi: float) -> FeatureDrift:
    return FeatureDrift(
        name, "numeric", "ks", 0.3, 1e-9, 1e-8, "psi", psi, 0.1, psi, drifted,
        {"mean": 1.0}, {"mean": 2.0}, ["< 0", "0 – 1", "> 1"], [0, 10, 0], [0, 2, 8],
        f"Data drift detected on feature {name}: mean 2 vs 1 in training (+100%).",
    )  # fmt: skip


def _result(*, joint_only: bool = False) -> MonitoringResult:
    """A run that raises every kind: a drifted feature, extreme values, drifted outputs, an SLO
    breach, concept drift, a check that could not run and degraded quality — or, with
    ``joint_only``, only joint drift (which alerts only when no single feature drifted) and
    the estimated drop (a finding only while labels give no verdict)."""
    feature = _feature("tenure", not joint_only, 0.4 if not joint_only else 0.01)
    return MonitoringResult(
        model_name=MODEL, model_version="1", created_at="2026-11-25T12:00:00+00:00",
        window_start=None, window_end=None, n_rows=500, status="drift", summary="...",
        features=[feature], drift_share=0.0 if joint_only else 1.0,
        drifted_features=[] if joint_only else ["tenure"],
        performance=None if joint_only else PerformanceResult(
            "degraded", 300, {"roc_auc": 0.7}, {"roc_auc": 0.9}, "roc_auc",
            "Model performance degraded: roc_auc 0.70 vs 0.90 on the training holdout."),
        alerts=[], settings={},
        prediction_drift=None if joint_only else replace(
            _feature("prediction", True, 0.5), message="Prediction drift detected."),
        multivariate=[MultivariateDrift("domain_classifier", 0.8, 0.6, 1e-6, True,
                                        "Multivariate drift detected: ROC AUC 0.80.")],
        service=None if joint_only else ServiceHealth(
            "slo_breach", 500, {"p50": 10.0, "p95": 80.0, "p99": 900.0}, 5.0,
            "Latency p99 900 ms is above the 250 ms objective."),
        concept=None if joint_only else ConceptDrift(
            "adwin", True, [{"index": 120, "request_id": "r120", "ts": "2026-11-25T11:00:00"}],
            0.05, 0.3, 300, "Concept drift (ADWIN): error rate rose from 5% to 30%."),
        data_quality=DataQuality([] if joint_only else [ExtremeValues(
            "tenure", 10, 0.02, -100.0, 200.0, [1e308],
            "10 of 500 values of tenure (2.0%) lie far outside the training range.")], 2.0, 0.01),
        estimated=EstimatedPerformance(
            500, {"roc_auc": 0.76}, {"roc_auc": [0.74, 0.78]},
            "Estimated without labels: roc_auc 0.76 vs 0.9 on the training holdout.",
            "roc_auc", {"roc_auc": 0.9}),
        check_errors=[] if joint_only else [CheckError(
            "fairness", "ValueError", "Input X contains infinity.")],
        label_drift=None if joint_only else LabelDrift(
            300, 1000, "chi2", 40.0, 1e-9, 0.2, 0.05, True, ["no", "yes"], [0.8, 0.2],
            [0.6, 0.4], "Label drift detected: the label distribution moved by 20.0%."),
    )  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> MemoryStore:
    return MemoryStore()


def test_the_rules_raise_every_kind() -> None:
    kinds = [a.kind for a in alerts_for(_result())] + [
        a.kind for a in alerts_for(_result(joint_only=True))
    ]
    assert sorted(kinds) == sorted(KINDS)


def test_every_kind_reaches_every_channel_through_retries_then_cooldown(store: MemoryStore) -> None:
    alerts = alerts_for(_result()) + alerts_for(_result(joint_only=True))
    n = len(alerts)
    # Each receiver is down (503 / SMTP 451) for the first attempt of every alert.
    with (
        WebhookReceiver(statuses=[503, 200] * n) as slack_rx,
        WebhookReceiver(statuses=[503, 200] * n) as hook_rx,
        SmtpReceiver(replies=["451 4.3.0 Try again later"] * 1) as smtp,
    ):
        sinks = [
            SlackSink(slack_rx.url, index=0, retry=FAST),
            WebhookSink(hook_rx.url, index=1, secret="k", retry=FAST),
            EmailSink("127.0.0.1", sender="driftlab@example.com", to=["ops@example.com"],
                      port=smtp.port, starttls=False, index=2, retry=FAST),
        ]  # fmt: skip
        now = datetime.now(UTC)
        first = dispatch(alerts, sinks, store, cooldown=timedelta(hours=1), context=CONTEXT,
                         now=now, sleep=lambda s: None)  # fmt: skip
        assert [d.sent_to for d in first] == [["slack#0", "webhook#1", "email#2"]] * n
        # Every first attempt that failed is recorded (two per alert; the e-mail once).
        failures = [f for d in first for f in d.failures]
        assert len(failures) == 2 * n + 1 and all("attempt 1 of 3" in f for f in failures)
        # The HTTP receivers saw each alert twice: the refused attempt and the delivered one.
        assert sorted(m["kind"] for m in hook_rx.received) == sorted(KINDS * 2)
        assert sorted(m["X-Driftlab-Fingerprint"].split(":")[1] for m in smtp.messages) == sorted(
            KINDS
        )
        slack_texts = [m["text"] for m in slack_rx.received]
        for kind in KINDS:
            assert any(f" {kind} " in t for t in slack_texts), kind
        run_id = store.save_run(MODEL, "1", replace(_result(), alerts=alerts).to_dict())
        store.save_alerts(run_id, [{**a.__dict__, "sent": True} for a in alerts])

        # The same findings an hour later minus a minute: deduplicated, nothing is sent.
        again = dispatch(alerts, sinks, store, cooldown=timedelta(hours=1), context=CONTEXT,
                         now=now + timedelta(minutes=59), sleep=lambda s: None)  # fmt: skip
        assert all(d.suppressed and not d.sent_to for d in again)
        assert len(hook_rx.received) == 2 * n and len(smtp.messages) == n
        # After the cooldown an ongoing problem is sent again.
        later = dispatch(alerts[:1], sinks, store, cooldown=timedelta(hours=1), context=CONTEXT,
                         now=now + timedelta(hours=2), sleep=lambda s: None)  # fmt: skip
        assert later[0].sent_to == ["slack#0", "webhook#1", "email#2"]


def test_every_kind_is_a_prometheus_series(store: MemoryStore) -> None:
    alerts = alerts_for(_result()) + alerts_for(_result(joint_only=True))
    store.save_run(MODEL, "1", replace(_result(), alerts=alerts).to_dict())
    registry = CollectorRegistry()
    MonitoringGauges(registry, refresh_s=0).update(store, MODEL)
    for kind in KINDS:
        assert registry.get_sample_value("driftlab_monitor_alerts", {"kind": kind}) == 1.0, kind


@pytest.mark.parametrize(("before", "after", "gauge"), [(0.05, 0.3, 1.0), (0.3, 0.05, 0.0)])
def test_concept_gauge_reads_one_only_when_errors_rose(
    store: MemoryStore, before: float, after: float, gauge: float
) -> None:
    # Detectors fire on a fall in errors too: that is an improvement, and must not page.
    run = _result()
    concept = replace(run.concept, error_before=before, error_after=after)  # type: ignore[arg-type]
    store.save_run(MODEL, "1", replace(run, concept=concept).to_dict())
    registry = CollectorRegistry()
    MonitoringGauges(registry, refresh_s=0).update(store, MODEL)
    value = registry.get_sample_value("driftlab_concept_drift_detected", {"method": "adwin"})
    assert value == gauge


def test_every_kind_gets_a_resolved_notice_on_every_channel(store: MemoryStore) -> None:
    """A finding that clears is announced on every channel, for every kind. (Joint drift is
    not in the first run: it alerts only when no single feature drifted.)"""
    alerts = alerts_for(_result())
    run_id = store.save_run(MODEL, "1", replace(_result(), alerts=alerts).to_dict())
    store.save_alerts(run_id, [{**a.__dict__, "sent": True} for a in alerts])
    clean = MonitoringResult.from_dict(
        {**_result().to_dict(), "status": "ok", "drifted_features": [], "drift_share": 0.0,
         "features": [_feature("tenure", False, 0.01).__dict__],
         "prediction_drift": _feature("prediction", False, 0.01).__dict__,
         "multivariate": [], "alerts": [],
         "performance": {**_result().to_dict()["performance"], "status": "ok"},
         "service": {**_result().to_dict()["service"], "status": "ok"},
         "concept": {**_result().to_dict()["concept"], "detected": False},
         "data_quality": {**_result().to_dict()["data_quality"], "extreme": []},
         "check_errors": []}
    )  # fmt: skip
    notices = resolution_notices(clean, store)
    assert sorted(n.details["resolved_kind"] for n in notices) == sorted(
        k for k in KINDS if k not in UNLABELED_ONLY
    )
    with WebhookReceiver() as slack_rx, WebhookReceiver() as hook_rx, SmtpReceiver() as smtp:
        sinks = [
            SlackSink(slack_rx.url, index=0, retry=FAST),
            WebhookSink(hook_rx.url, index=1, retry=FAST),
            EmailSink("127.0.0.1", sender="driftlab@example.com", to=["ops@example.com"],
                      port=smtp.port, starttls=False, index=2, retry=FAST),
        ]  # fmt: skip
        out = dispatch(notices, sinks, store, cooldown=timedelta(hours=1), context=CONTEXT)
    assert all(d.sent_to == ["slack#0", "webhook#1", "email#2"] for d in out)
    assert all(m["kind"] == "resolved" for m in hook_rx.received)
    assert all(str(m["Subject"]).startswith("[driftlab] RESOLVED") for m in smtp.messages)
