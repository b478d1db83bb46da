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
