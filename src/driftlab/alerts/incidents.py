"""Incidents as alerts: one message per incident per channel, and one all-clear when it ends.

A run's incidents (:mod:`driftlab.monitor.incident`) travel through the same dispatch as
single alerts: each becomes an :class:`Alert` of kind ``incident`` whose message is the
incident's summary and whose ``details`` carry its ranked causes and every finding with its
numbers, for the channels to lay out.

**When an incident is sent.** Its fingerprint, ``model:incident:group``, names no feature or
number, so an incident that persists across runs is sent once per ``alerts.cooldown_minutes``
however its findings shift. Two changes are sent at once, cooldown or not: an incident that
*escalates* (its severity rises above what was last sent, or a kind of finding joins that
the last message did not have, such as a performance drop on top of data drift; more drifted
features alone are not an escalation), and one that *reopens* after its all-clear.

**When it ends.** An incident that people were sent, that has had no all-clear since, and of
which the current run found nothing while deciding every one of its findings (a check that
could not decide, such as performance without labels, leaves it open), gets one ``resolved``
notice. Runs stored before incidents existed are resolved finding by finding, as they were
sent (:func:`~driftlab.alerts.resolved.resolution_notices`).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime

from driftlab.alerts.resolved import RESOLVED, resolution_notices
from driftlab.alerts.rules import SEVERITIES
from driftlab.monitor.findings import decided_kinds, undecided_subjects
from driftlab.monitor.result import Alert, Incident, MonitoringResult
from driftlab.store.ports import RunHistory
from driftlab.store.records import StoredRun

__all__ = ["INCIDENT", "incident_alert", "incident_alerts", "incident_notices", "urgent"]

INCIDENT = "incident"
# Previous runs to look through for incidents that may have ended.
_LOOKBACK_RUNS = 20
# Alert log entries read to find what was last sent of an incident.
_LOG_LIMIT = 200


def incident_alert(incident: Incident) -> Alert:
    """The alert that carries ``incident`` to the channels.

    ``details["routes"]`` lists each finding's (kind, severity): a channel takes the incident
    when one of them passes its ``kinds`` and ``min_severity``.
    """
    return Alert(
        kind=INCIDENT,
        severity=incident.severity,
        subject=incident.group,
        message=incident.summary,
        fingerprint=incident.fingerprint,
        details={
            "title": incident.title,
            "group": incident.group,
            "causes": [asdict(c) for c in incident.causes],
            "findings": [asdict(f) for f in incident.findings],
            "routes": sorted({(f.kind, f.severity) for f in incident.findings}),
        },
    )


def incident_alerts(result: MonitoringResult) -> list[Alert]:
    """One alert per incident of ``result``."""
    return [incident_alert(i) for i in result.incidents]


def _utc(ts: datetime) -> datetime:
    return ts.astimezone(UTC) if ts.tzinfo else ts.replace(tzinfo=UTC)


def _utc_sort(ts: datetime | None) -> float:
    return _utc(ts).timestamp() if ts is not None else float("-inf")


def _resolved_since_sent(store: RunHistory, fingerprint: str) -> bool:
    """Whether the incident's last all-clear was sent after the incident itself."""
    sent = store.last_alert_sent(fingerprint)
    cleared = store.last_alert_sent(f"{fingerprint}:{RESOLVED}")
    return cleared is not None and _utc_sort(cleared) >= _utc_sort(sent)


def _last_sent(store: RunHistory, model: str, fingerprint: str) -> dict | None:
    """The incident as it was last sent (from the run that sent it), or None."""
    for row in store.alert_log(model, limit=_LOG_LIMIT):
        if row.fingerprint == fingerprint and row.sent:
            incidents = store.get_run(row.run_id).result.get("incidents") or []
            return next((i for i in incidents if i["fingerprint"] == fingerprint), None)
    return None


def urgent(result: MonitoringResult, store: RunHistory) -> set[str]:
    """The incidents of ``result`` to send despite the cooldown: escalated or reopened (see
    the module doc). Read before this run's alerts are saved."""
    out = set()
    for incident in result.incidents:
        fp = incident.fingerprint
        if store.last_alert_sent(fp) is None:
            continue  # never sent: the cooldown lets it through anyway
        if _resolved_since_sent(store, fp):
            out.add(fp)
            continue
        was = _last_sent(store, result.model_name, fp)
        if was is None:
            continue
        kinds_was = {f["kind"] for f in was["findings"]}
        if SEVERITIES.index(incident.severity) > SEVERITIES.index(was["severity"]) or any(
            f.kind not in kinds_was for f in incident.findings
        ):
            out.add(fp)
    return out


def _notice(incident: dict, last_sent: datetime) -> Alert:
    when = _utc(last_sent)
    return Alert(
        kind=RESOLVED,
        severity="info",
        subject=incident["group"],
        message=(
            f"Resolved: the {incident['group']} incident ({incident['title']}) is no longer "
            f"detected (last alert {when:%Y-%m-%d %H:%M} UTC)."
        ),
        fingerprint=f"{incident['fingerprint']}:{RESOLVED}",
        details={
            "resolves": incident["fingerprint"],
            "resolved_kind": INCIDENT,
            "last_alert": when.isoformat(),
            "severity_was": incident["severity"],
            "routes": sorted({(f["kind"], f["severity"]) for f in incident["findings"]}),
            "findings_was": [f["fingerprint"] for f in incident["findings"]],
        },
    )


def incident_notices(result: MonitoringResult, store: RunHistory) -> list[Alert]:
    """The all-clears ``result`` warrants, given the runs already in ``store`` (call it before
    saving ``result``'s run). Sent despite the cooldown: each is due once per incident."""
    if result.status == "insufficient_data":
        return []
    model = result.model_name
    previous: list[StoredRun] = [
        r
        for r in store.runs(model, limit=_LOOKBACK_RUNS)
        if r.result.get("status") != "insufficient_data"
    ]
    if not previous:
        return []
    if "incidents" not in previous[0].result:
        return resolution_notices(result, store)  # stored before incidents: per finding
    open_now = {i.fingerprint for i in result.incidents}
    decided = decided_kinds(result)
    undecided = undecided_subjects(result)
    latest: dict[str, dict] = {}
    for run in previous:  # newest first: the latest listing of each incident
        for incident in run.result.get("incidents") or []:
            latest.setdefault(incident["fingerprint"], incident)
    out = []
    for fp, incident in sorted(latest.items()):
        sent = store.last_alert_sent(fp)
        if fp in open_now or sent is None or _resolved_since_sent(store, fp):
            continue
        if all(
            f["kind"] in decided and (f["kind"], f["subject"]) not in undecided
            for f in incident["findings"]
        ):
            out.append(_notice(incident, sent))
    return out
