"""The records that cross the store's ports: what is written, and the typed rows read back."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from driftlab.errors import UnknownRequestError

__all__ = [
    "AUDIT_COLUMNS",
    "WINDOW_COLUMNS",
    "AuditRow",
    "ErrorRecord",
    "LabelOutcome",
    "LabelRecord",
    "PredictionGroup",
    "PredictionRecord",
    "ServedVersion",
    "StoredAlert",
    "StoredDecision",
    "StoredRun",
    "Window",
    "WindowSpan",
    "unknown_requests",
]

# Fields of every AuditRow returned by Store.audit (one compliance check of one window).
AUDIT_COLUMNS = [
    "id", "ts", "run_id", "model_name", "model_version", "window_start", "window_end",
    "check", "feature", "prohibited", "value", "ci_low", "ci_high", "reference", "limit",
    "n", "verdict", "message",
]  # fmt: skip

# Columns of every frame returned by Store.read_window, before the feature columns.
WINDOW_COLUMNS = [
    "request_id",
    "ts",
    "model_version",
    "prediction",
    "probability",
    "latency_ms",
    "label",
    "label_ts",
]


@dataclass(frozen=True, slots=True)
class PredictionRecord:
    request_id: str
    ts: datetime
    model_name: str
    model_version: str
    features: dict[str, Any]
    prediction: Any
    probability: float | None
    latency_ms: float
    probabilities: dict[str, float] | None = None
    # Protected attributes sent as request metadata (never model inputs); read_window
    # returns them as columns beside the features.
    attributes: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class PredictionGroup:
    """The predictions of one request, column by column: what they share (time, model,
    latency) once, the rest one list entry per record. The API logs this form: it is written
    to the spool without a record object per prediction (a third of the logging cost of a
    1,000-record request).

    >>> from datetime import UTC, datetime
    >>> g = PredictionGroup(datetime(2026, 1, 2, tzinfo=UTC), "m", "1", 2.0, ["a", "b"],
    ...                     [{"x": 1}, {"x": 2}], [0, 1], [0.1, 0.9])
    >>> len(g), g.records()[1].request_id, g.records()[1].probability
    (2, 'b', 0.9)
    """

    ts: datetime
    model_name: str
    model_version: str
    latency_ms: float
    request_ids: list[str]
    features: list[dict[str, Any]]
    predictions: list[Any]
    probability: list[float | None]
    probabilities: list[dict[str, float] | None] | None = None  # None: none for any record
    attributes: list[dict[str, Any] | None] | None = None

    def __post_init__(self) -> None:
        # Checked here, before the group is spooled and answered: a frame whose columns
        # disagree could never be decoded, and would block the drain behind it.
        n = len(self.request_ids)
        columns = {"features": self.features, "predictions": self.predictions,
                   "probability": self.probability, "probabilities": self.probabilities,
                   "attributes": self.attributes}  # fmt: skip
        bad = [k for k, v in columns.items() if v is not None and len(v) != n]
        if bad:
            raise ValueError(f"PredictionGroup of {n} request ids has {', '.join(bad)} of "
                             "another length")  # fmt: skip

    def __len__(self) -> int:
        return len(self.request_ids)

    def records(self) -> list[PredictionRecord]:
        n = len(self.request_ids)
        probabilities = self.probabilities or [None] * n
        attributes = self.attributes or [None] * n
        ts, name, version, latency = self.ts, self.model_name, self.model_version, self.latency_ms
        return [
            PredictionRecord(rid, ts, name, version, feats, pred, prob, latency, probs, attrs)
            for rid, feats, pred, prob, probs, attrs in zip(
                self.request_ids, self.features, self.predictions, self.probability,
                probabilities, attributes, strict=True,
            )
        ]  # fmt: skip


@dataclass(frozen=True, slots=True)
class ErrorRecord:
    """A request the API answered with 4xx or 5xx (no prediction was logged for it)."""

    ts: datetime
    model_name: str
    route: str
    status: int


@dataclass(frozen=True, slots=True)
class LabelRecord:
    request_id: str
    label: Any
    ts: datetime


@dataclass(frozen=True, slots=True)
class LabelOutcome:
    """What a batch of labels did: new labels, corrected ones, and exact replays."""

    new: int
    changed: int
    unchanged: int

    @property
    def accepted(self) -> int:
        return self.new + self.changed + self.unchanged


@dataclass(frozen=True)
class StoredRun:
    id: int
    ts: datetime
    model_name: str
    model_version: str | None
    n_rows: int
    n_alerts: int
    result: dict[str, Any] = field(repr=False)


@dataclass(frozen=True, slots=True)
class StoredDecision:
    """A retraining decision as stored: ``decision`` is the dict it was saved with."""

    id: int
    ts: datetime
    model_name: str
    promoted: bool
    decision: dict[str, Any] = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The flat form reports and JSON carry: id, ISO time, then the decision's fields.

        >>> from datetime import UTC, datetime
        >>> StoredDecision(3, datetime(2026, 1, 2, tzinfo=UTC), "m", True,
        ...                {"promoted": True, "reason": "better"}).to_dict()
        {'id': 3, 'ts': '2026-01-02T00:00:00+00:00', 'promoted': True, 'reason': 'better'}
        """
        return {"id": self.id, "ts": self.ts.isoformat(), **self.decision}


