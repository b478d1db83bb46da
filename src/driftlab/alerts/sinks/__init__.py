"""Alert channels. Each sink makes one delivery attempt per ``send`` and raises
:class:`~driftlab.errors.AlertDeliveryError` when it fails (see :mod:`driftlab.alerts.retry`)."""

from driftlab.alerts.sinks.base import Sink
from driftlab.alerts.sinks.console import ConsoleSink
from driftlab.alerts.sinks.email import EmailSink
from driftlab.alerts.sinks.slack import SlackSink
from driftlab.alerts.sinks.webhook import WebhookSink

__all__ = ["ConsoleSink", "EmailSink", "Sink", "SlackSink", "WebhookSink"]
