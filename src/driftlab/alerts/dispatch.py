"""Deliver alerts to sinks, skipping those already sent within the cooldown."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from driftlab.alerts.resolved import RESOLVED
from driftlab.alerts.retry import NO_RETRY, RetryPolicy, attempt_delivery
from driftlab.alerts.rules import SEVERITIES
from driftlab.alerts.sinks import Sink
from driftlab.monitor.result import Alert
from driftlab.store.ports import AlertLog

__all__ = ["Delivery", "dispatch"]


@dataclass(frozen=True)
class Delivery:
    """What happened to one alert: the sinks that accepted it, whether the cooldown held it
    back, and one line per failed attempt (``"slack#1: ... (attempt 2 of 4)"``)."""

    alert: Alert
    sent_to: list[str]
    suppressed: bool
    failures: list[str]


def _passes(kind: str, severity: str, sink: Sink) -> bool:
    kinds = getattr(sink, "kinds", None)
    if kinds and kind and kind not in kinds:
        return False
    if severity not in SEVERITIES:
        severity = SEVERITIES[-1]
    return SEVERITIES.index(severity) >= SEVERITIES.index(sink.min_severity)


def _routes(alert: Alert, sink: Sink) -> bool:
    """Whether ``sink`` takes ``alert``: its severity reaches the sink's minimum and its kind is
    one the sink takes (``kinds``; empty or absent: all). An all-clear goes where the alert it
    ends went: routed by that alert's severity and kind, or everywhere when unknown. An
    incident (or its all-clear) carries each finding's kind and severity in
    ``details["routes"]``: the sink takes it when one of them passes."""
    routes = alert.details.get("routes")
    if routes:
        return any(_passes(str(kind), str(sev), sink) for kind, sev in routes)
    severity, kind = alert.severity, alert.kind
    if alert.kind == RESOLVED:
        severity = str(alert.details.get("severity_was", SEVERITIES[-1]))
        kind = str(alert.details.get("resolved_kind", ""))
    return _passes(kind, severity, sink)


def dispatch(
    alerts: list[Alert],
    sinks: list[Sink],
    store: AlertLog,
    *,
    cooldown: timedelta,
    context: dict[str, Any],
    now: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
    urgent: Collection[str] = (),
) -> list[Delivery]:
    """Send each alert to every sink whose minimum severity it meets.

    An alert whose fingerprint was sent less than ``cooldown`` ago is suppressed (stored,
    not sent) so an ongoing problem does not page people on every run. The check and the
    record of the send are one step (``store.claim_alert``), so two runs at once send each
    alert once; a claim whose alert no sink accepted is released, so the next run tries again.
    Alerts whose fingerprint is in ``urgent`` (an incident that escalated or reopened, an
    incident's all-clear) are sent whatever the cooldown, and their send is recorded the same way.

    Each sink is retried by its own ``retry`` policy (none when it has no such attribute).
    A sink that used up its retries on one alert gets a single attempt per alert until one
    succeeds: a receiver that is down would otherwise hold the run for the full backoff on
    every alert.
    """
    now = now or datetime.now(UTC)
    out = []
    exhausted: set[str] = set()
    for alert in alerts:
        wait = timedelta(0) if alert.fingerprint in urgent else cooldown
        if not store.claim_alert(alert.fingerprint, now, wait):
            out.append(Delivery(alert, [], True, []))
            continue
        sent, failures = [], []
        try:
            for sink in sinks:
                if not _routes(alert, sink):
                    continue
                policy: RetryPolicy = getattr(sink, "retry", NO_RETRY)
                if sink.name in exhausted:
                    policy = NO_RETRY
                ok, failed = attempt_delivery(sink.send, alert, context, policy, sleep=sleep)
                failures += failed
                if ok:
                    sent.append(sink.name)
                    exhausted.discard(sink.name)  # it is back: full retries again
                elif policy.retries and len(failed) == policy.attempts:
                    exhausted.add(sink.name)
        finally:
            if not sent:  # nothing went out, or a sink raised: the next run tries again
                store.release_alert(alert.fingerprint, now)
        out.append(Delivery(alert, sent, False, failures))
    return out
