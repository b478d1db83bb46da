"""Incidents: the findings of one run grouped by likely cause, with the causes ranked.

One cause rarely raises one finding. A window of young applicants moves age and every feature
that goes with it (income, tenure, credit history), the model's outputs, its error rate and a
fairness gap: 21 alerts about one event. So a run tells people about *incidents*, and the
findings are the detail inside them.

**Grouping rule.** Every kind of finding names, in the findings catalogue
(:attr:`~driftlab.monitor.finding.Check.incident`), the incident it joins; the findings of one
run with the same value form one incident:

* ``data`` — what the model sees and does: data drift, data quality, prediction drift, joint
  (multivariate) drift, concept drift, performance (realized and estimated), fairness and
  compliance. A change
  in the inputs is the usual reason for all of them, so they are one story.
* ``service`` — the latency and error-rate objectives: the serving infrastructure, whose fix
  (capacity, a failing dependency) has nothing to do with the data.
* ``checks`` — a check that could not run on the window: the monitoring is partly blind, which
  is a problem of its own.

A kind added to the catalogue joins ``data`` unless its entry says otherwise.

**Ranking causes.** The candidates are the features that a finding of the incident names as
its subject (a drifted feature, a feature with extreme values) and the features the domain
classifier separates the window from training on
(:func:`~driftlab.monitor.multivariate.domain_classifier` ``details["top_features"]``, only
when it flagged the window; in the incident that joint drift joins). They are ranked

1. by the classifier's permutation importance (the drop in its ROC AUC when the feature is
   shuffled): the features it needs to tell the window from training are where the window
   differs *jointly*, which a feature that drifted only because it goes with another does not
   have to be;
2. then by PSI, the effect size every feature has on the same scale.

Findings that are not about one feature (the model's outputs, its quality, a fairness gap)
are the incident's effects; they stay in ``findings`` with their numbers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from driftlab.formatting import num
from driftlab.kinds import FindingKind
from driftlab.monitor.finding import Finding
from driftlab.monitor.result import (
    FeatureDrift,
    Incident,
    IncidentCause,
    IncidentFinding,
    MonitoringResult,
)

__all__ = ["DEFAULT_GROUP", "SHOWN_CAUSES", "group_incidents"]

# The incident a kind joins when the catalogue says nothing else.
DEFAULT_GROUP = "data"
# Causes named in an incident's summary (all of them are in ``causes``).
SHOWN_CAUSES = 3
_SEVERITY_ORDER = {"info": 0, "warning": 1, "critical": 2}


def _importances(result: MonitoringResult) -> dict[str, float]:
    """Feature → the domain classifier's permutation importance, when it flagged the window."""
    for m in result.multivariate:
        if m.method == "domain_classifier" and m.drifted:
            return {
                str(t["feature"]): float(t["importance"])
                for t in m.details.get("top_features") or []
            }
    return {}


def _evidence(feature: str, importance: float | None, drift: FeatureDrift | None) -> str:
    """What points at ``feature``, e.g. ``age: domain classifier importance 0.31, PSI 2.41``
    (the effect size too when the feature's test gated on another one than PSI).

    >>> _evidence("age", 0.31, None)
    'age: domain classifier importance 0.31'
    """
    parts = []
    if importance is not None:
        parts.append(f"domain classifier importance {num(importance)}")
    if drift is not None:
        parts.append(f"PSI {num(drift.psi)}")
        if drift.effect != "psi":
            parts.append(f"{drift.effect} {num(drift.effect_value)}")
    return f"{feature}: " + ", ".join(parts) if parts else feature


def _causes(findings: list[Finding], result: MonitoringResult, joint: bool) -> list[IncidentCause]:
    """The ranked causes; ``joint``: the incident is the one joint drift joins, so the domain
    classifier's features are candidates too."""
    drift = {f.feature: f for f in result.features}
    importance = _importances(result) if joint else {}
    kinds: dict[str, list[str]] = {}
    for f in findings:
        if f.subject in drift:
            kinds.setdefault(f.subject, [])
            if f.kind.value not in kinds[f.subject]:
                kinds[f.subject].append(f.kind.value)
    for name in importance:
        kinds.setdefault(name, [])
    order = sorted(
        kinds,
        key=lambda n: (-importance.get(n, 0.0), -(drift[n].psi if n in drift else 0.0), n),
    )
    out = []
    for rank, name in enumerate(order, start=1):
        d = drift.get(name)
        out.append(
            IncidentCause(
                feature=name,
                rank=rank,
                importance=importance.get(name),
                psi=d.psi if d else None,
                effect=d.effect if d else None,
                effect_value=d.effect_value if d else None,
                kinds=kinds[name],
                message=_evidence(name, importance.get(name), d),
            )
        )
    return out


def _title(findings: list[Finding]) -> str:
    """``data drift ×21, prediction drift, performance``: each kind once, in catalogue order.

    >>> f = Finding(FindingKind.DATA_DRIFT, "x", "warning", "...")
    >>> _title([f, f, Finding(FindingKind.PERFORMANCE, "roc_auc", "critical", "...")])
    'data drift ×2, performance'
    """
    counts = Counter(f.kind for f in findings)
    return ", ".join(
        kind.value.replace("_", " ") + (f" ×{counts[kind]}" if counts[kind] > 1 else "")
        for kind in FindingKind
        if kind in counts
    )


def _summary(findings: list[Finding], causes: list[IncidentCause]) -> str:
    if len(findings) == 1 and not causes:
        return findings[0].message
    n = len(findings)
    text = f"{n} finding{'s' if n != 1 else ''} in this run: {_title(findings)}."
    if causes:
        shown = "; ".join(c.message for c in causes[:SHOWN_CAUSES])
        more = len(causes) - SHOWN_CAUSES
        label = "Most likely cause" if len(causes) == 1 else "Most likely causes"
        text += f" {label}: {shown}" + (f"; and {more} more." if more > 0 else ".")
    return text


def group_incidents(
    result: MonitoringResult, findings: list[Finding], groups: Mapping[FindingKind, str]
) -> list[Incident]:
    """The incidents of ``result``: ``findings`` grouped by ``groups`` (each kind's incident,
    from the catalogue; :data:`DEFAULT_GROUP` for a kind it lacks), most severe first, in
    order of first finding otherwise. See the module doc for the rule and the ranking."""
    by_group: dict[str, list[Finding]] = {}
    for f in findings:
        by_group.setdefault(groups.get(f.kind, DEFAULT_GROUP), []).append(f)
    model = result.model_name
    joint = groups.get(FindingKind.MULTIVARIATE_DRIFT, DEFAULT_GROUP)
    out = []
    for group, members in by_group.items():
        causes = _causes(members, result, group == joint)
        severity = max((f.severity for f in members), key=_SEVERITY_ORDER.__getitem__)
        out.append(
            Incident(
                fingerprint=f"{model}:incident:{group}",
                group=group,
                severity=severity,
                title=_title(members),
                summary=_summary(members, causes),
                causes=causes,
                findings=[
                    IncidentFinding(
                        f.kind.value,
                        f.subject,
                        f.severity,
                        f.message,
                        f.fingerprint(model),
                        dict(f.details),
                    )
                    for f in members
                ],
            )
        )
    return sorted(out, key=lambda i: -_SEVERITY_ORDER[i.severity])
