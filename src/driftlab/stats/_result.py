from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TestResult:
    """One statistic's outcome: the value, and a p-value when the statistic is a test."""

    __test__ = False  # not a pytest test class, despite the name

    name: str
    statistic: float
    p_value: float | None = None