@dataclass(frozen=True, slots=True)
class StoredAlert:
    """An alert or resolved notice as stored with its run; ``sent`` is whether any channel
    accepted it (False also when the cooldown held it back)."""

    id: int
    run_id: int
    ts: datetime
    fingerprint: str
    kind: str
    severity: str
    subject: str | None
    message: str
    sent: bool

    def to_dict(self) -> dict[str, Any]:
        """The fields, time as ISO text (the report's JSON form)."""
        return {**_fields(self), "ts": self.ts.isoformat()}


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One compliance check of one monitored window (fields: AUDIT_COLUMNS)."""

    id: int
    ts: datetime
    run_id: int
    model_name: str
    model_version: str | None
    window_start: str | None
    window_end: str | None
    check: str
    feature: str
    prohibited: bool
    value: float | None
    ci_low: float | None
    ci_high: float | None
    reference: float | None
    limit: float | None
    n: int
    verdict: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        """The fields in AUDIT_COLUMNS order, time as ISO text (``driftlab audit --json``)."""
        return {**_fields(self), "ts": self.ts.isoformat()}


@dataclass(frozen=True, slots=True)
class ServedVersion:
    """A (model, version) that served predictions: how many, first and last time."""

    model_name: str
    model_version: str
    n_predictions: int
    first_ts: datetime
    last_ts: datetime

    def to_dict(self) -> dict[str, Any]:
        """The fields, times as ISO text (what the dashboard's templates show)."""
        return {**_fields(self), "first_ts": self.first_ts.isoformat(),
                "last_ts": self.last_ts.isoformat()}  # fmt: skip


def _fields(record: Any) -> dict[str, Any]:
    # asdict() deep-copies every value; these records hold only flat ones.
    return {f.name: getattr(record, f.name) for f in fields(record)}


@dataclass(frozen=True)
class Window:
    """Which logged predictions to read: a time range ``[start, end)``, or the last N."""

    start: datetime | None = None
    end: datetime | None = None
    last_n: int | None = None
    # The role "timestamp" feature whose values start/end bound (None: the log time).
    event_time: str | None = None

    def describe(self) -> str:
        if self.start or self.end:
            span = f"{self.start or 'beginning'} to {self.end or 'now'}"
            return f"{span} by event time ({self.event_time})" if self.event_time else span
        return f"last {self.last_n} predictions"


def unknown_requests(
    count: int, unknown: list[tuple[int, str]], shown: int = 5
) -> UnknownRequestError:
    """The error for labels whose request ids were never logged: ``count`` distinct ids,
    ``unknown`` the first of them as (position among the labels, request id)."""
    names = ", ".join(rid for _, rid in unknown[:shown])
    return UnknownRequestError(
        f"{count} request id(s) were never logged: {names}"
        + (" ..." if count > shown else "")
        + "; send labels only for request_id values returned by /v1/predict or logged by "
        "'driftlab predict'",
        unknown=unknown[:shown],
        count=count,
    )


@dataclass(frozen=True)
class WindowSpan:
    """Where a window lies in the log, read before its rows: how many, from which row to which
    (``first`` and ``last`` as ``(ts, request_id)``, both included) and which versions served
    them. A job streams exactly these rows (``iter_window(span=...)``), so predictions logged
    while it reads do not change the window it decided on.
    """

    n_rows: int
    first: tuple[datetime, str] | None
    last: tuple[datetime, str] | None
    versions: dict[str, int] = field(default_factory=dict)

    @property
    def start(self) -> datetime | None:
        return self.first[0] if self.first else None

    @property
    def end(self) -> datetime | None:
        return self.last[0] if self.last else None

    def main_version(self) -> str | None:
        """The version that served most rows (ties: the first by name), or None when empty."""
        if not self.versions:
            return None
        return max(sorted(self.versions), key=lambda v: self.versions[v])
