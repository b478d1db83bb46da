"""Alerts: pure rules from results to alerts, sinks that deliver them, and dispatch."""

from driftlab.alerts.dispatch import Delivery, dispatch
from driftlab.alerts.rules import alerts_for, with_alerts
from driftlab.alerts.sinks import ConsoleSink, Sink, WebhookSink

__all__ = [
    "ConsoleSink",
    "Delivery",
    "Sink",
    "WebhookSink",
    "alerts_for",
    "dispatch",
    "with_alerts",
]
