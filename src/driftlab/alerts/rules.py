"""Alert rules: pure functions from a MonitoringResult to the alerts it warrants."""

from __future__ import annotations

from dataclasses import replace

from driftlab.monitor.result import Alert, MonitoringResult

__all__ = ["SEVERITIES", "alerts_for", "decided_kinds", "undecided_subjects", "with_alerts"]

SEVERITIES = ("info", "warning", "critical")
# PSI above this is conventionally a major shift.
_CRITICAL_PSI = 0.25


def alerts_for(result: MonitoringResult) -> list[Alert]:
    """One alert per drifted feature (largest effect first), one for drifted predictions, one
    for joint (multivariate) drift that no single feature shows, one for degraded quality.

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
    outputs = result.prediction_drift
    if outputs is not None and outputs.drifted:
        out.append(
            Alert(
                kind="prediction_drift",
                severity="warning",
                subject="prediction",
                message=outputs.message,
                fingerprint=f"{result.model_name}:prediction_drift",
                details={"effect": outputs.effect, "value": outputs.effect_value},
            )
        )
    # Joint drift is news only when no single feature explains it: otherwise the feature
    # alerts already say what moved, and one more alert would be noise.
    joint = next((m for m in result.multivariate if m.drifted), None)
    if joint is not None and not result.drifted_features:
        out.append(
            Alert(
                kind="multivariate_drift",
                severity="warning",
                subject=joint.method,
                message=joint.message,
                fingerprint=f"{result.model_name}:multivariate_drift",
                details={"statistic": joint.statistic, **joint.details},
            )
        )
    service = result.service
    if service is not None and service.status == "slo_breach":
        out.append(
            Alert(
                kind="service",
                severity="critical",
                subject="slo",
                message=service.message,
                fingerprint=f"{result.model_name}:service:slo",
                details={"latency_ms": service.latency_ms},
            )
        )
    concept = result.concept
    if concept is not None and concept.worsened:
        out.append(
            Alert(
                kind="concept_drift",
                severity="critical",
                subject=concept.method,
                message=concept.message,
                fingerprint=f"{result.model_name}:concept_drift",
                details={"change_points": concept.change_points[:5],
                         "error_before": concept.error_before,
                         "error_after": concept.error_after},
            )
        )  # fmt: skip
    out += _fairness_alerts(result) + _compliance_alerts(result)
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


def _fairness_alerts(result: MonitoringResult) -> list[Alert]:
    """One per significant gap beyond its limit: subject ``attribute:metric``. Critical when
    the four-fifths rule fails or a gap is twice its limit; estimated gaps are warnings."""
    if result.fairness is None:
        return []
    out = []
    for m in result.fairness.violations:
        ratio = m.metric == "demographic_parity_ratio"
        severe = (ratio or (m.value or 0.0) >= 2 * m.limit) and not m.estimated
        out.append(
            Alert(
                kind="fairness",
                severity="critical" if severe else "warning",
                subject=f"{m.attribute}:{m.metric}",
                message=m.message,
                fingerprint=f"{result.model_name}:fairness:{m.attribute}:{m.metric}",
                details={"value": m.value, "reference": m.reference, "limit": m.limit,
                         "groups": m.groups, "p_value": m.p_value, "estimated": m.estimated},
            )
        )  # fmt: skip
    return out


def _compliance_alerts(result: MonitoringResult) -> list[Alert]:
    """One critical alert per compliance check that passed its limit with support."""
    if result.compliance is None:
        return []
    return [
        Alert(
            kind="compliance",
            severity="critical",
            subject=f"{c.check}:{c.feature}",
            message=c.message,
            fingerprint=f"{result.model_name}:compliance:{c.check}:{c.feature}",
            details={
                "value": c.value,
                "interval": c.interval,
                "reference": c.reference,
                "limit": c.limit,
                "n": c.n,
            },
        )
        for c in result.compliance.alerts
    ]


def decided_kinds(result: MonitoringResult) -> set[str]:
    """The alert kinds on which ``result`` reached a verdict, so that a missing alert of such a
    kind means "fine now" rather than "not checked" (too few rows or labels, no SLO set).

    Mirrors :func:`alerts_for`: joint drift counts as checked only when no single feature
    drifted, since otherwise its alert is withheld, not cleared.
    """
    if result.status == "insufficient_data":
        return set()
    kinds = set()
    if result.features:
        kinds.add("data_drift")
    if result.prediction_drift is not None:
        kinds.add("prediction_drift")
    if result.multivariate and not result.drifted_features:
        kinds.add("multivariate_drift")
    if result.service is not None:
        kinds.add("service")
    if result.concept is not None:
        kinds.add("concept_drift")
    if result.performance is not None and result.performance.status in ("ok", "degraded"):
        kinds.add("performance")
    if result.fairness is not None and any(
        m.status != "insufficient_data" for m in result.fairness.metrics
    ):
        kinds.add("fairness")
    if result.compliance is not None and result.compliance.checks:
        kinds.add("compliance")
    return kinds


def undecided_subjects(result: MonitoringResult) -> set[tuple[str, str]]:
    """(kind, subject) pairs of a decided kind whose own check reached no verdict this time:
    a fairness metric with too little data or a gap not (yet) supported by the counts, a
    compliance check without enough rows. Their earlier alerts are not "resolved" by silence.
    """
    out: set[tuple[str, str]] = set()
    if result.fairness is not None:
        out |= {
            ("fairness", f"{m.attribute}:{m.metric}")
            for m in result.fairness.metrics
            if m.status not in ("ok", "violation")
        }
    if result.compliance is not None:
        out |= {
            ("compliance", f"{c.check}:{c.feature}")
            for c in result.compliance.checks
            if c.verdict not in ("pass", "alert")
        }
    return out


def with_alerts(result: MonitoringResult) -> MonitoringResult:
    return replace(result, alerts=alerts_for(result))
