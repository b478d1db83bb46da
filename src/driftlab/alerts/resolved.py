"""All-clear notices: tell people when a problem they were alerted about is over.

Without them an alert is a door left open: whoever was paged keeps checking a feature that
went back to normal hours ago. A notice is sent when a fingerprint that people were told
about is absent from a run that *checked* for it; absence from a run that could not check
(too few rows or labels) says nothing, so it resolves nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, datetime

from driftlab.monitor.findings import CATALOGUE, decided_kinds, undecided_subjects
from driftlab.monitor.result import Alert, MonitoringResult
from driftlab.store.ports import RunHistory

__all__ = ["RESOLVED", "resolution_notices", "resolved_alerts"]

RESOLVED = "resolved"
# How each kind of problem is named in "Resolved: ... is no longer detected".
_PHRASES = {kind.value: check.resolved for kind, check in CATALOGUE.items()}
# Previous runs to look through for the last one that reached a verdict.
_LOOKBACK_RUNS = 20


def _utc(ts: datetime) -> datetime:
    return ts.astimezone(UTC) if ts.tzinfo else ts.replace(tzinfo=UTC)


def resolved_alerts(
    current: list[Alert],
    previously_active: Mapping[str, datetime],
    model: str,
    *,
    decided_kinds: Collection[str] | None = None,
    severities: Mapping[str, str] | None = None,
    undecided: Collection[tuple[str, str]] = (),
) -> list[Alert]:
    """One ``resolved`` notice (severity ``info``) per fingerprint of ``model`` that was active
    (alerted and sent; mapped to when it was last sent) and is absent from ``current``.

    ``decided_kinds`` limits notices to the alert kinds the current run reached a verdict on
    (see :func:`~driftlab.monitor.findings.decided_kinds`); None means all. ``undecided`` names
    (kind, subject) pairs whose own check reached no verdict (no notice for them either).
    ``severities`` gives
    the severity each fingerprint last had, so dispatch can send the notice to the channels
    that received the alert (``details["severity_was"]``). The notice's fingerprint is the
    alert's plus ``:resolved``, so it has its own cooldown and never suppresses the alert.

    >>> active = {"m:data_drift:Gr_Liv_Area": datetime(2026, 11, 25, 12, 0, tzinfo=UTC)}
    >>> [n] = resolved_alerts([], active, "m")
    >>> n.message
    'Resolved: data drift on feature Gr_Liv_Area is no longer detected (last alert 2026-11-25 12:00 UTC).'
    >>> n.kind, n.severity, n.subject, n.fingerprint
    ('resolved', 'info', 'Gr_Liv_Area', 'm:data_drift:Gr_Liv_Area:resolved')
    """  # noqa: E501
    firing = {a.fingerprint for a in current}
    prefix = f"{model}:"
    out: list[Alert] = []
    for fingerprint, last_sent in sorted(previously_active.items()):
        if fingerprint in firing or not fingerprint.startswith(prefix):
            continue
        kind, _, subject = fingerprint.removeprefix(prefix).partition(":")
        if kind == RESOLVED or fingerprint.endswith(f":{RESOLVED}"):
            continue
        if decided_kinds is not None and kind not in decided_kinds:
            continue
        if (kind, subject) in undecided:
            continue
        default = kind.replace("_", " ") + (" on {subject}" if subject else "")
        what = _PHRASES.get(kind, default).format(subject=subject)
        when = _utc(last_sent)
        details: dict[str, str] = {
            "resolves": fingerprint,
            "resolved_kind": kind,
            "last_alert": when.isoformat(),
        }
        if severities and fingerprint in severities:
            details["severity_was"] = severities[fingerprint]
        out.append(
            Alert(
                kind=RESOLVED,
                severity="info",
                subject=subject,
                message=(
                    f"Resolved: {what} is no longer detected "
                    f"(last alert {when:%Y-%m-%d %H:%M} UTC)."
                ),
                fingerprint=f"{fingerprint}:{RESOLVED}",
                details=details,
            )
        )
    return out


def resolution_notices(result: MonitoringResult, store: RunHistory) -> list[Alert]:
    """The notices ``result`` warrants, given the runs already in ``store``.

    Call it *before* saving ``result``'s run. "Active" means: listed in the model's most
    recent run that reached a verdict, and sent at least once (``store.last_alert_sent``). An
    alert suppressed by the cooldown in that run still counts, since people were told of it
    when it began. Built on the store's existing methods; a store query for the same set
    (``Store.active_fingerprints``) would replace the loop below.
    """
    model = result.model_name
    previous = next(
        (
            r
            for r in store.runs(model, limit=_LOOKBACK_RUNS)
            if r.result.get("status") != "insufficient_data"
        ),
        None,
    )
    if previous is None:
        return []
    active: dict[str, datetime] = {}
    severities: dict[str, str] = {}
    for a in previous.result.get("alerts", []):
        last_sent = store.last_alert_sent(a["fingerprint"])
        if last_sent is not None:
            active[a["fingerprint"]] = last_sent
            severities[a["fingerprint"]] = a["severity"]
    return resolved_alerts(
        result.alerts,
        active,
        model,
        decided_kinds=decided_kinds(result),
        severities=severities,
        undecided=undecided_subjects(result),
    )
