"""The prediction store port and the records that cross it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import pandas as pd

__all__ = [
    "AUDIT_COLUMNS",
    "WINDOW_COLUMNS",
    "ErrorRecord",
    "LabelOutcome",
    "LabelRecord",
    "PredictionGroup",
    "PredictionRecord",
    "Store",
    "StoredRun",
]

# Columns of every row returned by Store.audit (one compliance check of one window).
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


class Store(Protocol):
    """Durable home of predictions, labels, monitoring results, alerts and decisions."""

    def log_predictions(self, records: list[PredictionRecord]) -> int:
        """Insert records; a request id already stored is skipped. Returns rows inserted."""
        ...

    def known_requests(self, request_ids: list[str]) -> set[str]: ...

    def add_labels(self, labels: list[LabelRecord]) -> LabelOutcome:
        """Record labels by request id: a replay of the same label changes nothing (idempotent);
        a different label replaces it and is kept in the change log. Unknown ids raise
        UnknownRequestError and nothing is written."""
        ...

    def read_window(
        self,
        model_name: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        last_n: int | None = None,
        labeled_only: bool = False,
    ) -> pd.DataFrame: ...

    def iter_window(
        self,
        model_name: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        chunk_rows: int = 50_000,
    ) -> Iterator[pd.DataFrame]:
        """The same rows as :meth:`read_window` over a time range, oldest first, in chunks of
        at most ``chunk_rows`` (constant memory however large the range)."""
        ...

    def log_errors(self, records: list[ErrorRecord]) -> int: ...

    def count_errors(
        self, model_name: str, *, start: datetime | None = None, end: datetime | None = None
    ) -> dict[str, int]:
        """Error answers in [start, end], as {"4xx": n, "5xx": m}."""
        ...

    def save_run(
        self, model_name: str, model_version: str | None, result: dict[str, Any]
    ) -> int: ...

    def runs(
        self, model_name: str | None = None, limit: int = 50, *, until_id: int | None = None
    ) -> list[StoredRun]:
        """Newest first; with ``until_id``, only runs up to that id (a run and its past)."""
        ...

    def get_run(self, run_id: int) -> StoredRun: ...

    def save_alerts(self, run_id: int, alerts: list[dict[str, Any]]) -> None: ...

    def last_alert_sent(self, fingerprint: str) -> datetime | None: ...

    def save_decision(self, model_name: str, decision: dict[str, Any]) -> int: ...

    def save_audit(self, run_id: int, result: dict[str, Any]) -> int:
        """Append every compliance check of a stored run's result to the audit log."""
        ...

    def audit(
        self, model_name: str | None = None, *, limit: int = 100, feature: str | None = None
    ) -> list[dict[str, Any]]:
        """Audit rows (AUDIT_COLUMNS), newest first."""
        ...

    def decisions(self, model_name: str | None = None, limit: int = 50) -> list[dict[str, Any]]: ...

    def alert_log(self, model_name: str, limit: int = 200) -> list[dict[str, Any]]:
        """Stored alerts and resolved notices of a model, newest first, with ``sent``."""
        ...

    def model_versions(self) -> list[dict[str, Any]]:
        """Per model and version: ``n_predictions``, ``first_ts``, ``last_ts`` (ISO, UTC)."""
        ...
