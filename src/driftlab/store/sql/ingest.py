"""Writes of the serving path and of batch jobs: predictions (with a fast insert per
database), labels, errors.

The prediction log's drainer calls :meth:`IngestMixin.log_predictions` with batches of
about a thousand records, ``driftlab predict`` with chunks of thousands of rows as one
PredictionGroup; the SQLite and PostgreSQL inserts below are written for both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

from driftlab.store.codec import as_utc, finite
from driftlab.store.records import (
    ErrorRecord,
    PredictionGroup,
    PredictionRecord,
)
from driftlab.store.sql.bulk import copy_predictions, prediction_rows
from driftlab.store.sql.core import store_errors, writes
from driftlab.store.sql.labels import LabelMixin
from driftlab.store.sql.tables import (
    PREDICTION_COLUMNS,
    predictions,
    request_errors,
)

__all__ = ["BULK_ROWS", "IngestMixin"]

# From this many rows a write is a batch job's chunk, not the drainer's batch: PostgreSQL
# gets COPY, SQLite a larger page cache.
BULK_ROWS = 5_000
_BULK_CACHE_KIB = 64 * 1024


class IngestMixin(LabelMixin):
    """PredictionSink over SQL: idempotent by request id, labels joined by request id."""

    @writes
    def log_predictions(self, records: Sequence[PredictionRecord] | PredictionGroup) -> int:
        if not len(records):
            return 0
        if self.dialect == "sqlite":
            return self._log_predictions_sqlite(records)
        if self.dialect == "postgresql":
            return self._log_predictions_postgresql(records)
        batch = records.records() if isinstance(records, PredictionGroup) else records
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
            for r in batch
        ]
        with self.engine.begin() as conn:
            result = conn.execute(self._insert_ignore(predictions), rows)
        return (
            int(result.rowcount)
            if result.rowcount is not None and result.rowcount >= 0
            else len(rows)
        )

    def _log_predictions_sqlite(self, batch: Sequence[PredictionRecord] | PredictionGroup) -> int:
        """The insert on SQLite, without SQLAlchemy's per-row statement machinery (three
        quarters of the drainer's CPU, held under the GIL while requests waited): rows
        converted as the columns' own types would (same text as the Core insert) and one
        executemany. ON CONFLICT skips stored ids only; any other refusal still raises."""
        rows = prediction_rows(batch, self._bind("ts"))
        names = ", ".join(PREDICTION_COLUMNS)
        sql = (
            f"INSERT INTO {predictions.name} ({names}) VALUES "
            f"({', '.join('?' * len(PREDICTION_COLUMNS))}) ON CONFLICT (request_id) DO NOTHING"
        )
        with self.engine.begin() as conn:
            if len(rows) >= BULK_ROWS:
                # A batch job's chunk: more of the indexes' pages stay in memory (with
                # random ids, 600,000 rows took 18% less CPU than with the default 2 MB).
                conn.exec_driver_sql(f"PRAGMA cache_size = -{_BULK_CACHE_KIB}")
            return int(conn.exec_driver_sql(sql, rows).rowcount)

    def _log_predictions_postgresql(
        self, batch: Sequence[PredictionRecord] | PredictionGroup
    ) -> int:
        """The insert on PostgreSQL. A batch job's chunk (BULK_ROWS or more) goes in with
        COPY (bulk.copy_predictions). The drainer's batches of about a thousand records are
        one statement over ten arrays (unnest), not a multi-row VALUES list: SQLAlchemy's
        executemany sent 1,000 rows as one statement of 10,000 placeholders, which psycopg
        re-parsed with regular expressions on every batch (114 ms of CPU per 1,000 rows).
        The row count of one INSERT ... ON CONFLICT DO NOTHING is the rows it inserted."""
        rows = prediction_rows(batch)
        psycopg3 = self.engine.dialect.driver == "psycopg"
        if len(rows) >= BULK_ROWS and psycopg3:
            with self.engine.begin() as conn:
                return copy_predictions(conn, rows)
        columns = tuple(list(c) for c in zip(*rows, strict=True))  # one row of ten arrays
        types = ("varchar", "timestamptz", "varchar", "varchar", "json", "json", "float8",
                 "json", "float8", "json")  # fmt: skip
        # psycopg sends the arrays in binary (%b): its text format escapes every element
        # with a regular expression (JSON is full of quotes), as slow as the statement parse.
        mark = "%b" if psycopg3 else "%s"
        arrays = ", ".join(f"{mark}::{t}[]" for t in types)
        sql = (
            f"INSERT INTO {predictions.name} ({', '.join(PREDICTION_COLUMNS)}) "
            f"SELECT * FROM unnest({arrays}) ON CONFLICT (request_id) DO NOTHING"
        )
        with self.engine.begin() as conn:
            return int(conn.exec_driver_sql(sql, columns).rowcount)

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
