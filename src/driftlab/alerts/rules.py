"""Alert rules: a run's findings, turned into the alerts that carry them to people.

What counts as a finding, and how severe it is, is decided once per kind in
:mod:`driftlab.monitor.findings`; here a finding only gains its model-scoped fingerprint.
"""

from __future__ import annotations

from dataclasses import replace

from driftlab.monitor.findings import Finding, decided_kinds, findings_of, undecided_subjects
from driftlab.monitor.result import Alert, MonitoringResult

__all__ = ["SEVERITIES", "alerts_for", "decided_kinds", "undecided_subjects", "with_alerts"]

SEVERITIES = ("info", "warning", "critical")


def _alert_of(finding: Finding, model: str) -> Alert:
    """The alert for one finding of ``model``'s run.

    The fingerprint names model, kind and subject but not the version or numbers, so the
    same ongoing problem deduplicates across runs.
    """
    return Alert(
        kind=finding.kind.value,
        severity=finding.severity,
        subject=finding.subject,
        message=finding.message,
        fingerprint=finding.fingerprint(model),
        details=dict(finding.details),
    )


def alerts_for(result: MonitoringResult) -> list[Alert]:
    """One alert per finding, kind by kind: each drifted feature (largest effect first),
    drifted predictions, joint drift that no single feature shows, an SLO breach, concept
    drift, each fairness gap and compliance breach, degraded quality."""
    return [_alert_of(f, result.model_name) for f in findings_of(result)]


def with_alerts(result: MonitoringResult) -> MonitoringResult:
    return replace(result, alerts=alerts_for(result))
