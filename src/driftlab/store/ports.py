"""The store's ports, one per job: a caller asks for the narrow port it uses, so a fake for
its tests implements a few methods rather than every table.

``Store`` is all of them at once (what an adapter such as ``SqlStore`` or ``MemoryStore``
provides). Every window is half-open, ``[start, end)``: a row at ``end`` belongs to the next
window, so back-to-back windows never count a row twice.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import pandas as pd

from driftlab.store.records import (
    AuditRow,
    ErrorRecord,
    LabelOutcome,
    LabelRecord,
    PredictionGroup,
    PredictionRecord,
    ServedVersion,
    StoredAlert,
    StoredDecision,
    StoredRun,
    WindowSpan,
)

__all__ = [
    "AlertLog",
    "AuditLog",
    "DecisionLog",
    "JobLock",
    "PredictionSink",
    "RunHistory",
    "RunLog",
    "Store",
    "WindowSource",
]


class PredictionSink(Protocol):
    """Where served predictions, their labels and error answers are written."""

    def log_predictions(self, records: Sequence[PredictionRecord] | PredictionGroup) -> int:
        """Insert records (or a group of them: a batch job's chunk, column by column) in one
        transaction; a request id already stored is skipped. Returns rows inserted.
        Raises RecordRejectedError when the store refuses a record for good (a constraint, a
        value it cannot hold: the message names its request id and field) and
        StoreUnavailableError when it cannot write now."""
        ...

    def known_requests(self, request_ids: list[str]) -> set[str]: ...

    def add_labels(self, labels: list[LabelRecord]) -> LabelOutcome:
        """Record labels by request id: a replay of the same label changes nothing (idempotent);
        a different label replaces it and is kept in the change log. Unknown ids raise
        UnknownRequestError and nothing is written."""
        ...

    def load_labels(self, chunks: Iterable[Sequence[LabelRecord]]) -> LabelOutcome:
        """:meth:`add_labels` over every chunk at once, in one transaction, however many
        labels (a file's, read chunk by chunk): the last label of a request id wins; unknown
        ids anywhere raise UnknownRequestError (its ``unknown`` gives the position of the
        first ones among all labels) and nothing is written. An error raised by ``chunks``
        itself passes through as it is, and nothing is written either."""
        ...

    def log_errors(self, records: list[ErrorRecord]) -> int: ...


class WindowSource(Protocol):
    """Monitoring windows: predictions with their labels, and the error answers beside them."""

    def read_window(
        self,
        model_name: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        last_n: int | None = None,
        labeled_only: bool = False,
        model_version: str | None = None,
        event_time: str | None = None,
    ) -> pd.DataFrame:
        """Predictions in ``[start, end)`` (of ``model_version`` only, when given), the last
        ``last_n`` of them, oldest first: WINDOW_COLUMNS, then one column per feature.

        ``start``/``end`` bound the log time, or with ``event_time`` (the name of the role
        "timestamp" feature) the event time each row carries; rows without one are left out.
        Order and ``last_n`` stay by log time."""
        ...

    def window_span(
        self,
        model_name: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        last_n: int | None = None,
        model_version: str | None = None,
        event_time: str | None = None,
    ) -> WindowSpan:
        """Where the window :meth:`read_window` would return lies, without reading its rows:
        its size, its first and last row, the versions that served it."""
        ...

    def iter_window(
        self,
        model_name: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        chunk_rows: int = 50_000,
        model_version: str | None = None,
        span: WindowSpan | None = None,
        event_time: str | None = None,
    ) -> Iterator[pd.DataFrame]:
        """The same rows as :meth:`read_window` over a time range, oldest first, in chunks of
        at most ``chunk_rows``: one chunk is in memory at a time, however large the range.
        With ``span`` (from :meth:`window_span`), only the rows from its first to its last
        row, both included — the last-n window it was read for."""
        ...

    def count_errors(
        self, model_name: str, *, start: datetime | None = None, end: datetime | None = None
    ) -> dict[str, int]:
        """Error answers in ``[start, end)``, as {"4xx": n, "5xx": m}."""
        ...

    def model_versions(self) -> list[ServedVersion]:
        """Every (model, version) that served predictions, by model then version."""
        ...


class RunLog(Protocol):
    """Stored monitoring results."""

    def save_run(
        self, model_name: str, model_version: str | None, result: dict[str, Any]
    ) -> int: ...

    def runs(
        self, model_name: str | None = None, limit: int = 50, *, until_id: int | None = None
    ) -> list[StoredRun]:
        """Newest first; with ``until_id``, only runs up to that id (a run and its past)."""
        ...

    def get_run(self, run_id: int) -> StoredRun:
        """The run; UnknownRunError when no run has that id."""
        ...


class AlertLog(Protocol):
    """Alerts as delivered, for the cooldown and the history views."""

    def save_alerts(self, run_id: int, alerts: list[dict[str, Any]]) -> None: ...

    def last_alert_sent(self, fingerprint: str) -> datetime | None:
        """When an alert with this fingerprint was last accepted by a channel."""
        ...

    def claim_alert(self, fingerprint: str, now: datetime, cooldown: timedelta) -> bool:
        """Whether this caller may send the alert now: True, and the send recorded at ``now``,
        unless it was sent less than ``cooldown`` before ``now``. One atomic step, so of two
        runs claiming one fingerprint at once exactly one wins."""
        ...

    def release_alert(self, fingerprint: str, claimed_at: datetime) -> None:
        """Undo a claim made at ``claimed_at`` whose alert no channel accepted: the cooldown
        goes back to the last send that did reach one (``last_alert_sent``)."""
        ...

    def alert_log(self, model_name: str, limit: int = 200) -> list[StoredAlert]:
        """Stored alerts and resolved notices of a model, newest first."""
        ...


class AuditLog(Protocol):
    """The compliance audit log."""

    def save_audit(self, run_id: int, result: dict[str, Any]) -> int:
        """Append every compliance check of a stored run's result to the audit log."""
        ...

    def audit(
        self, model_name: str | None = None, *, limit: int = 100, feature: str | None = None
    ) -> list[AuditRow]:
        """Audit rows, newest first."""
        ...


class DecisionLog(Protocol):
    """Retraining decisions."""

    def save_decision(self, model_name: str, decision: dict[str, Any]) -> int: ...

    def decisions(self, model_name: str | None = None, limit: int = 50) -> list[StoredDecision]:
        """Newest first."""
        ...


class JobLock(Protocol):
    """One run at a time of a job (``"monitor"``, ``"retrain"``) on a model, across processes
    and hosts sharing the store."""

    def lock(
        self, model_name: str, job: str, *, wait_s: float = 0.0
    ) -> contextlib.AbstractContextManager[None]:
        """Hold the lock of ``job`` on ``model_name`` for the ``with`` block. When another
        run holds it, wait up to ``wait_s`` seconds (0: not at all), then raise
        JobLockedError naming the model, the job and the holder. A process that dies
        releases its locks."""
        ...


class RunHistory(RunLog, AlertLog, DecisionLog, Protocol):
    """Runs and what followed them (their alerts, retraining decisions): what a report reads
    and what all-clear notices look back on."""


class Store(
    PredictionSink, WindowSource, RunLog, AlertLog, AuditLog, DecisionLog, JobLock, Protocol
):
    """Durable home of predictions, labels, monitoring results, alerts and decisions, and the
    jobs' locks: every port at once."""
