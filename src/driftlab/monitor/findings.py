"""What a monitoring run found: one check per kind of finding, and what is read off them.

A finding is one problem worth telling someone about: a drifted feature, a breached SLO, a
fairness gap, extreme input values, a check that could not run on the window. Each kind is
decided once, by its check in :data:`CATALOGUE`, which also says whether the run could decide
the kind at all and which of its subjects it could not. The run's status and summary, its
alerts (:mod:`driftlab.alerts.rules`), the kinds whose earlier alerts a run may resolve, and
the kinds a channel may route (``ALERT_KINDS``) are all derived from the catalogue, so they
cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from driftlab.kinds import FindingKind
from driftlab.monitor.finding import CRITICAL_PSI, Check, Finding, Verdict
from driftlab.monitor.incident import group_incidents
from driftlab.monitor.model_findings import concept_drift, estimated_performance
from driftlab.monitor.result import Incident, MonitoringResult

__all__ = [
    "CATALOGUE",
    "CRITICAL_PSI",
    "Check",
    "Finding",
    "FindingKind",
    "Verdict",
    "conclude",
    "decided_kinds",
    "findings_of",
    "incidents_of",
    "status_of",
    "summary_of",
    "undecided_subjects",
    "verdicts",
]


def _data_drift(result: MonitoringResult) -> Verdict:
    """One finding per drifted feature, in the order the run ranked them (largest effect
    first); critical from a PSI of :data:`CRITICAL_PSI`."""
    kind = FindingKind.DATA_DRIFT
    by_name = {f.feature: f for f in result.features}
    drifted = [by_name[name] for name in result.drifted_features]
    findings = tuple(
        Finding(
            kind,
            f.feature,
            "critical" if f.psi >= CRITICAL_PSI else "warning",
            f.message,
            {"psi": f.psi, "p_adjusted": f.p_adjusted, "test": f.test},
        )
        for f in drifted
    )
    total = len(result.features)
    sentence = (
        f"Data drift in {len(drifted)} of {total} features ({result.drift_share:.0%}): "
        f"{', '.join(f.feature for f in drifted)}."
        if drifted
        else f"No data drift in {total} features."
    )
    # Informational, never a finding: significant changes too small to alert on.
    small = [f.feature for f in result.features if f.significant_below_effect]
    if small:
        sentence += (
            f" Significant but below the effect threshold (not alerted): {', '.join(small)}."
        )
    return Verdict(kind, findings, decided=bool(result.features), sentence=sentence)


def _data_quality(result: MonitoringResult) -> Verdict:
    """One finding per numeric feature whose extreme values (far outside the reference's
    range, see :mod:`driftlab.monitor.quality`) reach the minimum share of the window
    (subject: the feature), and one per flagged problem of a column (subject
    ``feature:check``: out_of_range, declared_bounds, unparsable, new_category, missing_jump,
    duplicate)."""
    kind = FindingKind.DATA_QUALITY
    quality = result.data_quality
    if quality is None:
        return Verdict(kind)
    issues = tuple(
        Finding(
            kind,
            i.subject,
            "warning",
            i.message,
            {
                "check": i.check,
                "feature": i.feature,
                "n": i.n,
                "share": i.share,
                "p_value": i.p_value,
                "reference_share": i.reference_share,
                "examples": i.examples,
                **i.details,
            },
        )
        for i in quality.issues
        if i.flagged
    )
    extreme = tuple(
        Finding(
            kind,
            e.feature,
            "warning",
            e.message,
            {
                "n": e.n,
                "share": e.share,
                "lower": e.lower,
                "upper": e.upper,
                "examples": e.examples,
            },
        )
        for e in quality.extreme
        if e.share >= quality.min_share
    )
    findings = extreme + issues
    sentence = " ".join(f.message for f in findings) or None
    return Verdict(kind, findings, decided=True, sentence=sentence)


def _label_drift(result: MonitoringResult) -> Verdict:
    """The window's labels against the training labels (decided from ``min_labels``)."""
    kind = FindingKind.LABEL_DRIFT
    labels = result.label_drift
    if labels is None:
        return Verdict(kind)
    if not labels.drifted:
        return Verdict(kind, decided=True)
    finding = Finding(
        kind,
        "label",
        "warning",
        labels.message,
        {"n": labels.n, "shift": labels.shift, "p_value": labels.p_value,
         "categories": labels.categories, "reference_shares": labels.reference_shares,
         "window_shares": labels.window_shares},
        keyed=False,
    )  # fmt: skip
    return Verdict(kind, (finding,), decided=True, sentence=labels.message)


