"""An in-memory store: every port with plain Python structures, for tests and demos.

It keeps the SQL store's semantics (tests/store/test_contract.py runs the same checks on
both): predictions idempotent by request id, labels joined by request id (a replay changes
nothing, a correction is logged), half-open windows ``[start, end)``, ``last_n`` and the
version filter applied before the limit, run and alert ids counting from 1, and values
normalised as the database would (UTC times, JSON with non-finite numbers as null).

>>> from datetime import UTC, datetime
>>> from driftlab.store.records import PredictionRecord
>>> s = MemoryStore()
>>> t = datetime(2026, 1, 2, tzinfo=UTC)
>>> s.log_predictions([PredictionRecord("r1", t, "m", "1", {"x": 1.0}, "a", 0.5, 2.0)] * 2)
1
>>> s.read_window("m")[["request_id", "x"]].values.tolist()
[['r1', 1.0]]
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pandas as pd

from driftlab.errors import RecordRejectedError, UnknownRunError
from driftlab.schema import event_time_text
from driftlab.store.codec import as_utc, finite, json_dumps, window_frame
from driftlab.store.joblocks import ThreadLocks
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
    unknown_requests,
)

__all__ = ["MemoryStore"]


def _json(value: Any, what: str, where: tuple[str, str] | None = None) -> Any:
    """``value`` as the store gives it back: through JSON, as a JSON column holds it.
    ``where``: (request id, field) of a prediction, named in the error as the SQL store
    names them."""
    try:
        return orjson.loads(json_dumps(value))
    except (TypeError, ValueError) as e:
        detail = str(e)
        if where is not None:
            field, bad = where[1], value
            for key, item in value.items() if isinstance(value, dict) else ():
                try:
                    json_dumps(item)
                except (TypeError, ValueError):
                    field, bad = f"{field} {key!r}", item
                    break
            detail = f"request {where[0]!r}: {field} value {str(bad)[:80]!r} ({detail})"
        raise RecordRejectedError(f"{what} failed on memory://: {detail}") from e


@dataclass(frozen=True, slots=True)
class _Prediction:
    request_id: str
    ts: datetime
    model_name: str
    model_version: str
    features: dict[str, Any]
    prediction: Any
    probability: float | None
    latency_ms: float
    attributes: dict[str, Any] | None


def _event_time(name: str) -> Any:
    def when(p: _Prediction) -> str | None:
        value = p.features.get(name)
        return value if isinstance(value, str) else None

    return when


def _within(value: Any, lo: Any, hi: Any) -> bool:
    """``lo <= value < hi`` (either bound optional); a row without a value is outside."""
    if value is None:
        return lo is None and hi is None
    return (lo is None or value >= lo) and (hi is None or value < hi)


class MemoryStore:
    """Every store port (``driftlab.store.ports.Store``) in this process's memory; safe to
    share between threads. Nothing survives the object."""

    url = "memory://"

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._predictions: dict[str, _Prediction] = {}
        self._labels: dict[str, tuple[Any, datetime]] = {}
        self.label_changes: list[tuple[str, Any, Any, datetime]] = []  # id, old, new, time
        self._errors: list[ErrorRecord] = []
        self._runs: list[StoredRun] = []
        self._alerts: list[StoredAlert] = []
        self._audit: list[AuditRow] = []
        self._decisions: list[StoredDecision] = []
        self._claims: dict[str, datetime] = {}  # fingerprint -> last send (the cooldown)
        self._job_locks = ThreadLocks()

    def close(self) -> None:
        """Nothing to release; here so the fake can stand where a SqlStore is closed."""

    # -- PredictionSink ------------------------------------------------------------------
    def log_predictions(self, records: Sequence[PredictionRecord] | PredictionGroup) -> int:
        if isinstance(records, PredictionGroup):
            records = records.records()
        rows = [
            _Prediction(
                r.request_id, as_utc(r.ts), r.model_name, r.model_version,
                _json(r.features, "log_predictions", (r.request_id, "features")),
                _json(r.prediction, "log_predictions", (r.request_id, "prediction")),
                finite(None if r.probability is None else float(r.probability)),
                float(r.latency_ms),
                _json(r.attributes or None, "log_predictions", (r.request_id, "attributes")),
            )
            for r in records
        ]  # fmt: skip
        with self._lock:
            fresh = {p.request_id: p for p in rows if p.request_id not in self._predictions}
            self._predictions.update(fresh)
        return len(fresh)

    def known_requests(self, request_ids: list[str]) -> set[str]:
        with self._lock:
            return {i for i in request_ids if i in self._predictions}

    def add_labels(self, labels: list[LabelRecord]) -> LabelOutcome:
        if not labels:
            return LabelOutcome(0, 0, 0)
        with self._lock:
            missing = {r.request_id for r in labels} - self._predictions.keys()
            if missing:
                first: dict[str, int] = {}
                for i, r in enumerate(labels):
                    if r.request_id in missing:
                        first.setdefault(r.request_id, i)
                raise unknown_requests(len(missing), [(i, rid) for rid, i in first.items()])
            # Last label wins per request id within a batch.
            latest = {r.request_id: (_json(r.label, "add_labels"), as_utc(r.ts)) for r in labels}
            new = changed = 0
            for rid, (label, ts) in latest.items():
                old = self._labels.get(rid)
                if old is None:
                    new += 1
                elif old[0] != label:
                    changed += 1
                    self.label_changes.append((rid, old[0], label, ts))
                else:
                    continue  # a replay changes nothing, not even its time (label lag)
                self._labels[rid] = (label, ts)
        return LabelOutcome(new, changed, len(latest) - new - changed)

    def load_labels(self, chunks: Iterable[Sequence[LabelRecord]]) -> LabelOutcome:
        return self.add_labels([r for chunk in chunks for r in chunk])

    def log_errors(self, records: list[ErrorRecord]) -> int:
        with self._lock:
            self._errors.extend(
                ErrorRecord(as_utc(r.ts), r.model_name, r.route, int(r.status)) for r in records
            )
        return len(records)

    # -- WindowSource ----------------------------------------------------------------------
    def _window(
        self,
        model_name: str,
        start: datetime | None,
        end: datetime | None,
        model_version: str | None,
        labeled_only: bool = False,
        event_time: str | None = None,
    ) -> list[tuple[Any, ...]]:
        """The window's rows oldest first, in the form window_frame reads."""
        lo = None if start is None else as_utc(start)
        hi = None if end is None else as_utc(end)
        when = (lambda p: p.ts) if event_time is None else _event_time(event_time)
        if event_time is not None:  # compared as the stores hold it: fixed-width UTC text
            lo = None if start is None else event_time_text(start)  # type: ignore[assignment]
            hi = None if end is None else event_time_text(end)  # type: ignore[assignment]
        with self._lock:
            chosen = [
                p for p in self._predictions.values()
                if p.model_name == model_name
                and (model_version is None or p.model_version == model_version)
                and _within(when(p), lo, hi)
                and (not labeled_only or p.request_id in self._labels)
            ]  # fmt: skip
            labels = dict(self._labels)
        chosen.sort(key=lambda p: (p.ts, p.request_id))
        return [
            (p.request_id, p.ts, p.model_version, p.prediction, p.probability, p.latency_ms,
             *labels.get(p.request_id, (None, None)), p.attributes, p.features)
            for p in chosen
        ]  # fmt: skip

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
        rows = self._window(model_name, start, end, model_version, labeled_only, event_time)
        if last_n is not None:
            rows = rows[-last_n:] if last_n > 0 else []
        return window_frame(rows)

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
        rows = self._window(model_name, start, end, model_version, event_time=event_time)
        if last_n is not None:
            rows = rows[-last_n:] if last_n > 0 else []
        if not rows:
            return WindowSpan(0, None, None, {})
        versions: dict[str, int] = {}
        for r in rows:
            versions[r[2]] = versions.get(r[2], 0) + 1
        return WindowSpan(len(rows), (rows[0][1], rows[0][0]), (rows[-1][1], rows[-1][0]),
                          versions)  # fmt: skip

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
        # Page by (ts, request_id) as the SQL store does, each page read when asked for: the
        # caller holds one chunk at a time, and rows logged meanwhile behave alike.
        lo, hi = (span.first, span.last) if span is not None else (None, None)
        if span is not None and (lo is None or hi is None):
            return
        after: tuple[datetime, str] | None = None
        while True:
            page = [
                r
                for r in self._window(model_name, start, end, model_version, event_time=event_time)
                if (after is None or (r[1], r[0]) > after)
                and (lo is None or lo <= (r[1], r[0])) and (hi is None or (r[1], r[0]) <= hi)
            ][:chunk_rows]  # fmt: skip
            if not page:
                return
            yield window_frame(page)
            if len(page) < chunk_rows:
                return
            after = (page[-1][1], page[-1][0])

    def count_errors(
        self, model_name: str, *, start: datetime | None = None, end: datetime | None = None
    ) -> dict[str, int]:
        lo = None if start is None else as_utc(start)
        hi = None if end is None else as_utc(end)
        out = {"4xx": 0, "5xx": 0}
        with self._lock:
            for e in self._errors:
                if (
                    e.model_name == model_name
                    and (lo is None or e.ts >= lo)
                    and (hi is None or e.ts < hi)
                ):
                    out["5xx" if e.status >= 500 else "4xx"] += 1
        return out

    def model_versions(self) -> list[ServedVersion]:
        groups: dict[tuple[str, str], list[datetime]] = {}
        with self._lock:
            for p in self._predictions.values():
                groups.setdefault((p.model_name, p.model_version), []).append(p.ts)
        return [
            ServedVersion(name, version, len(ts), min(ts), max(ts))
            for (name, version), ts in sorted(groups.items())
        ]

    # -- RunLog ----------------------------------------------------------------------------
    def save_run(self, model_name: str, model_version: str | None, result: dict[str, Any]) -> int:
        with self._lock:
            run = StoredRun(
                id=len(self._runs) + 1,
                ts=datetime.now(UTC),
                model_name=model_name,
                model_version=model_version,
                n_rows=int(result.get("n_rows", 0)),
                n_alerts=len(result.get("alerts", [])),
                result=_json(result, "save_run"),
            )
            self._runs.append(run)
        return run.id

    def runs(
        self, model_name: str | None = None, limit: int = 50, *, until_id: int | None = None
    ) -> list[StoredRun]:
        with self._lock:
            found = [
                r for r in reversed(self._runs)
                if (not model_name or r.model_name == model_name)
                and (until_id is None or r.id <= until_id)
            ]  # fmt: skip
        return found[:limit]

    def get_run(self, run_id: int) -> StoredRun:
        with self._lock:
            if 1 <= run_id <= len(self._runs):
                return self._runs[run_id - 1]
        raise UnknownRunError(f"no monitoring run with id {run_id}; 'driftlab runs' lists them")

    # -- AlertLog --------------------------------------------------------------------------
    def save_alerts(self, run_id: int, alerts: list[dict[str, Any]]) -> None:
        now = datetime.now(UTC)
        with self._lock:
            for a in alerts:
                self._alerts.append(
                    StoredAlert(
                        id=len(self._alerts) + 1, run_id=run_id, ts=now,
                        fingerprint=a["fingerprint"], kind=a["kind"], severity=a["severity"],
                        subject=a.get("subject"), message=a["message"],
                        sent=bool(a.get("sent", False)),
                    )
                )  # fmt: skip
                if a.get("sent"):
                    self._claims[a["fingerprint"]] = max(
                        now, self._claims.get(a["fingerprint"], now)
                    )

    def last_alert_sent(self, fingerprint: str) -> datetime | None:
        with self._lock:
            sent = [a.ts for a in self._alerts if a.fingerprint == fingerprint and a.sent]
        return max(sent, default=None)

    def claim_alert(self, fingerprint: str, now: datetime, cooldown: timedelta) -> bool:
        now = as_utc(now)
        with self._lock:
            last = self._claims.get(fingerprint)
            if last is not None and last > now - cooldown:
                return False
            self._claims[fingerprint] = now
        return True

    def release_alert(self, fingerprint: str, claimed_at: datetime) -> None:
        with self._lock:
            if self._claims.get(fingerprint) != as_utc(claimed_at):
                return  # another send was recorded since: it stands
            last = self.last_alert_sent(fingerprint)
            if last is None:
                del self._claims[fingerprint]
            else:
                self._claims[fingerprint] = last

    def alert_log(self, model_name: str, limit: int = 200) -> list[StoredAlert]:
        with self._lock:
            of_model = {r.id for r in self._runs if r.model_name == model_name}
            found = [a for a in reversed(self._alerts) if a.run_id in of_model]
        return found[:limit]

    # -- JobLock ---------------------------------------------------------------------------
    def lock(
        self, model_name: str, job: str, *, wait_s: float = 0.0
    ) -> contextlib.AbstractContextManager[None]:
        return self._job_locks.lock(model_name, job, wait_s=wait_s)

    # -- AuditLog --------------------------------------------------------------------------
    def save_audit(self, run_id: int, result: dict[str, Any]) -> int:
        compliance = result.get("compliance")
        if not compliance or not compliance.get("checks"):
            return 0
        now = datetime.now(UTC)
        with self._lock:
            for c in compliance["checks"]:
                interval = c.get("interval") or [None, None]
                self._audit.append(
                    AuditRow(
                        id=len(self._audit) + 1, ts=now, run_id=run_id,
                        model_name=result["model_name"],
                        model_version=result.get("model_version"),
                        window_start=result.get("window_start"),
                        window_end=result.get("window_end"), check=c["check"],
                        feature=c["feature"], prohibited=bool(c["prohibited"]),
                        value=finite(c.get("value")), ci_low=finite(interval[0]),
                        ci_high=finite(interval[1]), reference=finite(c.get("reference")),
                        limit=finite(c.get("limit")), n=int(c.get("n", 0)),
                        verdict=c["verdict"], message=c["message"],
                    )
                )  # fmt: skip
        return len(compliance["checks"])

    def audit(
        self, model_name: str | None = None, *, limit: int = 100, feature: str | None = None
    ) -> list[AuditRow]:
        with self._lock:
            found = [
                a for a in reversed(self._audit)
                if (not model_name or a.model_name == model_name)
                and (not feature or a.feature == feature)
            ]  # fmt: skip
        return found[:limit]

    # -- DecisionLog -----------------------------------------------------------------------
    def save_decision(self, model_name: str, decision: dict[str, Any]) -> int:
        with self._lock:
            stored = StoredDecision(
                id=len(self._decisions) + 1,
                ts=datetime.now(UTC),
                model_name=model_name,
                promoted=bool(decision.get("promoted")),
                decision=_json(decision, "save_decision"),
            )
            self._decisions.append(stored)
        return stored.id

    def decisions(self, model_name: str | None = None, limit: int = 50) -> list[StoredDecision]:
        with self._lock:
            found = [
                d for d in reversed(self._decisions) if not model_name or d.model_name == model_name
            ]
        return found[:limit]
