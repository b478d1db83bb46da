"""Labels joined to predictions by request id: the API's few at a time, and files of any size.

:meth:`LabelMixin.add_labels` takes the API's requests (a few hundred labels at most) with a
query per step. :meth:`LabelMixin.load_labels` takes a file's labels chunk by chunk in one
transaction: they go into a temporary table (executemany on SQLite, COPY on PostgreSQL) and
the checks and writes are a handful of statements over it, whatever the number of labels
(an ``IN`` list of every id stopped at PostgreSQL's 65,535 parameters).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from driftlab.store.codec import as_utc, json_dumps
from driftlab.store.records import LabelOutcome, LabelRecord, unknown_requests
from driftlab.store.sql.core import SqlCore, writes
from driftlab.store.sql.tables import label_changes, labels, predictions

__all__ = ["SMALL_LABELS", "LabelMixin"]

SMALL_LABELS = 500  # up to this many, add_labels runs its own queries (an API request)
_SHOWN = 5  # unknown ids named in the error
_STAGE, _LATEST = "driftlab_stage_labels", "driftlab_latest_labels"


class _SourceFailed(Exception):
    """The caller's chunks raised (a bad line in a file): passed on as it was, not as a
    store error."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def _guarded(chunks: Iterable[Sequence[LabelRecord]]) -> Iterator[Sequence[LabelRecord]]:
    it = iter(chunks)
    while True:
        try:
            chunk = next(it)
        except StopIteration:
            return
        except Exception as e:
            raise _SourceFailed(e) from e
        yield chunk


