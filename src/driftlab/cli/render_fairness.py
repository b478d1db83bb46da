"""Rich tables for the fairness and compliance parts of a monitoring result."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from driftlab.fairness import ComplianceResult, FairnessResult
from driftlab.formatting import percent
from driftlab.store.records import AuditRow

__all__ = ["print_audit", "print_compliance", "print_fairness"]

_STATUS = {
    "violation": "[red]ALERT[/]",
    "alert": "[red]ALERT[/]",
    "beyond_limit": "[yellow]beyond limit (not significant)[/]",
    "insufficient_data": "[dim]insufficient data[/]",
    "ok": "[green]ok[/]",
    "pass": "[green]pass[/]",
    "info": "[dim]–[/]",
}


_SHORT = {
    "demographic_parity_difference": "selection gap",
    "demographic_parity_ratio": "selection ratio (4/5)",
    "equal_opportunity_difference": "TPR gap",
    "equalized_odds_difference": "odds gap",
}


def _v(x: float | None, fmt: str = "{:.3f}") -> str:
    if x is None:
        return "–"
    # A reliance of 0.23% is not "0%" (that reads as "ignored"): percent keeps its digits.
    return percent(x) if fmt == _SHARE else fmt.format(x)


_SHARE = "{:.0%}"


def print_fairness(console: Console, fairness: FairnessResult | None) -> None:
    if fairness is None:
        return
    groups = Table(
        title=f"Fairness: rates per group (favorable = {fairness.favorable_class}; 95% Wilson "
        "intervals)",
        title_justify="left",
    )
    for col in ("attribute", "group", "rows", "selection rate", "TPR", "FPR", "precision"):
        groups.add_column(col)
    for g in fairness.groups:
        small = "" if g.sufficient else " [dim](too few)[/]"
        groups.add_row(
            g.attribute,
            g.group + small,
            str(g.n),
            f"{_v(g.selection_rate, '{:.0%}')} ({g.selection_ci[0]:.0%}–{g.selection_ci[1]:.0%})",
            _v(g.tpr if g.tpr is not None else g.estimated_tpr, "{:.0%}")
            + ("" if g.tpr is not None or g.estimated_tpr is None else " est."),
            _v(g.fpr, "{:.0%}"),
            _v(g.precision, "{:.0%}"),
        )
    console.print(groups)
    gaps = Table(title="Fairness: gaps vs limits and training", title_justify="left")
    for col in ("attribute", "metric", "window", "training", "limit", "p", "verdict"):
        gaps.add_column(col)
    for m in fairness.metrics:
        gaps.add_row(
            m.attribute,
            _SHORT.get(m.metric, m.metric) + (" (est.)" if m.estimated else ""),
            _v(m.value),
            _v(m.reference),
            f"{m.limit:g}",
            _v(m.p_value, "{:.3g}"),
            _STATUS[m.status],
        )
    console.print(gaps)


def print_compliance(console: Console, compliance: ComplianceResult | None) -> None:
    if compliance is None:
        return
    table = Table(
        title=f"Compliance: {compliance.n_rows} rows, {compliance.repeats} shuffles, seed "
        f"{compliance.seed}",
        title_justify="left",
    )
    for col in ("check", "feature", "value", "95% CI", "training", "limit", "verdict"):
        table.add_column(col)
    shown = [c for c in compliance.checks if c.prohibited] + [
        c for c in compliance.checks if not c.prohibited
    ][:5]
    for c in shown:
        fmt = "{:.0%}" if c.check == "reliance" else "{:.2f}"
        ci = f"{_v(c.interval[0], fmt)}–{_v(c.interval[1], fmt)}" if c.interval else "–"
        name = c.feature + (" [bold](prohibited)[/]" if c.prohibited else "")
        table.add_row(
            c.check,
            name,
            _v(c.value, fmt),
            ci,
            _v(c.reference, fmt),
            _v(c.limit, fmt),
            _STATUS[c.verdict],
        )
    console.print(table)


def print_audit(console: Console, rows: list[AuditRow], model: str) -> None:
    table = Table(title=f"Compliance audit log of {model}", title_justify="left")
    for col in (
        "time (UTC)",
        "run",
        "version",
        "window",
        "check",
        "feature",
        "value",
        "limit",
        "verdict",
    ):
        table.add_column(col)
    for r in rows:
        fmt = "{:.0%}" if r.check == "reliance" else "{:.2f}"
        table.add_row(
            r.ts.strftime("%Y-%m-%d %H:%M:%S"),
            str(r.run_id),
            r.model_version or "–",
            f"{(r.window_start or '')[:16]} → {(r.window_end or '')[:16]}",
            r.check,
            r.feature + (" (prohibited)" if r.prohibited else ""),
            _v(r.value, fmt),
            _v(r.limit, fmt),
            _STATUS.get(r.verdict, r.verdict),
        )
    console.print(table)
