"""The checks of the model's mistakes, kept beside the catalogue in
:mod:`driftlab.monitor.findings`: the error level and change points (concept drift), and the
label-free estimate's drop. Each sentence says which comparison it is about: against the
training holdout, inside the window in label order, or estimated without labels."""

from __future__ import annotations

from driftlab.formatting import num
from driftlab.kinds import FindingKind
from driftlab.monitor.concept import MIN_LABELS
from driftlab.monitor.estimate import estimated_drop
from driftlab.monitor.finding import Finding, Verdict
from driftlab.monitor.result import MonitoringResult

__all__ = ["concept_drift", "estimated_performance"]


def concept_drift(result: MonitoringResult) -> Verdict:
    """Two findings, each saying which it is: the error *level* against the training holdout
    (subject ``error_rate``: significantly and materially higher), and a change point *inside
    the window* where the error rose (the detector's; unkeyed: the method may change). A fall
    in the error is good news, never a finding. With too few labels nothing is decided."""
    kind = FindingKind.CONCEPT_DRIFT
    concept = result.concept
    if concept is None:
        return Verdict(kind)
    findings = []
    if concept.level == "higher":
        message = concept.level_message + _level_cause(result)
        findings.append(
            Finding(
                kind,
                "error_rate",
                "critical",
                message,
                {
                    "reference_error": concept.reference_error,
                    "window_error": concept.window_error,
                    "p_value": concept.p_value,
                    "n": concept.n,
                },
            )
        )
    if concept.worsened:
        findings.append(
            Finding(
                kind,
                concept.method,
                "critical",
                concept.change_message or concept.message,
                {
                    "change_points": concept.change_points[:5],
                    "error_before": concept.error_before,
                    "error_after": concept.error_after,
                },
                keyed=False,
            )
        )
    decided = concept.n >= MIN_LABELS
    return Verdict(
        kind,
        tuple(findings),
        decided=decided,
        # No holdout error rate to compare with (regression, or not recorded at training).
        undecided=frozenset({"error_rate"}) if decided and concept.level is None else frozenset(),
        sentence=" ".join(f.message for f in findings) or None,
    )


def _level_cause(result: MonitoringResult) -> str:
    """What a higher error level may come from, given what else the run saw."""
    drifted = result.drifted_features
    joint = any(m.drifted for m in result.multivariate)
    if drifted:
        return (
            f" {len(drifted)} feature{'s' if len(drifted) > 1 else ''} drifted too: the rise "
            "may come from inputs unlike the training data, or from a changed relation between "
            "inputs and outcome (concept drift)."
        )
    if joint:
        return (
            " The features drifted jointly: the rise may come from input combinations unlike "
            "the training data, or from a changed relation between inputs and outcome."
        )
    return (
        " No feature drifted, so the relation between inputs and outcome may have changed "
        "(concept drift)."
    )


def estimated_performance(result: MonitoringResult) -> Verdict:
    """Without enough labels for a realized verdict, a drop the label-free estimate shows
    (:func:`~driftlab.monitor.estimate.estimated_drop`) is a finding of its own, "estimated,
    not yet confirmed by labels". Once labels give a verdict, the realized check decides and
    this one stays silent (its earlier alert is not "resolved" by the labels' verdict)."""
    kind = FindingKind.ESTIMATED_PERFORMANCE
    est, perf = result.estimated, result.performance
    if est is None or (perf is not None and perf.status in ("ok", "degraded")):
        return Verdict(kind)
    metric = perf.primary_metric if perf is not None else result.settings.get("metric")
    drop = estimated_drop(est, metric, float(result.settings.get("max_metric_drop", 0.05)))
    caveat = _estimate_caveat(result)
    if drop is None:
        return Verdict(kind, decided=bool(est.bands), sentence=(est.message + caveat) or None)
    labeled = perf.n_labeled if perf is not None else 0
    worse = "rise" if drop.lower_is_better else "drop"
    limit = f"{drop.limit:.0%} of it" if drop.lower_is_better else num(drop.limit)
    message = (
        f"Estimated {worse} in {drop.metric}, not yet confirmed by labels: {num(drop.estimate)} "
        f"(95% band {num(drop.band[0])}–{num(drop.band[1])}) on {est.n:,} predictions vs "
        f"{num(drop.holdout)} on the training holdout, {num(abs(drop.change))} "
        f"{'above' if drop.lower_is_better else 'below'} it (limit: a {worse} of {limit}). "
        f"Estimated from the model's calibrated confidence; {labeled:,} of the window's "
        f"predictions are labeled.{caveat}"
    )
    finding = Finding(
        kind,
        drop.metric,
        "warning",
        message,
        {"estimate": drop.estimate, "band": drop.band, "holdout": drop.holdout,
         "n": est.n, "n_labeled": labeled},
    )  # fmt: skip
    return Verdict(kind, (finding,), decided=True, sentence=message)


def _estimate_caveat(result: MonitoringResult) -> str:
    """With drifted inputs, say what a label-free estimate cannot see."""
    drifted = len(result.drifted_features)
    joint = any(m.drifted for m in result.multivariate)
    if not drifted and not joint:
        return ""
    where = (
        f"with data drift in {drifted} feature{'s' if drifted > 1 else ''}"
        if drifted
        else "with joint drift across features"
    )
    return (
        " The estimate assumes the relation between inputs and outcome is unchanged; "
        f"{where} it can miss concept drift, and true quality may be much lower. Labels will "
        "tell."
    )
