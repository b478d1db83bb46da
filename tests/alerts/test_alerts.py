"""Alert rules, a real webhook receiver on loopback, and cooldown deduplication."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from driftlab.alerts import ConsoleSink, WebhookSink, alerts_for, dispatch
from driftlab.alerts.retry import NO_RETRY
from driftlab.errors import AlertDeliveryError
from driftlab.monitor import Alert, FeatureDrift, MonitoringResult, PerformanceResult
from driftlab.store import MemoryStore
from tests.receivers import WebhookReceiver


def _feature(name: str, drifted: bool, psi: float) -> FeatureDrift:
    return FeatureDrift(
        feature=name,
        kind="numeric",
        test="ks",
        statistic=0.3,
        p_value=1e-6,
        p_adjusted=1e-5,
        effect="psi",
        effect_value=psi,
        min_effect=0.1,
        psi=psi,
        drifted=drifted,
        reference_summary={"mean": 1.0},
        window_summary={"mean": 2.0},
        bins=["a"],
        reference_counts=[1],
        window_counts=[1],
        message=f"Data drift on {name}",
    )


def _result(perf_status: str = "ok") -> MonitoringResult:
    perf = PerformanceResult(
        perf_status,
        100,
        {"roc_auc": 0.7},
        {"roc_auc": 0.9},
        "roc_auc",
        "Model performance dropped: roc_auc 0.7",
    )
    return MonitoringResult(
        model_name="m",
        model_version="1",
        created_at="",
        window_start=None,
        window_end=None,
        n_rows=100,
        status="drift",
        summary="",
        drift_share=0.5,
        features=[_feature("a", True, 0.15), _feature("b", True, 0.6), _feature("c", False, 0.0)],
        drifted_features=["b", "a"],
        performance=perf,
        alerts=[],
        settings={},
    )


def test_rules_one_alert_per_drifted_feature_plus_performance() -> None:
    alerts = alerts_for(_result("degraded"))
    assert [(a.kind, a.subject, a.severity) for a in alerts] == [
        ("data_drift", "b", "critical"),
        ("data_drift", "a", "warning"),
        ("performance", "roc_auc", "critical"),
    ]
    assert alerts[0].fingerprint == "m:data_drift:b"
    assert alerts_for(_result("ok"))[-1].kind == "data_drift"


def _alert(sev: str = "warning") -> Alert:
    return Alert("data_drift", sev, "x", "Data drift detected on feature x", "m:data_drift:x")


def test_webhook_delivers_json_to_real_receiver(tmp_path) -> None:
    store = MemoryStore()
    with WebhookReceiver() as rx:
        out = dispatch(
            [_alert()], [WebhookSink(rx.url)], store, cooldown=timedelta(0), context={"model": "m"}
        )
    assert out[0].sent_to == ["webhook#0"] and not out[0].failures
    body = rx.received[0]
    assert body["text"] == "Data drift detected on feature x"
    assert body["severity"] == "warning" and body["model"] == "m"


def test_webhook_failure_is_recorded_and_url_secret_not_leaked(tmp_path, caplog) -> None:
    store = MemoryStore()
    with WebhookReceiver(status=500) as rx, caplog.at_level(logging.ERROR):
        sink = WebhookSink(rx.url, retry=NO_RETRY)
        out = dispatch([_alert()], [sink], store, cooldown=timedelta(0), context={})
    assert out[0].failures == ["webhook#0: receiver answered HTTP 500 (attempt 1 of 1)"]
    assert "s3cret" not in caplog.text
    with pytest.raises(AlertDeliveryError) as info:
        WebhookSink("http://127.0.0.1:9/hook?token=s3cret", timeout_s=0.5).send(_alert(), {})
    assert "s3cret" not in str(info.value)


def test_cooldown_suppresses_repeat_within_window(tmp_path) -> None:
    store = MemoryStore()
    now = datetime.now(UTC)
    run = store.save_run("m", "1", {"n_rows": 1, "alerts": []})
    store.save_alerts(run, [{**_alert().__dict__, "sent": True}])
    with WebhookReceiver() as rx:
        sinks = [WebhookSink(rx.url)]
        first = dispatch([_alert()], sinks, store, cooldown=timedelta(hours=1), context={}, now=now)
        later = dispatch(
            [_alert()],
            sinks,
            store,
            cooldown=timedelta(hours=1),
            context={},
            now=now + timedelta(hours=2),
        )
    assert first[0].suppressed and not first[0].sent_to
    assert later[0].sent_to == ["webhook#0"]
    assert len(rx.received) == 1


def test_min_severity_routes(tmp_path, caplog) -> None:
    store = MemoryStore()
    with caplog.at_level(logging.INFO, logger="driftlab.alerts"):
        out = dispatch(
            [_alert("warning")],
            [ConsoleSink(min_severity="critical")],
            store,
            cooldown=timedelta(0),
            context={},
        )
    assert out[0].sent_to == [] and "Data drift" not in caplog.text
    with caplog.at_level(logging.INFO, logger="driftlab.alerts"):
        dispatch([_alert("critical")], [ConsoleSink()], store, cooldown=timedelta(0), context={})
    assert "[CRITICAL] Data drift detected on feature x" in caplog.text
