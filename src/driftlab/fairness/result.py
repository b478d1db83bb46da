"""The value objects of fairness and compliance checks. They serialize to the stored JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "ComplianceCheck",
    "ComplianceResult",
    "FairnessMetric",
    "FairnessResult",
    "GroupRates",
]


@dataclass(frozen=True)
class GroupRates:
    """One group of one protected attribute: counts, rates and 95 % Wilson intervals.

    Rates are ``None`` where their denominator is zero (no labeled positives: no TPR).
    ``estimated_tpr`` comes from the calibrated probabilities (no labels needed).
    """

    attribute: str
    group: str
    n: int
    selected: int
    selection_rate: float | None
    selection_ci: list[float]
    n_labeled: int = 0
    positives: int = 0
    true_positives: int = 0
    tpr: float | None = None
    tpr_ci: list[float] = field(default_factory=lambda: [0.0, 1.0])
    negatives: int = 0
    false_positives: int = 0
    fpr: float | None = None
    fpr_ci: list[float] = field(default_factory=lambda: [0.0, 1.0])
    selected_labeled: int = 0
    precision: float | None = None
    precision_ci: list[float] = field(default_factory=lambda: [0.0, 1.0])
    expected_positives: float | None = None
    expected_true_positives: float | None = None
    estimated_tpr: float | None = None
    sufficient: bool = True  # n >= min_group_size


@dataclass(frozen=True)
class FairnessMetric:
    """One gap across the groups of one attribute, with its reference and verdict.

    ``status``: ``ok``, ``violation`` (beyond the limit and significant), ``beyond_limit``
    (beyond the limit, not supported by the counts), or ``insufficient_data``.
    """

    attribute: str
    metric: str  # catalogue name, e.g. "demographic_parity_difference"
    value: float | None
    reference: float | None
    limit: float
    groups: list[str]  # the two groups the value compares: [worse off, better off]
    p_value: float | None
    interval: list[float] | None  # 95 % interval of the gap (Newcombe), differences only
    status: str
    estimated: bool  # from calibrated probabilities, not labels
    message: str


@dataclass(frozen=True)
class FairnessResult:
    favorable_class: str
    min_group_size: int
    groups: list[GroupRates]
    reference_groups: list[GroupRates]
    metrics: list[FairnessMetric]
    message: str

    @property
    def violations(self) -> list[FairnessMetric]:
        return [m for m in self.metrics if m.status == "violation"]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FairnessResult:
        return cls(
            favorable_class=d["favorable_class"],
            min_group_size=d["min_group_size"],
            groups=[GroupRates(**g) for g in d["groups"]],
            reference_groups=[GroupRates(**g) for g in d["reference_groups"]],
            metrics=[FairnessMetric(**m) for m in d["metrics"]],
            message=d["message"],
        )


@dataclass(frozen=True)
class ComplianceCheck:
    """One compliance measurement in one window; every one goes to the audit log.

    ``check``: ``reliance`` (share of decisions that change when the feature is shuffled)
    or ``proxy`` (cross-validated ROC AUC of predicting the attribute from the model's inputs
    and output). ``verdict``: ``pass``, ``alert``, ``beyond_limit`` (not supported by the
    counts), ``insufficient_data``, or ``info`` (a feature that is not prohibited).
    """

    check: str
    feature: str
    prohibited: bool
    value: float | None
    interval: list[float] | None
    reference: float | None
    limit: float | None
    n: int
    verdict: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ComplianceResult:
    checks: list[ComplianceCheck]
    n_rows: int
    repeats: int
    seed: int
    message: str

    @property
    def alerts(self) -> list[ComplianceCheck]:
        return [c for c in self.checks if c.verdict == "alert"]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ComplianceResult:
        return cls(
            checks=[ComplianceCheck(**c) for c in d["checks"]],
            n_rows=d["n_rows"],
            repeats=d["repeats"],
            seed=d["seed"],
            message=d["message"],
        )


def to_dict(obj: Any) -> dict[str, Any]:
    return asdict(obj)
