"""Incidents in the terminal: one panel per incident, its ranked causes and its findings."""

from __future__ import annotations

from rich import box
from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from driftlab.formatting import num
from driftlab.monitor.result import Incident

__all__ = ["print_incidents"]

_COLOURS = {"critical": "red", "warning": "yellow", "info": "blue"}


def _causes(incident: Incident) -> Table:
    table = Table(title="Likely causes, most likely first", title_justify="left", expand=False)
    for col in ("#", "feature", "classifier importance", "PSI", "findings"):
        table.add_column(col, justify="right" if col in ("#", "classifier importance", "PSI")
                         else "left")  # fmt: skip
    for c in incident.causes:
        table.add_row(
            str(c.rank),
            escape(c.feature),
            num(c.importance) if c.importance is not None else "–",
            num(c.psi) if c.psi is not None else "–",
            ", ".join(c.kinds) or "(joint drift)",
        )
    return table


def print_incidents(console: Console, incidents: list[Incident]) -> None:
    """One panel per incident: its summary, its causes and every finding's sentence."""
    for n, incident in enumerate(incidents, start=1):
        colour = _COLOURS.get(incident.severity, "white")
        parts: list = [Text(incident.summary)]
        if incident.causes:
            parts.append(_causes(incident))
        findings = Text()
        for f in incident.findings:
            findings.append(f"\n{f.severity.upper()} ", style=_COLOURS.get(f.severity, ""))
            findings.append(f"{f.kind} {f.subject}: {f.message}")
        parts.append(Text(f"Findings ({len(incident.findings)}):", style="bold") + findings)
        title = f"{incident.severity.upper()} incident {n} of {len(incidents)}: {incident.title}"
        # Rules above and below only: a side border would split every wrapped sentence, and
        # people copy these sentences and search logs for them.
        console.print(Panel(Group(*parts), title=escape(title), title_align="left",
                            border_style=colour, box=box.HORIZONTALS))  # fmt: skip
