"""Alerts: pure rules from results to alerts, sinks that deliver them, and dispatch.

``build_sinks`` turns ``[alerts]`` settings into sinks (checking URLs, reading secrets from the
environment); ``incident_alerts`` makes one alert per incident of a run; ``dispatch`` sends with
cooldown and retries; ``incident_notices`` (and, per finding, ``resolution_notices``) says when
a problem that was alerted on is over.
"""

from driftlab.alerts.dispatch import Delivery, dispatch
from driftlab.alerts.factory import build_sinks
from driftlab.alerts.incidents import INCIDENT, incident_alerts, incident_notices, urgent
from driftlab.alerts.resolved import resolution_notices, resolved_alerts
from driftlab.alerts.retry import RetryPolicy, TransientDeliveryError
from driftlab.alerts.rules import alerts_for, decided_kinds, with_alerts
from driftlab.alerts.sinks import ConsoleSink, EmailSink, Sink, SlackSink, WebhookSink

__all__ = [
    "INCIDENT",
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
    "incident_alerts",
    "incident_notices",
    "resolution_notices",
    "resolved_alerts",
    "urgent",
    "with_alerts",
]
