"""The value objects a monitoring run produces. They serialize to the stored JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from driftlab.fairness.result import ComplianceResult, FairnessResult

__all__ = [
    "Alert",
    "CheckError",
    "ConceptDrift",
    "DataQuality",
    "EstimatedPerformance",
    "ExtremeValues",
    "FeatureDrift",
    "Incident",
    "IncidentCause",
    "IncidentFinding",
    "LabelDrift",
    "MonitoringResult",
    "MultivariateDrift",
    "PerformanceResult",
    "QualityIssue",
    "ServiceHealth",
]


@dataclass(frozen=True)
class FeatureDrift:
    feature: str
    kind: str
    test: str
    statistic: float
    p_value: float
    p_adjusted: float
    effect: str  # the effect-size statistic that gated the verdict (catalogue name)
    effect_value: float
    min_effect: float
    psi: float  # always computed: the common currency for severity and the report
    drifted: bool
    reference_summary: dict[str, Any]
    window_summary: dict[str, Any]
    # What the report plots: bin labels with reference and window counts (frozen bins).
    bins: list[str]
    reference_counts: list[int]
    window_counts: list[int]
    message: str
    # Significant after correction but below the effect threshold: reported (message, summary,
    # report), never alerted. (Stored runs from before it have no such key: False.)
    significant_below_effect: bool = False


@dataclass(frozen=True)
class MultivariateDrift:
    method: str  # "domain_classifier" or "pca_reconstruction"
    statistic: float  # ROC AUC, or the window's mean reconstruction error
    threshold: float  # min AUC, or the upper bound of the reference band
    p_value: float | None
    drifted: bool
    message: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PerformanceResult:
    status: str  # "ok", "degraded", "insufficient_labels"
    n_labeled: int
    metrics: dict[str, float]
    reference_metrics: dict[str, float]
    primary_metric: str
    message: str
    interval: list[float] | None = None  # 95% bootstrap interval of the primary metric
    coverage: float = 0.0  # labeled share of the window
    label_lag: dict[str, float] = field(default_factory=dict)  # median_s, p90_s
    breakdown: dict[str, Any] = field(default_factory=dict)  # confusion matrix, per class


@dataclass(frozen=True)
class ConceptDrift:
    method: str
    detected: bool
    # Each {"index": position in label order (0-based), "request_id": str, "ts": ISO time of
    # the prediction}. The index is where the detector fired, not where the change began:
    # detection lags the true change by the detector's delay.
    change_points: list[dict]
    error_before: float | None  # mean of the stream before the first change point
    error_after: float | None  # mean of the stream from the first change point on
    n: int  # labeled predictions in the stream
    message: str
    # The windowed test: the window's error rate against the training holdout's (one-sided
    # two-proportion z-test for a rise), when the holdout error is known.
    reference_error: float | None = None
    window_error: float | None = None
    p_value: float | None = None
    # Its verdict (see driftlab.monitor.concept.error_level): "higher" (significant and
    # material: a finding), "higher_small" (significant, below the limit), "lower"
    # (significantly fewer errors: an improvement), "same"; None when not tested.
    level: str | None = None
    # The two sentences ``message`` joins: the error level against training, and the change
    # inside the window in label order (the detector's).
    level_message: str = ""
    change_message: str = ""

    @property
    def worsened(self) -> bool:
        """A change point where errors rose (detectors fire in both directions)."""
        return self.detected and (self.error_after or 0.0) > (self.error_before or 0.0)

    @property
    def improved(self) -> bool:
        """A change point where errors fell: good news, never a finding."""
        return self.detected and not self.worsened


@dataclass(frozen=True)
class EstimatedPerformance:
    """Metrics expected from the model's calibrated confidence, without labels."""

    n: int
    metrics: dict[str, float]
    bands: dict[str, list[float]] = field(default_factory=dict)  # 95% sampling band
    message: str = ""
    metric: str | None = None  # the metric the message leads with (it has a band)
    reference: dict[str, float] = field(default_factory=dict)  # training holdout values


@dataclass(frozen=True)
class ServiceHealth:
    status: str  # "ok" or "slo_breach"
    n: int
    latency_ms: dict[str, float]  # p50, p95, p99
    throughput_per_s: float
    message: str
    error_rates: dict[str, float] = field(default_factory=dict)  # share of answers: 4xx, 5xx
    errors: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ExtremeValues:
    """Values of one numeric feature far outside anything the reference held (see
    :mod:`driftlab.monitor.quality` for how far is "far")."""

    feature: str
    n: int  # window rows with such a value
    share: float  # of the window's rows
    lower: float  # values below this, or above ``upper``, are extreme
    upper: float
    examples: list[float]  # a few of them, most extreme first
    message: str


@dataclass(frozen=True)
class QualityIssue:
    """One data-quality problem of one column (see :mod:`driftlab.monitor.quality`)."""

    feature: str  # a feature, or "request_id"
    check: str  # out_of_range, declared_bounds, unparsable, new_category, missing_jump, duplicate
    n: int  # window rows with the problem
    share: float  # of the window's rows
    flagged: bool  # a finding: past the share floor (and significant, where there is a test)
    message: str
    examples: list[Any] = field(default_factory=list)  # a few offending values
    p_value: float | None = None  # the one-sided test against the reference, where there is one
    reference_share: float | None = None  # what the reference holds (or leads one to expect)
    details: dict[str, Any] = field(default_factory=dict)  # bounds, counts per category, ...

    @property
    def subject(self) -> str:
        return f"{self.feature}:{self.check}"