def _prediction_drift(result: MonitoringResult) -> Verdict:
    """The model's outputs against those on the training rows."""
    kind = FindingKind.PREDICTION_DRIFT
    outputs = result.prediction_drift
    if outputs is None:
        return Verdict(kind)
    if not outputs.drifted:
        return Verdict(kind, decided=True)
    finding = Finding(
        kind,
        "prediction",
        "warning",
        outputs.message,
        {"effect": outputs.effect, "value": outputs.effect_value},
        keyed=False,
    )
    return Verdict(kind, (finding,), decided=True, sentence=outputs.message)


def _multivariate_drift(result: MonitoringResult) -> Verdict:
    """Joint drift, found only when no single feature drifted: otherwise the feature findings
    already say what moved (and joint drift is withheld, not cleared)."""
    kind = FindingKind.MULTIVARIATE_DRIFT
    if result.drifted_features or not result.multivariate:
        return Verdict(kind)
    joint = next((m for m in result.multivariate if m.drifted), None)
    if joint is None:
        return Verdict(kind, decided=True)
    finding = Finding(
        kind,
        joint.method,
        "warning",
        joint.message,
        {"statistic": joint.statistic, **joint.details},
        keyed=False,
    )
    return Verdict(kind, (finding,), decided=True, sentence=joint.message)


def _service(result: MonitoringResult) -> Verdict:
    """The latency and error-rate objectives (checked when the window has latencies)."""
    kind = FindingKind.SERVICE
    service = result.service
    if service is None:
        return Verdict(kind)
    if service.status != "slo_breach":
        return Verdict(kind, decided=True)
    finding = Finding(kind, "slo", "critical", service.message, {"latency_ms": service.latency_ms})
    return Verdict(kind, (finding,), decided=True, sentence=service.message)


def _fairness(result: MonitoringResult) -> Verdict:
    """One finding per significant gap beyond its limit, subject ``attribute:metric``.
    Critical when the four-fifths rule fails or a gap is twice its limit; estimated gaps (from
    calibrated probabilities) are warnings."""
    kind = FindingKind.FAIRNESS
    fairness = result.fairness
    if fairness is None:
        return Verdict(kind)
    findings = []
    for m in fairness.metrics:
        if m.status != "violation":
            continue
        ratio = m.metric == "demographic_parity_ratio"
        severe = (ratio or (m.value or 0.0) >= 2 * m.limit) and not m.estimated
        findings.append(
            Finding(
                kind,
                f"{m.attribute}:{m.metric}",
                "critical" if severe else "warning",
                m.message,
                {
                    "value": m.value,
                    "reference": m.reference,
                    "limit": m.limit,
                    "groups": m.groups,
                    "p_value": m.p_value,
                    "estimated": m.estimated,
                },
            )
        )
    return Verdict(
        kind,
        tuple(findings),
        decided=any(m.status != "insufficient_data" for m in fairness.metrics),
        # Too little data, or a gap beyond the limit that the counts do not (yet) support.
        undecided=frozenset(
            f"{m.attribute}:{m.metric}"
            for m in fairness.metrics
            if m.status not in ("ok", "violation")
        ),
        sentence=fairness.message if findings else None,
    )


def _compliance(result: MonitoringResult) -> Verdict:
    """One critical finding per compliance check that passed its limit with support."""
    kind = FindingKind.COMPLIANCE
    compliance = result.compliance
    if compliance is None:
        return Verdict(kind)
    findings = tuple(
        Finding(
            kind,
            f"{c.check}:{c.feature}",
            "critical",
            c.message,
            {
                "value": c.value,
                "interval": c.interval,
                "reference": c.reference,
                "limit": c.limit,
                "n": c.n,
            },
        )
        for c in compliance.checks
        if c.verdict == "alert"
    )
    return Verdict(
        kind,
        findings,
        decided=bool(compliance.checks),
        # Too few rows, unsupported by the counts, or a feature that is not prohibited.
        undecided=frozenset(
            f"{c.check}:{c.feature}"
            for c in compliance.checks
            if c.verdict not in ("pass", "alert")
        ),
        sentence=compliance.message if findings else None,
    )


def _check_failed(result: MonitoringResult) -> Verdict:
    """One finding per check that could not run on this window (it raised); the run's other
    checks completed. Every run that got as far as its checks knows which of them ran, so a
    check that runs again resolves its earlier failure."""
    kind = FindingKind.CHECK_FAILED
    findings = tuple(
        Finding(
            kind,
            e.check,
            "warning",
            f"The {e.check} check could not run on this window: {e.error}: {e.message}; "
            "the other checks completed.",
            {"error": e.error, "reason": e.message},
        )
        for e in result.check_errors
    )
    sentence = " ".join(f.message for f in findings) or None
    return Verdict(kind, findings, decided=True, sentence=sentence)


