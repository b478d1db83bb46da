"""The values a run's checks produce: a finding, a check's verdict, a catalogue entry.

The checks themselves and everything derived from them are in :mod:`driftlab.monitor.findings`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from driftlab.kinds import FindingKind
from driftlab.monitor.result import MonitoringResult

__all__ = ["CRITICAL_PSI", "Check", "Finding", "Severity", "Verdict"]

Severity = Literal["info", "warning", "critical"]
# PSI above this is conventionally a major shift.
CRITICAL_PSI = 0.25


@dataclass(frozen=True)
class Finding:
    """One problem a run found. ``details`` are the numbers behind it, for the alert's payload.

    ``keyed`` says whether the fingerprint names the subject. It does not for the kinds a run
    finds at most once, whose subject (the method that saw it) may change between runs without
    the problem being a new one.

    >>> f = Finding(FindingKind.DATA_DRIFT, "tenure", "warning", "Data drift on tenure.")
    >>> f.fingerprint("churn")
    'churn:data_drift:tenure'
    >>> from dataclasses import replace
    >>> replace(f, kind=FindingKind.CONCEPT_DRIFT, subject="adwin", keyed=False).fingerprint("churn")
    'churn:concept_drift'
    """  # noqa: E501

    kind: FindingKind
    subject: str
    severity: Severity
    message: str
    details: dict[str, Any] = field(default_factory=dict)
    keyed: bool = True

    def fingerprint(self, model: str) -> str:
        """``model:kind[:subject]``: no version and no numbers, so that the same ongoing
        problem deduplicates across runs."""
        return f"{model}:{self.kind}:{self.subject}" if self.keyed else f"{model}:{self.kind}"


@dataclass(frozen=True)
class Verdict:
    """What one check concluded about one run.

    ``decided``: the run reached a verdict on the kind, so a missing finding means "fine now"
    rather than "not checked" (too few rows or labels, no SLO set). ``undecided``: subjects of
    the kind whose own check reached no verdict; silence about them resolves nothing.
    ``sentence``: what the run's summary says of the kind, if anything.
    """

    kind: FindingKind
    findings: tuple[Finding, ...] = ()
    decided: bool = False
    undecided: frozenset[str] = frozenset()
    sentence: str | None = None


@dataclass(frozen=True)
class Check:
    """A catalogue entry: the check deciding one kind, how an all-clear names it, and the
    incident its findings join.

    ``resolved`` completes "Resolved: ... is no longer detected"; ``{subject}`` is the
    fingerprint's subject (empty for a kind whose findings are not keyed). ``incident``: the
    findings of one run with the same value form one incident (see
    :mod:`driftlab.monitor.incident` for the rule).
    """

    kind: FindingKind
    judge: Callable[[MonitoringResult], Verdict]
    resolved: str
    incident: str = "data"
