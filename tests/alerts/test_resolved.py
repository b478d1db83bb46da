"""All-clear notices: the pure rule, the previous run read from a store (the in-memory one,
held to the SQL store's behaviour by tests/store/test_contract.py), and routing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from driftlab.alerts import (
    ConsoleSink,
    SlackSink,
    decided_kinds,
    dispatch,
    resolution_notices,
    resolved_alerts,
    with_alerts,
)
from driftlab.alerts.sinks.email import email_subject
from driftlab.alerts.sinks.slack import slack_message
from driftlab.monitor import Alert, FeatureDrift, MonitoringResult, PerformanceResult
from driftlab.store import MemoryStore
from tests.receivers import WebhookReceiver

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _alert(kind: str, subject: str, fingerprint: str, severity: str = "warning") -> Alert:
    return Alert(kind, severity, subject, f"{kind} on {subject}", fingerprint)


@pytest.mark.parametrize(
    ("fingerprint", "subject", "message"),
    [
        ("m:data_drift:Gr_Liv_Area", "Gr_Liv_Area",
         "Resolved: data drift on feature Gr_Liv_Area is no longer detected "
         "(last alert 2026-11-25 12:00 UTC)."),
        ("m:prediction_drift", "",
         "Resolved: drift in the model's predictions is no longer detected "
         "(last alert 2026-11-25 12:00 UTC)."),
        ("m:performance:roc_auc", "roc_auc",
         "Resolved: the drop in roc_auc is no longer detected (last alert 2026-11-25 12:00 UTC)."),
        ("m:service:latency_p99", "latency_p99",
         "Resolved: the latency_p99 service-level breach is no longer detected "
         "(last alert 2026-11-25 12:00 UTC)."),
        ("m:concept_drift", "",
         "Resolved: the rise in the model's error rate is no longer detected "
         "(last alert 2026-11-25 12:00 UTC)."),
        ("m:new_kind:x:y", "x:y",
         "Resolved: new kind on x:y is no longer detected (last alert 2026-11-25 12:00 UTC)."),
    ],
)  # fmt: skip
def test_resolved_message_per_kind(fingerprint: str, subject: str, message: str) -> None:
    [n] = resolved_alerts([], {fingerprint: T0}, "m")
    assert (n.kind, n.severity, n.subject, n.message) == ("resolved", "info", subject, message)
    assert n.fingerprint == fingerprint + ":resolved"
    assert n.details["resolves"] == fingerprint and n.details["last_alert"] == T0.isoformat()


def test_only_absent_decided_fingerprints_of_the_model_resolve() -> None:
    active = {
        "m:data_drift:a": T0,  # still firing
        "m:data_drift:b": T0,  # gone: resolves
        "m:performance:roc_auc": T0,  # gone, but performance was not checked this run
        "other:data_drift:b": T0,  # another model
        "m:data_drift:c:resolved": T0,  # a notice is never itself resolved
    }
    current = [_alert("data_drift", "a", "m:data_drift:a")]
    notices = resolved_alerts(
        current,
        active,
        "m",
        decided_kinds={"data_drift"},
        severities={"m:data_drift:b": "critical"},
    )
    assert [n.fingerprint for n in notices] == ["m:data_drift:b:resolved"]
    assert notices[0].details["severity_was"] == "critical"
    assert len(resolved_alerts(current, active, "m")) == 2  # undecided kinds allowed: perf too


def _feature(name: str, drifted: bool) -> FeatureDrift:
    return FeatureDrift(
        feature=name, kind="numeric", test="ks", statistic=0.3, p_value=1e-6, p_adjusted=1e-5,
        effect="psi", effect_value=0.15, min_effect=0.1, psi=0.15 if drifted else 0.0,
        drifted=drifted, reference_summary={}, window_summary={}, bins=["a"],
        reference_counts=[1], window_counts=[1], message=f"Data drift on {name}",
    )  # fmt: skip


def _result(drifted: list[str], perf: str = "ok", status: str | None = None) -> MonitoringResult:
    perf_result = PerformanceResult(perf, 100, {"roc_auc": 0.7}, {"roc_auc": 0.9}, "roc_auc", "")
    result = MonitoringResult(
        model_name="m",
        model_version="1",
        created_at="",
        window_start=None,
        window_end=None,
        n_rows=100,
        status=status or ("drift" if drifted or perf == "degraded" else "ok"),
        summary="",
        drift_share=0.0,
        features=[_feature(n, n in drifted) for n in ("a", "b")],
        drifted_features=drifted,
        performance=perf_result,
        alerts=[],
        settings={},
    )
    return with_alerts(result)


def test_decided_kinds_follow_what_the_run_could_check() -> None:
    # Every run that got to its checks knows whether they all ran (check_failed).
    degraded = _result(["a"], "degraded")
    assert decided_kinds(degraded) == {"data_drift", "performance", "check_failed"}
    assert decided_kinds(_result([], "insufficient_labels")) == {"data_drift", "check_failed"}
    assert decided_kinds(_result([], status="insufficient_data")) == set()


def _save(store: MemoryStore, result: MonitoringResult, sent: bool = True) -> None:
    run = store.save_run("m", "1", result.to_dict())
    store.save_alerts(run, [{**a.__dict__, "sent": sent} for a in result.alerts])


def test_notices_from_the_previous_run_in_a_real_store(tmp_path: Path) -> None:
    store = MemoryStore()
    assert resolution_notices(_result([]), store) == []  # no previous run
    _save(store, _result(["a", "b"], "degraded"))
    # Run 2: a still drifts; b is gone; performance could not be scored, so it stays open.
    notices = resolution_notices(_result(["a"], "insufficient_labels"), store)
    assert [n.fingerprint for n in notices] == ["m:data_drift:b:resolved"]
    # A run that could not decide anything resolves nothing, and is skipped as "previous".
    assert resolution_notices(_result([], status="insufficient_data"), store) == []
    _save(store, _result([], status="insufficient_data"))
    notices = resolution_notices(_result([], "ok"), store)
    assert [n.fingerprint for n in notices] == [
        "m:data_drift:a:resolved",
        "m:data_drift:b:resolved",
        "m:performance:roc_auc:resolved",
    ]
    assert notices[-1].details["severity_was"] == "critical"


def test_never_sent_alerts_need_no_all_clear(tmp_path: Path) -> None:
    store = MemoryStore()
    _save(store, _result(["a"]), sent=False)
    assert resolution_notices(_result([]), store) == []


def test_notices_go_where_the_alert_went_with_their_own_cooldown(tmp_path: Path) -> None:
    store = MemoryStore()
    _save(store, _result(["a"], "degraded"))  # data_drift warning, performance critical
    notices = resolution_notices(_result([]), store)
    pager = ConsoleSink(min_severity="critical")
    out = dispatch(notices, [pager], store, cooldown=timedelta(hours=1), context={})
    assert {d.alert.details["resolves"]: d.sent_to for d in out} == {
        "m:data_drift:a": [],  # the pager never got the warning, so not its all-clear either
        "m:performance:roc_auc": ["console"],
    }
    unknown = replace(notices[0], details={})  # severity unknown: everywhere
    # On a store of its own: this send is real, so on `store` its cooldown would hold back
    # the notice below.
    assert dispatch([unknown], [pager], MemoryStore(), cooldown=timedelta(0), context={})[0].sent_to
    # Stored as jobs would store them: the notices have their own fingerprints, so they are
    # held back on the next run by the cooldown, and a relapse of the alert still pages.
    before = store.last_alert_sent("m:data_drift:a")
    run = store.save_run("m", "1", _result([]).to_dict())
    store.save_alerts(run, [{**d.alert.__dict__, "sent": bool(d.sent_to)} for d in out])
    again = dispatch(notices, [pager], store, cooldown=timedelta(hours=1), context={})
    assert [d.suppressed for d in again] == [False, True]  # the first was never sent
    assert store.last_alert_sent("m:data_drift:a") == before


def test_resolved_notice_wording_in_slack_and_email() -> None:
    [n] = resolved_alerts([], {"m:data_drift:Gr_Liv_Area": T0}, "m")
    context = {"model": "ames-housing"}
    assert (
        email_subject(n, context) == "[driftlab] RESOLVED data_drift on Gr_Liv_Area (ames-housing)"
    )
    header = slack_message(n, context)["blocks"][0]["text"]["text"]
    assert header == ":white_check_mark: RESOLVED data_drift on Gr_Liv_Area (ames-housing)"
    with WebhookReceiver() as rx:
        store = MemoryStore()
        dispatch([n], [SlackSink(rx.url)], store, cooldown=timedelta(0), context=context)
    assert rx.received[0]["blocks"][1]["text"]["text"] == n.message


def test_channels_take_only_their_kinds_and_the_all_clear_follows(tmp_path: Path) -> None:
    from driftlab.alerts import build_sinks
    from driftlab.config import AlertsConfig

    store = MemoryStore()
    drift = _result(["a"]).alerts[0]
    fair = Alert("fairness", "critical", "sex:equal_opportunity_difference", "Fairness alert…",
                 "m:fairness:sex:equal_opportunity_difference")  # fmt: skip
    with WebhookReceiver() as everyone, WebhookReceiver() as officer:
        config = AlertsConfig.model_validate(
            {
                "allow_hosts": ["127.0.0.1"],
                "channels": [
                    {"type": "webhook", "url": everyone.url},
                    {"type": "webhook", "url": officer.url, "kinds": ["fairness", "compliance"]},
                ],
            }
        )
        sinks = build_sinks(config)
        out = dispatch([drift, fair], sinks, store, cooldown=timedelta(0), context={})
        assert [d.sent_to for d in out] == [["webhook#0"], ["webhook#0", "webhook#1"]]
        assert [m["kind"] for m in officer.received] == ["fairness"]
        # The all-clear of the fairness alert reaches the officer too; the drift one does not.
        officer.received.clear()
        notices = [
            Alert("resolved", "info", a.subject, f"Resolved: {a.kind}", f"{a.fingerprint}:ok",
                  {"resolves": a.fingerprint, "resolved_kind": a.kind, "severity_was": "critical"})
            for a in (drift, fair)
        ]  # fmt: skip
        out = dispatch(notices, sinks, store, cooldown=timedelta(0), context={})
        assert [d.sent_to for d in out] == [["webhook#0"], ["webhook#0", "webhook#1"]]
        assert [m["details"]["resolved_kind"] for m in officer.received] == ["fairness"]
    with pytest.raises(ValueError, match=r"unknown alert kind\(s\) \['fairnes'\]"):
        AlertsConfig.model_validate({"channels": [{"type": "console", "kinds": ["fairnes"]}]})


def test_no_all_clear_for_a_fairness_or_compliance_check_without_a_verdict() -> None:
    from types import SimpleNamespace

    from driftlab.alerts.rules import undecided_subjects

    m = SimpleNamespace
    # Only the fairness and compliance parts matter; every other check finds nothing.
    result = m(
        model_name="m", status="drift", features=[], drifted_features=[], drift_share=0.0,
        performance=None, prediction_drift=None, multivariate=[], service=None, concept=None,
        data_quality=None, check_errors=[], estimated=None, label_drift=None,
        fairness=m(metrics=[
            m(attribute="sex", metric="equal_opportunity_difference", status="insufficient_data"),
            m(attribute="sex", metric="demographic_parity_difference", status="beyond_limit"),
            m(attribute="age", metric="demographic_parity_difference", status="ok"),
        ]),
        compliance=m(checks=[
            m(check="reliance", feature="zip_code", verdict="insufficient_data"),
            m(check="proxy", feature="sex", verdict="pass"),
        ]),
    )  # fmt: skip
    undecided = undecided_subjects(result)  # type: ignore[arg-type]
    assert undecided == {
        ("fairness", "sex:equal_opportunity_difference"),
        ("fairness", "sex:demographic_parity_difference"),
        ("compliance", "reliance:zip_code"),
    }
    active = {
        f"m:{kind}:{subject}": T0
        for kind, subject in [*undecided, ("fairness", "age:demographic_parity_difference")]
    }
    notices = resolved_alerts(
        [], active, "m", decided_kinds={"fairness", "compliance"}, undecided=undecided
    )
    # Only the check that reached "ok" clears its alert; silence elsewhere is not "fixed".
    assert [n.details["resolves"] for n in notices] == [
        "m:fairness:age:demographic_parity_difference"
    ]