def _performance(result: MonitoringResult) -> Verdict:
    """The primary metric on the labeled rows against the training holdout. Its sentence is in
    every summary: how well the model does matters whether or not it degraded."""
    kind = FindingKind.PERFORMANCE
    perf = result.performance
    if perf is None:
        return Verdict(kind)
    decided = perf.status in ("ok", "degraded")
    if perf.status != "degraded":
        return Verdict(kind, decided=decided, sentence=perf.message)
    finding = Finding(
        kind,
        perf.primary_metric,
        "critical",
        perf.message,
        {"metrics": perf.metrics, "reference": perf.reference_metrics},
    )
    return Verdict(kind, (finding,), decided=decided, sentence=perf.message)


# The kinds in FindingKind order (the order a run's alerts and summary list them).
CATALOGUE: dict[FindingKind, Check] = {
    c.kind: c
    for c in (
        Check(FindingKind.DATA_DRIFT, _data_drift, "data drift on feature {subject}"),
        Check(FindingKind.DATA_QUALITY, _data_quality, "the data-quality problem {subject}"),
        Check(FindingKind.PREDICTION_DRIFT, _prediction_drift, "drift in the model's predictions"),
        Check(FindingKind.MULTIVARIATE_DRIFT, _multivariate_drift, "joint drift across features"),
        Check(FindingKind.SERVICE, _service, "the {subject} service-level breach", "service"),
        Check(
            FindingKind.CONCEPT_DRIFT,
            concept_drift,
            "the rise in the model's error rate",
        ),
        Check(FindingKind.FAIRNESS, _fairness, "the fairness gap {subject}"),
        Check(FindingKind.COMPLIANCE, _compliance, "the compliance breach {subject}"),
        Check(
            FindingKind.CHECK_FAILED, _check_failed, "the failure of the {subject} check", "checks"
        ),
        Check(FindingKind.PERFORMANCE, _performance, "the drop in {subject}"),
        Check(
            FindingKind.ESTIMATED_PERFORMANCE,
            estimated_performance,
            "the estimated drop in {subject}",
        ),
        Check(FindingKind.LABEL_DRIFT, _label_drift, "the shift in the label distribution"),
    )
}


def verdicts(result: MonitoringResult) -> Iterator[Verdict]:
    """Every check's verdict on ``result``, in catalogue order."""
    for check in CATALOGUE.values():
        yield check.judge(result)


def findings_of(result: MonitoringResult) -> list[Finding]:
    """Everything ``result`` found, kind by kind in catalogue order."""
    return [f for v in verdicts(result) for f in v.findings]


def incidents_of(result: MonitoringResult, findings: list[Finding] | None = None) -> list[Incident]:
    """``result``'s findings (``findings``, when already judged) grouped into incidents, each
    kind joining the incident its catalogue entry names."""
    found = findings_of(result) if findings is None else findings
    return group_incidents(result, found, {k: c.incident for k, c in CATALOGUE.items()})


def status_of(findings: list[Finding]) -> str:
    """``"ok"`` exactly when nothing was found. (``"insufficient_data"`` is decided before any
    check runs, by the number of rows.)"""
    return "drift" if findings else "ok"


def summary_of(result: MonitoringResult) -> str:
    """The run's summary: each kind's sentence, in catalogue order."""
    return " ".join(v.sentence for v in verdicts(result) if v.sentence)


def conclude(result: MonitoringResult) -> MonitoringResult:
    """``result`` with the status, summary and incidents its findings give (each check runs
    once)."""
    judged = list(verdicts(result))
    findings = [f for v in judged for f in v.findings]
    summary = " ".join(v.sentence for v in judged if v.sentence)
    return replace(
        result,
        status=status_of(findings),
        summary=summary,
        incidents=incidents_of(result, findings),
    )


def decided_kinds(result: MonitoringResult) -> set[str]:
    """The kinds on which ``result`` reached a verdict, so that a missing alert of such a kind
    means "fine now" rather than "not checked". A run with too few rows decided nothing."""
    if result.status == "insufficient_data":
        return set()
    return {v.kind.value for v in verdicts(result) if v.decided}


def undecided_subjects(result: MonitoringResult) -> set[tuple[str, str]]:
    """(kind, subject) pairs whose own check reached no verdict this time: a fairness metric
    with too little data or a gap not (yet) supported by the counts, a compliance check
    without enough rows. Their earlier alerts are not "resolved" by silence."""
    return {(v.kind.value, s) for v in verdicts(result) for s in v.undecided}
