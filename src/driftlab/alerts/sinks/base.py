"""The sink port and the wording that several channels share."""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from typing import Any, Protocol

from driftlab.monitor.result import Alert

__all__ = ["Sink", "context_line", "headline", "incident_lines", "json_body", "jsonable"]

# An alert of this kind carries an incident (see driftlab.alerts.incidents, which imports this
# package, hence the literal here).
_INCIDENT = "incident"


class Sink(Protocol):
    """One alert channel.

    ``send`` makes *one* delivery attempt and raises
    :class:`~driftlab.errors.AlertDeliveryError` when it fails, or its subclass
    :class:`~driftlab.alerts.retry.TransientDeliveryError` when another attempt may succeed.
    A sink may also carry ``retry: RetryPolicy``; dispatch reads it and makes one attempt
    when it is absent. Error messages name the sink, never its URL or credentials.
    """

    name: str
    min_severity: str

    def send(self, alert: Alert, context: dict[str, Any]) -> None: ...


def headline(alert: Alert, context: dict[str, Any]) -> str:
    """``CRITICAL data_drift on Gr_Liv_Area (ames-housing)``: what a subject line or a header
    must say at a glance. A resolved notice names the kind of problem that ended.

    >>> a = Alert("data_drift", "critical", "Gr_Liv_Area", "...", "m:data_drift:Gr_Liv_Area")
    >>> headline(a, {"model": "ames-housing"})
    'CRITICAL data_drift on Gr_Liv_Area (ames-housing)'
    """
    if alert.kind == "resolved":
        label, kind = "RESOLVED", str(alert.details.get("resolved_kind", "alert"))
    else:
        label, kind = alert.severity.upper(), alert.kind
    text = f"{label} {kind}"
    if alert.kind == _INCIDENT and alert.details.get("title"):
        text += f": {alert.details['title']}"
    elif alert.subject:
        text += f" on {alert.subject}"
    if context.get("model"):
        text += f" ({context['model']})"
    # Feature names come from data files; a line break would end an e-mail header early.
    return " ".join(text.split())


def incident_lines(alert: Alert) -> tuple[list[str], list[str]]:
    """An incident's ranked causes and its findings, one line each, in plain text; two empty
    lists for any other alert.

    >>> a = Alert("incident", "critical", "data", "2 findings.", "m:incident:data", {
    ...     "causes": [{"rank": 1, "message": "age: PSI 2.4"}],
    ...     "findings": [{"severity": "critical", "kind": "data_drift", "subject": "age",
    ...                   "message": "Data drift on age."}]})
    >>> incident_lines(a)
    (['1. age: PSI 2.4'], ['CRITICAL data_drift age: Data drift on age.'])
    """
    if alert.kind != _INCIDENT:
        return [], []
    causes = [f"{c['rank']}. {c['message']}" for c in alert.details.get("causes") or []]
    findings = [
        " ".join(f"{f['severity'].upper()} {f['kind']} {f['subject']}: {f['message']}".split())
        for f in alert.details.get("findings") or []
    ]
    return causes, findings


def context_line(context: dict[str, Any]) -> str:
    """``model ames-housing · version 3 · window last 400 predictions``, skipping unknowns.

    >>> context_line({"model": "m", "model_version": "3", "window": "last 400 predictions"})
    'model m · version 3 · window last 400 predictions'
    """
    parts = [
        f"{label} {context[key]}"
        for key, label in (("model", "model"), ("model_version", "version"), ("window", "window"))
        if context.get(key) not in (None, "")
    ]
    return " · ".join(parts)


def jsonable(value: Any) -> Any:
    """``value`` with only what JSON can carry: non-finite floats become None (receivers, Slack
    among them, refuse the NaN that json.dumps writes), numpy scalars Python numbers, dates
    ISO strings, anything else its ``str``.

    >>> jsonable({"p": float("inf"), "d": (1, "x")})
    {'p': None, 'd': [1, 'x']}
    """
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str | int | bool) or value is None:
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalar
        return jsonable(value.item())
    return str(value)


def json_body(payload: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON. Built once per attempt so a signature covers the exact bytes sent.

    >>> json_body({"psi": float("nan"), "n": 2})
    b'{"psi":null,"n":2}'
    """
    return json.dumps(jsonable(payload), separators=(",", ":"), ensure_ascii=False).encode()