@dataclass(frozen=True)
class DataQuality:
    """What the window's values say about the data feeding the model, whatever its drift."""

    extreme: list[ExtremeValues]  # only the features with at least one extreme value
    spans: float  # "far": beyond the reference's min or max by this many reference ranges
    min_share: float  # a feature's extreme values are a finding from this share of the rows
    # Every other problem counted, flagged or not (runs stored before them have none).
    issues: list[QualityIssue] = field(default_factory=list)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DataQuality:
        return cls(
            [ExtremeValues(**e) for e in d["extreme"]], d["spans"], d["min_share"],
            [QualityIssue(**i) for i in d.get("issues") or []],
        )  # fmt: skip


@dataclass(frozen=True)
class LabelDrift:
    """The labels that arrived in the window against the training labels: the class balance
    (classification) or the target's distribution over the reference's bins (regression)."""

    n: int  # labeled rows in the window
    reference_n: int
    test: str  # "chi2"
    statistic: float
    p_value: float
    shift: float  # total variation distance between the two distributions
    min_shift: float
    drifted: bool
    categories: list[str]  # classes, or the target's bins
    reference_shares: list[float]
    window_shares: list[float]
    message: str


@dataclass(frozen=True)
class CheckError:
    """A check that could not run on this window; the run's other checks completed."""

    check: str  # e.g. "multivariate", "data_drift"
    error: str  # the exception's type name
    message: str  # its message, as raised

    @classmethod
    def of(cls, check: str, e: BaseException) -> CheckError:
        return cls(check, type(e).__name__, str(e) or type(e).__name__)


@dataclass(frozen=True)
class Alert:
    kind: str  # data_drift, performance
    severity: str  # info, warning, critical
    subject: str
    message: str
    fingerprint: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class IncidentCause:
    """A feature that likely explains an incident, with the evidence pointing at it (see
    :mod:`driftlab.monitor.incident` for how causes are ranked)."""

    feature: str
    rank: int  # 1: most likely
    importance: float | None  # domain classifier: drop in its ROC AUC when the feature is shuffled
    psi: float | None
    effect: str | None  # the effect-size statistic of the feature's drift test, and its value
    effect_value: float | None
    kinds: list[str]  # the kinds of finding about this feature (data_drift, data_quality, ...)
    message: str  # the evidence in words


@dataclass(frozen=True)
class IncidentFinding:
    """One finding inside an incident, with its numbers: the per-feature detail."""

    kind: str
    subject: str
    severity: str
    message: str
    fingerprint: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Incident:
    """The findings of one run that share a likely cause, told as one story (one message per
    channel). ``fingerprint`` (``model:incident:group``) names no feature or number, so an
    ongoing incident deduplicates across runs however its findings change."""

    fingerprint: str
    group: str  # "data", "service", "checks": see driftlab.monitor.incident
    severity: str  # the highest of its findings
    title: str  # one line: what was found, kind by kind
    summary: str  # a sentence or two: the title's counts and the most likely causes
    causes: list[IncidentCause]
    findings: list[IncidentFinding]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Incident:
        return cls(
            **{
                **d,
                "causes": [IncidentCause(**c) for c in d["causes"]],
                "findings": [IncidentFinding(**f) for f in d["findings"]],
            }
        )


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
    prediction_drift: FeatureDrift | None = None
    multivariate: list[MultivariateDrift] = field(default_factory=list)
    service: ServiceHealth | None = None
    estimated: EstimatedPerformance | None = None
    concept: ConceptDrift | None = None
    fairness: FairnessResult | None = None
    compliance: ComplianceResult | None = None
    data_quality: DataQuality | None = None
    check_errors: list[CheckError] = field(default_factory=list)
    # A window larger than monitor.max_rows_in_memory: {"n_sampled": rows kept, "checks": the
    # checks that ran on that uniform sample}. None when every check saw every row.
    sampled: dict[str, Any] | None = None
    incidents: list[Incident] = field(default_factory=list)
    label_drift: LabelDrift | None = None
    # The window's span in event time (the project's role "timestamp" feature), when declared.
    event_start: str | None = None
    event_end: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> MonitoringResult:
        d = dict(d)
        d["features"] = [FeatureDrift(**f) for f in d["features"]]
        d["performance"] = PerformanceResult(**d["performance"]) if d["performance"] else None
        d["alerts"] = [Alert(**a) for a in d["alerts"]]
        pd_ = d.get("prediction_drift")
        d["prediction_drift"] = FeatureDrift(**pd_) if pd_ else None
        d["multivariate"] = [MultivariateDrift(**m) for m in d.get("multivariate", [])]
        d["service"] = ServiceHealth(**d["service"]) if d.get("service") else None
        d["estimated"] = EstimatedPerformance(**d["estimated"]) if d.get("estimated") else None
        d["concept"] = ConceptDrift(**d["concept"]) if d.get("concept") else None
        d["fairness"] = FairnessResult.from_dict(d["fairness"]) if d.get("fairness") else None
        d["compliance"] = (
            ComplianceResult.from_dict(d["compliance"]) if d.get("compliance") else None
        )
        # Runs stored before these parts existed have neither key.
        dq = d.get("data_quality")
        d["data_quality"] = DataQuality.from_dict(dq) if dq else None
        d["check_errors"] = [CheckError(**e) for e in d.get("check_errors") or []]
        d["incidents"] = [Incident.from_dict(i) for i in d.get("incidents") or []]
        ld = d.get("label_drift")
        d["label_drift"] = LabelDrift(**ld) if ld else None
        return cls(**d)
