"""Rich tables for CLI output (the --json flag bypasses all of this)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from driftlab.cli.render_fairness import print_compliance, print_fairness
from driftlab.cli.render_incidents import print_incidents
from driftlab.formatting import num, p_value
from driftlab.monitor import MonitoringResult
from driftlab.monitor.result import ConceptDrift
from driftlab.retrain import PromotionDecision

__all__ = ["print_decision", "print_result"]


def print_result(console: Console, result: MonitoringResult, run_id: int | None = None) -> None:
    title = f"Monitoring {result.model_name} v{result.model_version}: {result.n_rows} predictions"
    if run_id is not None:
        title += f" (run {run_id})"
    table = Table(title=title, title_justify="left")
    for col in ("feature", "test", "p (corr.)", "effect", "change", "drift"):
        table.add_column(col, justify="right" if col in ("p (corr.)", "effect") else "left",
                         no_wrap=col != "change")  # fmt: skip
    rows = list(result.features)
    if result.prediction_drift is not None:
        rows.append(result.prediction_drift)
    for f in sorted(rows, key=lambda f: (not f.drifted, -f.psi)):
        if f.window_summary.get("change"):  # the largest change in words (newer runs)
            change = f.window_summary["change"]
        elif f.kind == "numeric":
            change = f"mean {num(f.reference_summary['mean'])} → {num(f.window_summary['mean'])}"
        else:
            new = f.window_summary.get("new_categories") or []
            change = f"{f.reference_summary['categories']} categories" + (
                f", {len(new)} new" if new else ""
            )
        table.add_row(
            "(model output)" if f is result.prediction_drift else f.feature,
            f.test,
            p_value(f.p_adjusted).removeprefix("p "),
            f"{f.effect} {f.effect_value:.2f}",
            change,
            "[bold red]DRIFT[/]"
            if f.drifted
            else "[yellow]significant, small[/]"
            if f.significant_below_effect
            else "[green]ok[/]",
        )
    if result.features:
        console.print(table)
    if result.sampled:
        console.print(
            f"Drift, counts and realized metrics over all {result.n_rows} predictions; "
            f"{', '.join(result.sampled['checks'])} on a uniform sample of "
            f"{result.sampled['n_sampled']} (monitor.max_rows_in_memory)."
        )
    for m in result.multivariate:
        colour = "red" if m.drifted else "green"
        console.print(f"[{colour}]{m.method}[/]: {m.message}")
    perf = result.performance
    est = result.estimated.metrics if result.estimated else {}
    if perf is not None and (perf.metrics or est):
        pt = Table(title="Performance: realized (labeled rows) and estimated (no labels)",
                   title_justify="left")  # fmt: skip
        for col in ("metric", "realized", "estimated", "training holdout"):
            pt.add_column(col, justify="left" if col == "metric" else "right")
        for k in perf.metrics or est:
            real, guess, ref = perf.metrics.get(k), est.get(k), perf.reference_metrics.get(k)
            pt.add_row(k, *(f"{v:.3f}" if v is not None else "–" for v in (real, guess, ref)))
        console.print(pt)
    if perf is not None and perf.breakdown.get("confusion_matrix"):
        labels = perf.breakdown["labels"]
        cm = Table(title="Confusion matrix (rows: true, columns: predicted)", title_justify="left")
        cm.add_column("")
        for c in labels:
            cm.add_column(c, justify="right")
        for c, row in zip(labels, perf.breakdown["confusion_matrix"], strict=True):
            cm.add_row(c, *(str(v) for v in row))
        console.print(cm)
    if perf is not None:
        lag = perf.label_lag.get("median_s")
        lag_txt = f", median label lag {lag / 3600:.1f} h" if lag is not None else ""
        console.print(f"Labels: {perf.n_labeled} ({perf.coverage:.0%} of the window){lag_txt}")
    if result.concept is not None:
        _print_concept(console, result.concept)
    if result.service is not None:
        colour = "red" if result.service.status != "ok" else "green"
        console.print(f"[{colour}]Service[/]: {result.service.message}")
    print_fairness(console, result.fairness)
    print_compliance(console, result.compliance)
    console.print(f"[bold]Summary:[/] {result.summary}")
    # One panel per incident, every alert's sentence inside it, rather than one line per alert.
    print_incidents(console, result.incidents)
    if result.alerts:
        n, k = len(result.alerts), len(result.incidents)
        alerts, incidents = f"alert{'s' if n != 1 else ''}", f"incident{'s' if k != 1 else ''}"
        console.print(f"[bold]{n} {alerts} in {k} {incidents}[/] (one message per incident and "
                      "channel).")  # fmt: skip


def _print_concept(console: Console, concept: ConceptDrift) -> None:
    """Red only for a finding (a higher error level, a rise inside the window); a fall in the
    error is an improvement, green."""
    level = {"higher": "red", "higher_small": "yellow"}.get(concept.level or "", "green")
    if concept.level_message:
        console.print(f"[{level}]Error level[/]: {concept.level_message}")
    change = "red" if concept.worsened else "green"
    console.print(f"[{change}]Concept drift[/]: {concept.change_message or concept.message}")


def print_decision(console: Console, d: PromotionDecision) -> None:
    table = Table(
        title=f"Retraining {d.model_name}: evaluated on the newest {d.n_eval} labeled rows",
        title_justify="left",
    )
    table.add_column("metric")
    table.add_column(f"champion v{d.champion_version}", justify="right")
    table.add_column(f"challenger v{d.challenger_version}", justify="right")
    for k in d.champion_metrics:
        mark = " ◀" if k == d.metric else ""
        table.add_row(
            k + mark,
            f"{d.champion_metrics[k]:.3f}",
            f"{d.challenger_metrics.get(k, float('nan')):.3f}",
        )
    console.print(table)
    verdict = "[bold green]PROMOTED[/]" if d.promoted else "[bold yellow]KEPT CHAMPION[/]"
    console.print(f"{verdict}: {d.reason}")
