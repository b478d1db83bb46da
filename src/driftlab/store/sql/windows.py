"""Reads of monitoring windows: predictions joined to their labels, and error answers.

Every window is half-open, ``[start, end)``, for predictions and errors alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from driftlab.schema import event_time_text
from driftlab.store.codec import columns_frame, loads_column, utc
from driftlab.store.records import WINDOW_COLUMNS, ServedVersion, WindowSpan
from driftlab.store.sql.core import SqlCore, store_errors
from driftlab.store.sql.tables import labels, predictions, request_errors, utc_bound

__all__ = ["WindowMixin"]

# Where _window_query's JSON columns are: prediction, label, attributes, features.
_JSON_AT = (3, 6, 8, 9)


def _time_filter(event_time: str | None, dialect: str) -> tuple[Any, Any]:
    """The column a window's bounds apply to, and how a bound is written for it: the log
    time, or the event time inside the features (stored as fixed-width UTC text, so that
    text order is time order; PostgreSQL compares it bytewise, whatever the database's
    collation)."""
    if event_time is None:
        return predictions.c.ts, utc_bound
    column = predictions.c.features[event_time].as_string()
    if dialect == "postgresql":
        column = column.collate("C")
    return column, event_time_text


def _window_query(
    model_name: str,
    start: datetime | None,
    end: datetime | None,
    model_version: str | None,
    event_time: str | None = None,
    dialect: str = "sqlite",
) -> Any:
    """Predictions of a model (and version) in [start, end) with their labels: the columns
    window_frame expects (WINDOW_COLUMNS, then the features). The bounds apply to the log
    time, or to the ``event_time`` feature."""
    p, lab = predictions, labels
    q = (
        sa.select(
            p.c.request_id, _raw(p.c.ts), p.c.model_version, _text(p.c.prediction),
            p.c.probability, p.c.latency_ms, _text(lab.c.label), _raw(lab.c.ts, "label_ts"),
            _text(p.c.attributes), _text(p.c.features),
        )
        .select_from(p.outerjoin(lab, p.c.request_id == lab.c.request_id))
        .where(p.c.model_name == model_name)
    )  # fmt: skip
    if model_version is not None:
        # In the query, before any limit: the last n rows *of this version*.
        q = q.where(p.c.model_version == model_version)
    column, bound = _time_filter(event_time, dialect)
    if start is not None:
        q = q.where(column >= bound(start))
    if end is not None:
        q = q.where(column < bound(end))
    return q


# The window's columns come back as the driver reads them, with no per-value conversion by
# SQLAlchemy (a JSON parse per value, a regex per SQLite time): window_rows decodes and parses
# them a column at a time.
def _text(column: Any) -> Any:
    """A JSON column as its text (PostgreSQL's driver would parse it value by value)."""
    return sa.cast(column, sa.Text).label(column.name)


def _raw(column: Any, name: str | None = None) -> Any:
    """A time column as the driver gives it: text on SQLite, an aware datetime on PostgreSQL."""
    return sa.type_coerce(column, sa.String).label(name or column.name)


def _fetch(conn: sa.Connection, q: Any) -> list[tuple[Any, ...]]:
    # The DBAPI cursor's own tuples: no Row object per row.
    result = conn.execute(q)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


def window_rows(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    """The window frame from rows of _window_query: its JSON columns decoded in bulk."""
    n = len(WINDOW_COLUMNS) + 2
    columns: list[Any] = list(zip(*rows, strict=True)) if rows else [()] * n
    for i in _JSON_AT:
        columns[i] = loads_column(columns[i])
    return columns_frame(columns)


def _scoped(
    q: Any,
    model_name: str,
    start: datetime | None,
    end: datetime | None,
    model_version: str | None,
    event_time: str | None = None,
    dialect: str = "sqlite",
) -> Any:
    p = predictions
    q = q.where(p.c.model_name == model_name)
    if model_version is not None:
        q = q.where(p.c.model_version == model_version)
    column, bound = _time_filter(event_time, dialect)
    if start is not None:
        q = q.where(column >= bound(start))
    if end is not None:
        q = q.where(column < bound(end))
    return q


def _key(row: Any) -> tuple[datetime, str]:
    ts = utc(row.ts)
    assert ts is not None  # the column is NOT NULL
    return ts, str(row.request_id)


def _between(lo: tuple[datetime, str], hi: tuple[datetime, str]) -> list[Any]:
    """Rows from key ``lo`` to key ``hi``, both included."""
    p = predictions
    key = sa.tuple_(p.c.ts, p.c.request_id)
    return [
        key >= sa.tuple_(utc_bound(lo[0]), lo[1]),
        key <= sa.tuple_(utc_bound(hi[0]), hi[1]),
    ]


class WindowMixin(SqlCore):
    """WindowSource over SQL."""

    @store_errors
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
        p, lab = predictions, labels
        q = _window_query(model_name, start, end, model_version, event_time,
                          self.engine.dialect.name)  # fmt: skip
        if labeled_only:
            q = q.where(lab.c.label.is_not(None))
        q = q.order_by(p.c.ts.desc(), p.c.request_id.desc())
        if last_n is not None:
            q = q.limit(last_n)
        with self.engine.connect() as conn:
            rows = _fetch(conn, q)
        rows.reverse()  # oldest first
        return window_rows(rows)

    @store_errors
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
        p = predictions
        scope = (model_name, start, end, model_version, event_time, self.engine.dialect.name)
        keys = _scoped(sa.select(p.c.ts, p.c.request_id), *scope)
        newest_first = keys.order_by(p.c.ts.desc(), p.c.request_id.desc())
        with self.engine.connect() as conn:
            last = conn.execute(newest_first.limit(1)).first()
            if last is None:
                return WindowSpan(0, None, None, {})
            # The oldest of the last n: one index walk of n entries, no row read.
            first = (
                conn.execute(newest_first.offset(last_n - 1).limit(1)).first()
                if last_n is not None else None
            )  # fmt: skip
            if first is None:
                first = conn.execute(keys.order_by(p.c.ts, p.c.request_id).limit(1)).first()
            lo, hi = _key(first), _key(last)
            q = _scoped(sa.select(p.c.model_version, sa.func.count()), *scope).where(
                *_between(lo, hi)
            ).group_by(p.c.model_version)  # fmt: skip
            versions = {str(v): int(n) for v, n in conn.execute(q).all()}
        return WindowSpan(sum(versions.values()), lo, hi, versions)

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
        # Keyset pagination on (ts, request_id): each page is an index range scan, unlike
        # OFFSET, whose cost grows with every page already read; and no cursor or transaction
        # stays open between pages (a server-side cursor would hold one for the whole job).
        # Only one page of rows is in memory at a time, on SQLite and PostgreSQL alike.
        p = predictions
        base = _window_query(
            model_name, start, end, model_version, event_time, self.engine.dialect.name
        )
        if span is not None:
            if span.first is None or span.last is None:
                return
            base = base.where(*_between(span.first, span.last))
        base = base.order_by(p.c.ts, p.c.request_id)
        after: tuple[datetime, str] | None = None
        while True:
            rows = self._page(base, chunk_rows, after)
            if not rows:
                return
            frame = window_rows(rows)
            yield frame
            if len(rows) < chunk_rows:
                return
            after = (frame["ts"].iloc[-1].to_pydatetime(), str(frame["request_id"].iloc[-1]))

    @store_errors
    def _page(
        self, base: Any, chunk_rows: int, after: tuple[datetime, str] | None
    ) -> list[tuple[Any, ...]]:
        p = predictions
        q = base.limit(chunk_rows)
        if after is not None:
            q = q.where(
                sa.tuple_(p.c.ts, p.c.request_id) > sa.tuple_(utc_bound(after[0]), after[1])
            )
        with self.engine.connect() as conn:
            return _fetch(conn, q)

    @store_errors
    def count_errors(
        self, model_name: str, *, start: datetime | None = None, end: datetime | None = None
    ) -> dict[str, int]:
        e = request_errors
        family = sa.case((e.c.status >= 500, "5xx"), else_="4xx")
        q = sa.select(family, sa.func.count()).where(e.c.model_name == model_name)
        if start is not None:
            q = q.where(e.c.ts >= utc_bound(start))
        if end is not None:
            q = q.where(e.c.ts < utc_bound(end))  # half-open, as read_window
        with self.engine.connect() as conn:
            found = dict(conn.execute(q.group_by(family)).all())
        return {"4xx": int(found.get("4xx", 0)), "5xx": int(found.get("5xx", 0))}

    @store_errors
    def model_versions(self) -> list[ServedVersion]:
        """Every (model, version) that served predictions: how many, first and last time."""
        p = predictions
        q = (
            sa.select(p.c.model_name, p.c.model_version, sa.func.count().label("n_predictions"),
                      sa.func.min(p.c.ts).label("first_ts"), sa.func.max(p.c.ts).label("last_ts"))
            .group_by(p.c.model_name, p.c.model_version)
            .order_by(p.c.model_name, p.c.model_version)
        )  # fmt: skip
        with self.engine.connect() as conn:
            rows = conn.execute(q).all()
        return [
            ServedVersion(
                model_name=row.model_name,
                model_version=row.model_version,
                n_predictions=int(row.n_predictions),
                first_ts=utc(row.first_ts),  # type: ignore[arg-type]
                last_ts=utc(row.last_ts),  # type: ignore[arg-type]
            )
            for row in rows
        ]