class LabelMixin(SqlCore):
    """Labels by request id: a replay changes nothing, a correction is logged."""

    def _ts_text(self) -> Any:
        dialect = self.engine.dialect  # SQLite's DATETIME writes text; PostgreSQL takes the time
        process = labels.c.ts.type.dialect_impl(dialect).bind_processor(dialect)
        return (lambda t: process(as_utc(t))) if process is not None else as_utc

    @writes
    def add_labels(self, new: list[LabelRecord]) -> LabelOutcome:
        if len(new) > SMALL_LABELS:
            return self._load_labels([new])
        if not new:
            return LabelOutcome(0, 0, 0)
        ids = [r.request_id for r in new]
        with self.engine.connect() as conn:
            q = sa.select(predictions.c.request_id).where(predictions.c.request_id.in_(ids))
            known = set(conn.execute(q).scalars())
        missing = set(ids) - known
        if missing:
            first: dict[str, int] = {}
            for i, rid in enumerate(ids):
                if rid in missing:
                    first.setdefault(rid, i)
            raise unknown_requests(len(missing), [(i, rid) for rid, i in first.items()])
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

    def load_labels(self, chunks: Iterable[Sequence[LabelRecord]]) -> LabelOutcome:
        try:
            return self._load_labels(_guarded(chunks))
        except _SourceFailed as e:
            raise e.error from e.error.__cause__

    @writes
    def _load_labels(self, chunks: Iterable[Sequence[LabelRecord]]) -> LabelOutcome:
        pg = self.dialect == "postgresql"
        js = "::json" if pg else ""  # the staged text into the json columns
        with self.engine.begin() as conn:
            if not pg:
                # pysqlite runs DDL outside its transaction: tables a failed load left behind
                # on this pooled connection go first (PostgreSQL drops them with the rollback).
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{_STAGE}")
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{_LATEST}")
            staged = self._stage(conn, chunks)
            if not staged:
                return LabelOutcome(0, 0, 0)
            # Last label wins per request id: the latest of each, with its position.
            conn.exec_driver_sql(
                f"CREATE TEMP TABLE {_LATEST} (request_id TEXT PRIMARY KEY, label TEXT NOT NULL, "
                f"ts {'TIMESTAMPTZ' if pg else 'TEXT'} NOT NULL, seq BIGINT NOT NULL, "
                "changed BOOLEAN NOT NULL DEFAULT FALSE)" + (" ON COMMIT DROP" if pg else "")
            )
            conn.exec_driver_sql(
                f"INSERT INTO {_LATEST} (request_id, label, ts, seq) "
                + (
                    f"SELECT DISTINCT ON (request_id) request_id, label, ts, seq FROM {_STAGE} "
                    "ORDER BY request_id, seq DESC"
                    if pg  # SQLite: a bare column beside max() is from the row with the max
                    else f"SELECT request_id, label, ts, max(seq) FROM {_STAGE} GROUP BY request_id"
                )
            )
            absent = (
                f"FROM {_LATEST} l WHERE NOT EXISTS (SELECT 1 FROM {predictions.name} p "
                "WHERE p.request_id = l.request_id)"
            )
            unknown = conn.exec_driver_sql(
                f"SELECT l.seq, l.request_id {absent} ORDER BY l.seq LIMIT {_SHOWN}"
            ).all()
            if unknown:
                count = conn.exec_driver_sql(f"SELECT count(*) {absent}").scalar_one()
                raise unknown_requests(int(count), [(int(s), str(r)) for s, r in unknown])
            total = conn.exec_driver_sql(f"SELECT count(*) FROM {_LATEST}").scalar_one()
            changed = self._mark_changed(conn)
            if changed:
                conn.exec_driver_sql(
                    f"INSERT INTO {label_changes.name} (request_id, old_label, new_label, ts) "
                    f"SELECT l.request_id, b.label, l.label{js}, l.ts FROM {_LATEST} l "
                    f"JOIN {labels.name} b ON b.request_id = l.request_id WHERE l.changed "
                    "ORDER BY l.seq"
                )
                pick = f"FROM {_LATEST} l WHERE l.request_id = {labels.name}.request_id"
                conn.exec_driver_sql(
                    f"UPDATE {labels.name} SET label = (SELECT l.label{js} {pick}), "
                    f"ts = (SELECT l.ts {pick}) "
                    f"WHERE request_id IN (SELECT request_id FROM {_LATEST} WHERE changed)"
                )
            # Insert-or-skip: a concurrent request may have labeled the same id meanwhile.
            new = conn.exec_driver_sql(
                f"INSERT INTO {labels.name} (request_id, label, ts) "
                f"SELECT l.request_id, l.label{js}, l.ts FROM {_LATEST} l WHERE NOT EXISTS "
                f"(SELECT 1 FROM {labels.name} b WHERE b.request_id = l.request_id) "
                "ORDER BY l.seq ON CONFLICT (request_id) DO NOTHING"
            ).rowcount
            if not pg:  # PostgreSQL drops both at the commit
                conn.exec_driver_sql(f"DROP TABLE {_STAGE}")
                conn.exec_driver_sql(f"DROP TABLE {_LATEST}")
        return LabelOutcome(new=int(new), changed=changed, unchanged=int(total) - new - changed)

    def _stage(self, conn: sa.Connection, chunks: Iterable[Sequence[LabelRecord]]) -> int:
        """Every label into a temporary table as (position, request id, JSON text, time);
        returns how many."""
        pg = self.dialect == "postgresql"
        conn.exec_driver_sql(
            f"CREATE TEMP TABLE {_STAGE} (seq BIGINT NOT NULL, request_id TEXT NOT NULL, "
            f"label TEXT NOT NULL, ts {'TIMESTAMPTZ' if pg else 'TEXT'} NOT NULL)"
            + (" ON COMMIT DROP" if pg else "")
        )
        ts, js = self._ts_text(), json_dumps
        seq = 0
        for chunk in chunks:
            rows = [(seq + i, r.request_id, js(r.label), ts(r.ts)) for i, r in enumerate(chunk)]
            seq += len(rows)
            if not rows:
                continue
            if pg and self.engine.dialect.driver == "psycopg":
                raw = conn.connection.driver_connection
                assert raw is not None
                with raw.cursor() as cur, cur.copy(f"COPY {_STAGE} FROM STDIN") as cp:
                    for row in rows:
                        cp.write_row(row)
            else:
                mark = "%s" if pg else "?"
                conn.exec_driver_sql(f"INSERT INTO {_STAGE} VALUES ({', '.join([mark] * 4)})", rows)
        return seq

    def _mark_changed(self, conn: sa.Connection) -> int:
        """Flag the labels that replace a different stored one; returns how many.

        The text differing is not enough: a label stored by an older writer may spell the
        same value otherwise (``1e-07`` and ``1e-7``), so the few candidates are compared
        as values, as add_labels compares them."""
        old = f"b.label{'::text' if self.dialect == 'postgresql' else ''}"
        candidates = conn.exec_driver_sql(
            f"SELECT l.request_id, {old}, l.label FROM {_LATEST} l JOIN {labels.name} b "
            f"ON b.request_id = l.request_id WHERE {old} <> l.label"
        ).all()
        changed = [(rid,) for rid, was, now in candidates if json.loads(was) != json.loads(now)]
        if changed:
            mark = "%s" if self.dialect == "postgresql" else "?"
            conn.exec_driver_sql(
                f"UPDATE {_LATEST} SET changed = TRUE WHERE request_id = {mark}", changed
            )
        return len(changed)
