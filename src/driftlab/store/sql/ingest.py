"""Writes of the serving path: predictions (with a fast insert per database), labels, errors.

The prediction log's drainer calls :meth:`IngestMixin.log_predictions` with batches of
about a thousand records; the SQLite and PostgreSQL inserts below are written for that.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from driftlab.errors import UnknownRequestError
from driftlab.store.codec import as_utc, finite, json_dumps
from driftlab.store.records import ErrorRecord, LabelOutcome, LabelRecord, PredictionRecord
from driftlab.store.sql.core import SqlCore, store_errors, writes
from driftlab.store.sql.tables import (
    PREDICTION_COLUMNS,
    label_changes,
    labels,
    predictions,
    request_errors,
)

__all__ = ["IngestMixin"]


class IngestMixin(SqlCore):
    """PredictionSink over SQL: idempotent by request id, labels joined by request id."""

    @writes
    def log_predictions(self, records: list[PredictionRecord]) -> int:
        if not records:
            return 0
        if self.dialect == "sqlite":
            return self._log_predictions_sqlite(records)
        if self.dialect == "postgresql":
            return self._log_predictions_postgresql(records)
        rows = [
            {
                "request_id": r.request_id,
                "ts": as_utc(r.ts),
                "model_name": r.model_name,
                "model_version": r.model_version,
                "features": r.features,
                "prediction": r.prediction,
                "probability": finite(r.probability),
                "probabilities": r.probabilities,
                "latency_ms": r.latency_ms,
                "attributes": r.attributes or None,
            }
            for r in records
        ]
        stmt = self._insert_ignore(predictions)
        # The row count of a batch insert that skips duplicates is not per row on every driver
        # (psycopg reports the batch size): count the ids the database says it inserted.
        returning = self.dialect in ("postgresql", "sqlite")
        with self.engine.begin() as conn:
            if returning:
                return len(conn.execute(stmt.returning(predictions.c.request_id), rows).all())
            result = conn.execute(stmt, rows)
        return (
            int(result.rowcount)
            if result.rowcount is not None and result.rowcount >= 0
            else len(rows)
        )

    def _log_predictions_sqlite(self, records: list[PredictionRecord]) -> int:
        """The drainer's insert on SQLite, without SQLAlchemy's per-row statement machinery
        (three quarters of the drainer's CPU, held under the GIL while requests waited): the
        columns' own bind processors (same text as the Core insert) and one executemany.
        ON CONFLICT skips stored ids only; any other refusal still raises."""
        ts_bind, js = self._bind("ts"), self._bind("features")
        # The records of one request share their time and mostly lack probabilities and
        # attributes: convert each distinct time once, write null once.
        times: dict[datetime, Any] = {}
        null = js(None)

        def ts(value: datetime) -> Any:
            text = times.get(value)
            if text is None:
                text = times[value] = ts_bind(as_utc(value))
            return text

        rows = [
            (
                r.request_id, ts(r.ts), r.model_name, r.model_version, js(r.features),
                js(r.prediction), finite(r.probability),
                null if r.probabilities is None else js(r.probabilities), r.latency_ms,
                null if not r.attributes else js(r.attributes),
            )
            for r in records
        ]  # fmt: skip
        names = ", ".join(PREDICTION_COLUMNS)
        sql = (
            f"INSERT INTO {predictions.name} ({names}) VALUES "
            f"({', '.join('?' * len(PREDICTION_COLUMNS))}) ON CONFLICT (request_id) DO NOTHING"
        )
        return self._insert(sql, rows)

    def _log_predictions_postgresql(self, records: list[PredictionRecord]) -> int:
        """The drainer's insert on PostgreSQL: one statement over ten arrays (unnest), not a
        multi-row VALUES list. SQLAlchemy's executemany sent 1,000 rows as one statement of
        10,000 placeholders, which psycopg re-parsed with regular expressions on every batch:
        114 ms of CPU per 1,000 rows, so the database fell behind a 40,000 rows/s batch
        load. JSON columns get the text SQLAlchemy's JSON type writes (null for None).
        The row count of one INSERT ... ON CONFLICT DO NOTHING is the rows it inserted."""
        js, none = json_dumps, "null"
        columns = (
            [r.request_id for r in records],
            [as_utc(r.ts) for r in records],
            [r.model_name for r in records],
            [r.model_version for r in records],
            [js(r.features) for r in records],
            [js(r.prediction) for r in records],
            # NaN and infinities as null, as on SQLite
            [None if r.probability is None else finite(float(r.probability)) for r in records],
            [none if r.probabilities is None else js(r.probabilities) for r in records],
            [float(r.latency_ms) for r in records],
            [none if not r.attributes else js(r.attributes) for r in records],
        )
        types = ("varchar", "timestamptz", "varchar", "varchar", "json", "json", "float8",
                 "json", "float8", "json")  # fmt: skip
        # psycopg sends the arrays in binary (%b): its text format escapes every element
        # with a regular expression (JSON is full of quotes), as slow as the statement parse.
        mark = "%b" if self.engine.dialect.driver == "psycopg" else "%s"
        arrays = ", ".join(f"{mark}::{t}[]" for t in types)
        sql = (
            f"INSERT INTO {predictions.name} ({', '.join(PREDICTION_COLUMNS)}) "
            f"SELECT * FROM unnest({arrays}) ON CONFLICT (request_id) DO NOTHING"
        )
        return self._insert(sql, columns)

    def _insert(self, sql: str, params: Any) -> int:
        """Run one of the fast inserts above; its row count is the rows it inserted."""
        with self.engine.begin() as conn:
            return int(conn.exec_driver_sql(sql, params).rowcount)

    def _bind(self, column: str) -> Callable[[Any], Any]:
        dialect = self.engine.dialect  # the dialect's type: SQLite's DATETIME writes the text
        process = predictions.c[column].type.dialect_impl(dialect).bind_processor(dialect)
        return process if process is not None else (lambda v: v)

    @store_errors
    def known_requests(self, request_ids: list[str]) -> set[str]:
        found: set[str] = set()
        with self.engine.connect() as conn:
            for i in range(0, len(request_ids), 500):
                chunk = request_ids[i : i + 500]
                q = sa.select(predictions.c.request_id).where(predictions.c.request_id.in_(chunk))
                found.update(conn.execute(q).scalars())
        return found

    @writes
    def add_labels(self, new: list[LabelRecord]) -> LabelOutcome:
        if not new:
            return LabelOutcome(0, 0, 0)
        ids = [r.request_id for r in new]
        missing = set(ids) - self.known_requests(ids)
        if missing:
            shown = ", ".join(sorted(missing)[:5])
            raise UnknownRequestError(
                f"{len(missing)} request id(s) were never logged: {shown}"
                + (" ..." if len(missing) > 5 else "")
                + "; send labels only for request_id values returned by /v1/predict"
            )
        # Last label wins per request id within a batch.
        latest = {r.request_id: r for r in new}
        with self.engine.begin() as conn:
            existing = dict(
                conn.execute(
                    sa.select(labels.c.request_id, labels.c.label).where(
                        labels.c.request_id.in_(list(latest))
                    )
                ).all()
            )
            fresh = [r for r in latest.values() if r.request_id not in existing]
            # A replayed identical label changes nothing, not even its time (label lag).
            changed = [
                r for r in latest.values()
                if r.request_id in existing and existing[r.request_id] != r.label
            ]  # fmt: skip
            if fresh:
                # Insert-or-skip: a concurrent request may have labeled the same id meanwhile.
                conn.execute(
                    self._insert_ignore(labels),
                    [{"request_id": r.request_id, "label": r.label, "ts": r.ts} for r in fresh],
                )
            for r in changed:
                conn.execute(
                    labels.update()
                    .where(labels.c.request_id == r.request_id)
                    .values(label=r.label, ts=r.ts)
                )
            if changed:
                conn.execute(
                    label_changes.insert(),
                    [
                        {"request_id": r.request_id, "old_label": existing[r.request_id],
                         "new_label": r.label, "ts": r.ts}
                        for r in changed
                    ],
                )  # fmt: skip
        return LabelOutcome(
            new=len(fresh), changed=len(changed), unchanged=len(latest) - len(fresh) - len(changed)
        )

    @writes
    def log_errors(self, records: list[ErrorRecord]) -> int:
        if not records:
            return 0
        with self.engine.begin() as conn:
            conn.execute(
                request_errors.insert(),
                [{"ts": r.ts, "model_name": r.model_name, "route": r.route, "status": r.status}
                 for r in records],
            )  # fmt: skip
        return len(records)
