"""Deliver alerts to sinks, skipping those already sent within the cooldown."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from driftlab.alerts.rules import SEVERITIES
from driftlab.alerts.sinks import Sink
from driftlab.errors import AlertDeliveryError
from driftlab.monitor.result import Alert
from driftlab.store.base import Store

__all__ = ["Delivery", "dispatch"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    alert: Alert
    sent_to: list[str]
    suppressed: bool
    failures: list[str]


def dispatch(
    alerts: list[Alert],
    sinks: list[Sink],
    store: Store,
    *,
    cooldown: timedelta,
    context: dict[str, Any],
    now: datetime | None = None,
) -> list[Delivery]:
    """Send each alert to every sink whose minimum severity it meets.

    An alert whose fingerprint was sent less than ``cooldown`` ago is suppressed (stored,
    not sent) so an ongoing problem does not page people on every run.
    """
    now = now or datetime.now(UTC)
    out = []
    for alert in alerts:
        last = store.last_alert_sent(alert.fingerprint)
        if last is not None and now - last < cooldown:
            out.append(Delivery(alert, [], True, []))
            continue
        sent, failures = [], []
        for sink in sinks:
            if SEVERITIES.index(alert.severity) < SEVERITIES.index(sink.min_severity):
                continue
            try:
                sink.send(alert, context)
                sent.append(sink.name)
            except AlertDeliveryError as e:
                log.error("alert %s not delivered: %s", alert.fingerprint, e)
                failures.append(str(e))
        out.append(Delivery(alert, sent, False, failures))
    return out
