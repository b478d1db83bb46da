"""Alerts: pure rules from results to alerts, sinks that deliver them, and dispatch.

``build_sinks`` turns ``[alerts]`` settings into sinks (checking URLs, reading secrets from the
environment); ``dispatch`` sends with cooldown and retries; ``resolution_notices`` says when a
problem that was alerted on is over.
"""

from driftlab.alerts.dispatch import Delivery, dispatch
from driftlab.alerts.factory import build_sinks
from driftlab.alerts.resolved import resolution_notices, resolved_alerts
from driftlab.alerts.retry import RetryPolicy, TransientDeliveryError
from driftlab.alerts.rules import alerts_for, decided_kinds, with_alerts
from driftlab.alerts.sinks import ConsoleSink, EmailSink, Sink, SlackSink, WebhookSink

__all__ = [
    "ConsoleSink",
    "Delivery",
    "EmailSink",
    "RetryPolicy",
    "Sink",
    "SlackSink",
    "TransientDeliveryError",
    "WebhookSink",
    "alerts_for",
    "build_sinks",
    "decided_kinds",
    "dispatch",
    "resolution_notices",
    "resolved_alerts",
    "with_alerts",
]
