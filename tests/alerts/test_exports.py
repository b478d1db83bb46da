"""The alerts package's public surface is exactly the intended names."""

from __future__ import annotations

import driftlab.alerts
import driftlab.alerts.sinks


def test_exported_names_are_exactly_the_intended_ones() -> None:
    assert set(driftlab.alerts.__all__) == {
        "ConsoleSink",
        "Delivery",
        "EmailSink",
        "INCIDENT",
        "RetryPolicy",
        "Sink",
        "SlackSink",
        "TransientDeliveryError",
        "WebhookSink",
        "alerts_for",
        "build_sinks",
        "decided_kinds",
        "dispatch",
        "incident_alerts",
        "incident_notices",
        "resolution_notices",
        "resolved_alerts",
        "urgent",
        "with_alerts",
    }
    assert set(driftlab.alerts.sinks.__all__) == {
        "ConsoleSink",
        "EmailSink",
        "Sink",
        "SlackSink",
        "WebhookSink",
    }
    for mod in (driftlab.alerts, driftlab.alerts.sinks):
        for name in mod.__all__:
            assert hasattr(mod, name), f"{mod.__name__}.{name} is exported but missing"


def test_every_kind_the_rules_raise_can_be_routed() -> None:
    # A channel's `kinds` is checked against ALERT_KINDS; a kind the rules raise but the
    # settings do not know could never be routed on its own. The rules raise one alert per
    # finding, and findings come only from the catalogue's checks (tests/monitor/test_findings.py
    # raises every kind through alerts_for).
    from driftlab.config import ALERT_KINDS
    from driftlab.monitor.findings import CATALOGUE

    assert {kind.value for kind in CATALOGUE} == set(ALERT_KINDS)
