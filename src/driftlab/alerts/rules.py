"""Alert rules: pure functions from a MonitoringResult to the alerts it warrants."""

from __future__ import annotations

from dataclasses import replace

from driftlab.monitor.result import Alert, MonitoringResult

__all__ = ["SEVERITIES", "alerts_for", "with_alerts"]

SEVERITIES = ("info", "warning", "critical")
# PSI above this is conventionally a major shift.
_CRITICAL_PSI = 0.25


def alerts_for(result: MonitoringResult) -> list[Alert]:
    """One alert per drifted feature (largest effect first) and one for degraded quality.

    The fingerprint names model, kind and subject but not the version or numbers, so the
    same ongoing problem deduplicates across runs.
    """
    out: list[Alert] = []
    by_name = {f.feature: f for f in result.features}
    for name in result.drifted_features:
        f = by_name[name]
        out.append(
            Alert(
                kind="data_drift",
                severity="critical" if f.psi >= _CRITICAL_PSI else "warning",
                subject=name,
                message=f.message,
                fingerprint=f"{result.model_name}:data_drift:{name}",
                details={"psi": f.psi, "p_adjusted": f.p_adjusted, "test": f.test},
            )
        )
    perf = result.performance
    if perf is not None and perf.status == "degraded":
        out.append(
            Alert(
                kind="performance",
                severity="critical",
                subject=perf.primary_metric,
                message=perf.message,
                fingerprint=f"{result.model_name}:performance:{perf.primary_metric}",
                details={"metrics": perf.metrics, "reference": perf.reference_metrics},
            )
        )
    return out


def with_alerts(result: MonitoringResult) -> MonitoringResult:
    return replace(result, alerts=alerts_for(result))
