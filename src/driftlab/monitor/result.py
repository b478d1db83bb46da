"""The value objects a monitoring run produces. They serialize to the stored JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Alert", "FeatureDrift", "MonitoringResult", "PerformanceResult"]


@dataclass(frozen=True)
class FeatureDrift:
    feature: str
    kind: str
    test: str
    statistic: float
    p_value: float
    p_adjusted: float
    psi: float
    drifted: bool
    reference_summary: dict[str, Any]
    window_summary: dict[str, Any]
    # What the report plots: bin labels with reference and window counts (frozen bins).
    bins: list[str]
    reference_counts: list[int]
    window_counts: list[int]
    message: str


@dataclass(frozen=True)
class PerformanceResult:
    status: str  # "ok", "degraded", "insufficient_labels"
    n_labeled: int
    metrics: dict[str, float]
    reference_metrics: dict[str, float]
    primary_metric: str
    message: str


@dataclass(frozen=True)
class Alert:
    kind: str  # data_drift, performance
    severity: str  # info, warning, critical
    subject: str
    message: str
    fingerprint: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MonitoringResult:
    model_name: str
    model_version: str | None
    created_at: str
    window_start: str | None
    window_end: str | None
    n_rows: int
    status: str  # "ok", "drift", "insufficient_data"
    summary: str
    features: list[FeatureDrift]
    drift_share: float
    drifted_features: list[str]
    performance: PerformanceResult | None
    alerts: list[Alert]
    settings: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> MonitoringResult:
        d = dict(d)
        d["features"] = [FeatureDrift(**f) for f in d["features"]]
        d["performance"] = PerformanceResult(**d["performance"]) if d["performance"] else None
        d["alerts"] = [Alert(**a) for a in d["alerts"]]
        return cls(**d)
