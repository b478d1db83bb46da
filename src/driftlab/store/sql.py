"""The SQLAlchemy store: SQLite by default, PostgreSQL in production — the URL decides.

Callers never branch on the dialect; the only dialect-specific piece is the idempotent
insert ("insert, skipping request ids already stored"), chosen here once.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import orjson
import pandas as pd
import sqlalchemy as sa
from alembic.util import CommandError as AlembicError
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import StaticPool

from driftlab.errors import (
    RecordRejectedError,
    StoreError,
    StoreUnavailableError,
    UnknownRequestError,
    UnknownRunError,
)
from driftlab.store import migrate
from driftlab.store.base import (
    AUDIT_COLUMNS,
    WINDOW_COLUMNS,
    ErrorRecord,
    LabelOutcome,
    LabelRecord,
    PredictionRecord,
    StoredRun,
)

__all__ = ["SqlStore"]

T = TypeVar("T")

# The tables as the code expects them. Change them only together with a new revision in
# store/migrations/versions: a test checks that the migrated schema equals this metadata.
metadata = sa.MetaData()

predictions = sa.Table(
    "predictions",
    metadata,
    sa.Column("request_id", sa.String(64), primary_key=True),
    sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
    sa.Column("model_name", sa.String(200), nullable=False),
    sa.Column("model_version", sa.String(50), nullable=False),
    sa.Column("features", sa.JSON, nullable=False),
    sa.Column("prediction", sa.JSON, nullable=False),
    sa.Column("probability", sa.Float),
    sa.Column("probabilities", sa.JSON),
    sa.Column("latency_ms", sa.Float, nullable=False),
    # Protected attributes sent as request metadata, kept apart from the model inputs.
    sa.Column("attributes", sa.JSON, nullable=True),
    # Serves read_window (newest first) and iter_window's keyset pages without sorting.
    sa.Index("ix_predictions_model_ts_id", "model_name", "ts", "request_id"),
)

labels = sa.Table(
    "labels",
    metadata,
    sa.Column("request_id", sa.String(64), primary_key=True),
    sa.Column("label", sa.JSON, nullable=False),
    sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
)

# Requests answered with 4xx/5xx: the denominator of the service error rate.
request_errors = sa.Table(
    "request_errors",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
    sa.Column("model_name", sa.String(200), nullable=False),
    sa.Column("route", sa.String(200), nullable=False),
    sa.Column("status", sa.Integer, nullable=False),
    sa.Index("ix_request_errors_model_ts", "model_name", "ts"),
)

# Every correction of a label, for audit: the labels table only keeps the latest.
label_changes = sa.Table(
    "label_changes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("request_id", sa.String(64), nullable=False, index=True),
    sa.Column("old_label", sa.JSON, nullable=False),
    sa.Column("new_label", sa.JSON, nullable=False),
    sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
)

monitoring_runs = sa.Table(
    "monitoring_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
    sa.Column("model_name", sa.String(200), nullable=False, index=True),
    sa.Column("model_version", sa.String(50)),
    sa.Column("n_rows", sa.Integer, nullable=False),
    sa.Column("n_alerts", sa.Integer, nullable=False),
    sa.Column("result", sa.JSON, nullable=False),
)

alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, nullable=False, index=True),
    sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
    sa.Column("fingerprint", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("severity", sa.String(20), nullable=False),
    sa.Column("subject", sa.String(200)),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("sent", sa.Boolean, nullable=False),
    sa.Index("ix_alerts_fingerprint_ts", "fingerprint", "ts"),  # the cooldown's lookup
)

# Every compliance check of every window, for audit: what was measured, against which limit,
# on which model version and rows, and the verdict.
compliance_audit = sa.Table(
    "compliance_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
    sa.Column("run_id", sa.Integer, nullable=False, index=True),
    sa.Column("model_name", sa.String(200), nullable=False, index=True),
    sa.Column("model_version", sa.String(50)),
    sa.Column("window_start", sa.String(40)),
    sa.Column("window_end", sa.String(40)),
    sa.Column("check", sa.String(20), nullable=False),
    sa.Column("feature", sa.String(200), nullable=False),
    sa.Column("prohibited", sa.Boolean, nullable=False),
    sa.Column("value", sa.Float),
    sa.Column("ci_low", sa.Float),
    sa.Column("ci_high", sa.Float),
    sa.Column("reference", sa.Float),
    sa.Column("limit", sa.Float),
    sa.Column("n", sa.Integer, nullable=False),
    sa.Column("verdict", sa.String(20), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
)

decisions = sa.Table(
    "retrain_decisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
    sa.Column("model_name", sa.String(200), nullable=False, index=True),
    sa.Column("promoted", sa.Boolean, nullable=False),
    sa.Column("decision", sa.JSON, nullable=False),
)


def _utc(ts: Any) -> datetime | None:
    if ts is None or (isinstance(ts, float) and pd.isna(ts)):
        return None
    if isinstance(ts, str):
        ts = datetime.fromisoformat(ts)
    # SQLite gives naive datetimes back; everything driftlab writes is UTC.
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def _as_utc(ts: datetime) -> datetime:
    # SQLite keeps the wall-clock text and drops the offset: convert first, so both databases
    # hold the same instant (a naive time is taken as UTC, as everywhere in driftlab).
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def _finite(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj


_PREDICTION_COLUMNS = (
    "request_id", "ts", "model_name", "model_version", "features", "prediction",
    "probability", "probabilities", "latency_ms", "attributes",
)  # fmt: skip


def _json_dumps(obj: Any) -> str:
    """JSON text for the store: non-finite numbers as null. orjson does that itself (and is
    the drainer's main cost otherwise); json covers what orjson refuses (huge integers).

    >>> _json_dumps({"a": float("nan"), "b": [1, 2.5], 3: "x"})
    '{"a":null,"b":[1,2.5],"3":"x"}'
    """
    try:
        return orjson.dumps(
            obj, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
        ).decode()
    except orjson.JSONEncodeError:
        return json.dumps(_finite(obj), allow_nan=False)


def _utc_bound(ts: datetime) -> datetime:
    # SQLite compares wall-clock text: bring bounds to UTC, the zone everything is stored in.
    return ts.astimezone(UTC) if ts.tzinfo else ts


def _window_query(model_name: str, start: datetime | None, end: datetime | None) -> Any:
    """Predictions of a model in [start, end) with their labels: the columns _window_frame
    expects (WINDOW_COLUMNS, then the features)."""
    p, lab = predictions, labels
    q = (
        sa.select(
            p.c.request_id, p.c.ts, p.c.model_version, p.c.prediction, p.c.probability,
            p.c.latency_ms, lab.c.label, lab.c.ts.label("label_ts"), p.c.attributes,
            p.c.features,
        )
        .select_from(p.outerjoin(lab, p.c.request_id == lab.c.request_id))
        .where(p.c.model_name == model_name)
    )  # fmt: skip
    if start is not None:
        q = q.where(p.c.ts >= _utc_bound(start))
    if end is not None:
        q = q.where(p.c.ts < _utc_bound(end))
    return q


def _window_frame(rows: list[Any]) -> pd.DataFrame:
    """Rows of the window query as a table: WINDOW_COLUMNS, then one column per feature and
    per logged attribute (protected attributes sent as request metadata)."""
    base = pd.DataFrame([r[:-2] for r in rows], columns=WINDOW_COLUMNS)
    base["ts"] = [_utc(t) for t in base["ts"]]
    base["label_ts"] = [_utc(t) for t in base["label_ts"]]
    # Rows logged before attributes were split out carry them inside the features.
    merged = [{**(r[-2] or {}), **r[-1]} for r in rows]
    feats = pd.DataFrame.from_records(merged, index=base.index)
    return pd.concat([base, feats], axis=1)


def _store_errors(method: Callable[..., T]) -> Callable[..., T]:
    """Database failures leave the store as StoreError (the API answers 503, the CLI exit 3)."""

    @functools.wraps(method)
    def wrapper(self: SqlStore, *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        except SQLAlchemyError as e:
            first = str(e).splitlines()[0] if str(e) else e.__class__.__name__
            raise _failure(e, f"{method.__name__} failed on {self._safe_url}: {first}") from e

    return wrapper


def _failure(e: SQLAlchemyError, message: str) -> StoreError:
    """RecordRejectedError when the database refuses the values themselves (a constraint, a
    value out of range): writing them again fails again, so the prediction log sets them
    aside. Anything else (a lock, a read-only server, a lost connection, a missing table) is
    StoreUnavailableError: the records are kept and retried."""
    if isinstance(e, sa.exc.IntegrityError | sa.exc.DataError):
        return RecordRejectedError(message)
    return StoreUnavailableError(message)


def _rejects_unwritable_values(method: Callable[..., T]) -> Callable[..., T]:
    """A value JSON cannot hold (an object, a circular structure) is the record's fault, not
    the store's: RecordRejectedError, so the prediction log drops that record alone."""

    @functools.wraps(method)
    def wrapper(self: SqlStore, *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        except (TypeError, ValueError) as e:
            raise RecordRejectedError(
                f"{method.__name__} cannot write a value to {self._safe_url}: {e}; "
                "log only JSON values (numbers, strings, lists, objects)"
            ) from e

    return wrapper


class SqlStore:
    def __init__(self, url: str, *, create: bool = True) -> None:
        self.url = url
        kwargs: dict[str, Any] = {}
        if url.startswith("sqlite"):
            if url in ("sqlite://", "sqlite:///:memory:"):
                # One shared connection, so every thread sees the same in-memory database.
                kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
            else:
                path = Path(url.removeprefix("sqlite:///"))
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as e:
                    raise StoreError(
                        f"cannot create the folder for the SQLite store {str(path)!r}: {e}; "
                        "set store.url to a writable path"
                    ) from e
                kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            # A server restart leaves dead connections in the pool; test each one before use
            # rather than fail the first batch after an outage.
            kwargs["pool_pre_ping"] = True
        try:
            # PostgreSQL's json type refuses NaN/Infinity (SQLite would store them, and then
            # they are not NULL): store non-finite numbers as null on every backend.
            self.engine = sa.create_engine(url, json_serializer=_json_dumps, **kwargs)
        except SQLAlchemyError as e:
            raise StoreError(
                f"cannot open the store at {self._safe_url}: {e.__class__.__name__}: "
                f"{str(e).splitlines()[0]}; check store.url"
            ) from e
        opened = False
        try:
            if create:
                # The schema is built and changed by the migrations only (store/migrate.py).
                migrate.upgrade(self.engine)
            opened = True
        except (SQLAlchemyError, AlembicError) as e:
            raise StoreError(
                f"cannot open the store at {self._safe_url}: {e.__class__.__name__}: "
                f"{str(e).splitlines()[0]}; check store.url"
            ) from e
        finally:
            if not opened:
                self.engine.dispose()  # no pooled connection outlives a store that never opened
        self.dialect = self.engine.dialect.name

    @property
    def _safe_url(self) -> str:
        # Never print a password from the URL.
        return sa.make_url(self.url).render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    def _insert_ignore(self, table: sa.Table) -> Any:
        if self.dialect == "postgresql":
            return postgresql.insert(table).on_conflict_do_nothing()
        if self.dialect == "sqlite":
            return sqlite.insert(table).on_conflict_do_nothing()
        return table.insert().prefix_with("IGNORE")

    # -- predictions and labels -------------------------------------------------------------
    @_rejects_unwritable_values
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
                "ts": _as_utc(r.ts),
                "model_name": r.model_name,
                "model_version": r.model_version,
                "features": r.features,
                "prediction": r.prediction,
                "probability": _finite(r.probability),
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
        try:
            with self.engine.begin() as conn:
                if returning:
                    return len(conn.execute(stmt.returning(predictions.c.request_id), rows).all())
                result = conn.execute(stmt, rows)
        except SQLAlchemyError as e:
            raise _failure(e, f"cannot write predictions to {self._safe_url}: {e}") from e
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
                text = times[value] = ts_bind(_as_utc(value))
            return text

        rows = [
            (
                r.request_id, ts(r.ts), r.model_name, r.model_version, js(r.features),
                js(r.prediction), _finite(r.probability),
                null if r.probabilities is None else js(r.probabilities), r.latency_ms,
                null if not r.attributes else js(r.attributes),
            )
            for r in records
        ]  # fmt: skip
        names = ", ".join(_PREDICTION_COLUMNS)
        sql = (
            f"INSERT INTO {predictions.name} ({names}) VALUES "
            f"({', '.join('?' * len(_PREDICTION_COLUMNS))}) ON CONFLICT (request_id) DO NOTHING"
        )
        return self._insert(sql, rows)

    def _log_predictions_postgresql(self, records: list[PredictionRecord]) -> int:
        """The drainer's insert on PostgreSQL: one statement over ten arrays (unnest), not a
        multi-row VALUES list. SQLAlchemy's executemany sent 1,000 rows as one statement of
        10,000 placeholders, which psycopg re-parsed with regular expressions on every batch:
        114 ms of CPU per 1,000 rows, so the database fell behind a 40,000 rows/s batch
        load. JSON columns get the text SQLAlchemy's JSON type writes (null for None).
        The row count of one INSERT ... ON CONFLICT DO NOTHING is the rows it inserted."""
        js, none = _json_dumps, "null"
        columns = (
            [r.request_id for r in records],
            [_as_utc(r.ts) for r in records],
            [r.model_name for r in records],
            [r.model_version for r in records],
            [js(r.features) for r in records],
            [js(r.prediction) for r in records],
            # NaN and infinities as null, as on SQLite
            [None if r.probability is None else _finite(float(r.probability)) for r in records],
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
            f"INSERT INTO {predictions.name} ({', '.join(_PREDICTION_COLUMNS)}) "
            f"SELECT * FROM unnest({arrays}) ON CONFLICT (request_id) DO NOTHING"
        )
        return self._insert(sql, columns)

    def _insert(self, sql: str, params: Any) -> int:
        """Run one of the fast inserts above; its row count is the rows it inserted."""
        try:
            with self.engine.begin() as conn:
                return int(conn.exec_driver_sql(sql, params).rowcount)
        except SQLAlchemyError as e:
            raise _failure(e, f"cannot write predictions to {self._safe_url}: {e}") from e

    def _bind(self, column: str) -> Callable[[Any], Any]:
        dialect = self.engine.dialect  # the dialect's type: SQLite's DATETIME writes the text
        process = predictions.c[column].type.dialect_impl(dialect).bind_processor(dialect)
        return process if process is not None else (lambda v: v)

    @_store_errors
    def known_requests(self, request_ids: list[str]) -> set[str]:
        found: set[str] = set()
        with self.engine.connect() as conn:
            for i in range(0, len(request_ids), 500):
                chunk = request_ids[i : i + 500]
                q = sa.select(predictions.c.request_id).where(predictions.c.request_id.in_(chunk))
                found.update(conn.execute(q).scalars())
        return found

    @_store_errors
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

    @_store_errors
    def read_window(
        self,
        model_name: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        last_n: int | None = None,
        labeled_only: bool = False,
    ) -> pd.DataFrame:
        p, lab = predictions, labels
        q = _window_query(model_name, start, end)
        if labeled_only:
            q = q.where(lab.c.label.is_not(None))
        q = q.order_by(p.c.ts.desc(), p.c.request_id.desc())
        if last_n is not None:
            q = q.limit(last_n)
        with self.engine.connect() as conn:
            rows = conn.execute(q).all()
        rows.reverse()  # oldest first
        return _window_frame(rows)

    def iter_window(
        self,
        model_name: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        chunk_rows: int = 50_000,
    ) -> Iterator[pd.DataFrame]:
        # Keyset pagination on (ts, request_id): each page is an index range scan, unlike
        # OFFSET, whose cost grows with every page already read.
        p = predictions
        base = _window_query(model_name, start, end).order_by(p.c.ts, p.c.request_id)
        after: tuple[datetime, str] | None = None
        while True:
            q = base.limit(chunk_rows)
            if after is not None:
                q = q.where(sa.tuple_(p.c.ts, p.c.request_id) > sa.tuple_(*after))
            with self.engine.connect() as conn:
                rows = conn.execute(q).all()
            if not rows:
                return
            yield _window_frame(rows)
            if len(rows) < chunk_rows:
                return
            after = (rows[-1].ts, rows[-1].request_id)

    @_store_errors
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

    @_store_errors
    def count_errors(
        self, model_name: str, *, start: datetime | None = None, end: datetime | None = None
    ) -> dict[str, int]:
        e = request_errors
        family = sa.case((e.c.status >= 500, "5xx"), else_="4xx")
        q = sa.select(family, sa.func.count()).where(e.c.model_name == model_name)
        if start is not None:
            q = q.where(e.c.ts >= _utc_bound(start))
        if end is not None:
            q = q.where(e.c.ts <= _utc_bound(end))
        with self.engine.connect() as conn:
            found = dict(conn.execute(q.group_by(family)).all())
        return {"4xx": int(found.get("4xx", 0)), "5xx": int(found.get("5xx", 0))}

    # -- monitoring results, alerts, decisions ---------------------------------------------
    @_store_errors
    def save_run(self, model_name: str, model_version: str | None, result: dict[str, Any]) -> int:
        with self.engine.begin() as conn:
            res = conn.execute(
                monitoring_runs.insert().values(
                    ts=datetime.now(UTC),
                    model_name=model_name,
                    model_version=model_version,
                    n_rows=int(result.get("n_rows", 0)),
                    n_alerts=len(result.get("alerts", [])),
                    result=result,
                )
            )
        return int(res.inserted_primary_key[0])

    def _run(self, row: Any) -> StoredRun:
        return StoredRun(
            id=row.id,
            ts=_utc(row.ts),
            model_name=row.model_name,  # type: ignore[arg-type]
            model_version=row.model_version,
            n_rows=row.n_rows,
            n_alerts=row.n_alerts,
            result=row.result,
        )

    @_store_errors
    def runs(
        self, model_name: str | None = None, limit: int = 50, *, until_id: int | None = None
    ) -> list[StoredRun]:
        q = sa.select(monitoring_runs).order_by(monitoring_runs.c.id.desc()).limit(limit)
        if model_name:
            q = q.where(monitoring_runs.c.model_name == model_name)
        if until_id is not None:
            q = q.where(monitoring_runs.c.id <= until_id)
        with self.engine.connect() as conn:
            return [self._run(r) for r in conn.execute(q)]

    @_store_errors
    def get_run(self, run_id: int) -> StoredRun:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(monitoring_runs).where(monitoring_runs.c.id == run_id)
            ).first()
        if row is None:
            raise UnknownRunError(f"no monitoring run with id {run_id}; 'driftlab runs' lists them")
        return self._run(row)

    @_store_errors
    def save_alerts(self, run_id: int, items: list[dict[str, Any]]) -> None:
        if not items:
            return
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            conn.execute(
                alerts.insert(),
                [
                    {
                        "run_id": run_id,
                        "ts": now,
                        "fingerprint": a["fingerprint"],
                        "kind": a["kind"],
                        "severity": a["severity"],
                        "subject": a.get("subject"),
                        "message": a["message"],
                        "sent": bool(a.get("sent", False)),
                    }
                    for a in items
                ],
            )

    @_store_errors
    def last_alert_sent(self, fingerprint: str) -> datetime | None:
        q = sa.select(sa.func.max(alerts.c.ts)).where(
            alerts.c.fingerprint == fingerprint, alerts.c.sent.is_(True)
        )
        with self.engine.connect() as conn:
            return _utc(conn.execute(q).scalar())

    @_store_errors
    def save_decision(self, model_name: str, decision: dict[str, Any]) -> int:
        with self.engine.begin() as conn:
            res = conn.execute(
                decisions.insert().values(
                    ts=datetime.now(UTC),
                    model_name=model_name,
                    promoted=bool(decision.get("promoted")),
                    decision=decision,
                )
            )
        return int(res.inserted_primary_key[0])

    @_store_errors
    def decisions(self, model_name: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        q = sa.select(decisions).order_by(decisions.c.id.desc()).limit(limit)
        if model_name:
            q = q.where(decisions.c.model_name == model_name)
        with self.engine.connect() as conn:
            return [
                {"id": r.id, "ts": _utc(r.ts).isoformat(), **r.decision}  # type: ignore[union-attr]
                for r in conn.execute(q)
            ]

    # -- compliance audit --------------------------------------------------------------------
    @_store_errors
    def save_audit(self, run_id: int, result: dict[str, Any]) -> int:
        compliance = result.get("compliance")
        if not compliance or not compliance.get("checks"):
            return 0
        now = datetime.now(UTC)
        rows = [
            {
                "ts": now, "run_id": run_id, "model_name": result["model_name"],
                "model_version": result.get("model_version"),
                "window_start": result.get("window_start"),
                "window_end": result.get("window_end"), "check": c["check"],
                "feature": c["feature"], "prohibited": bool(c["prohibited"]),
                "value": _finite(c.get("value")),
                "ci_low": _finite((c.get("interval") or [None, None])[0]),
                "ci_high": _finite((c.get("interval") or [None, None])[1]),
                "reference": _finite(c.get("reference")), "limit": _finite(c.get("limit")),
                "n": int(c.get("n", 0)), "verdict": c["verdict"], "message": c["message"],
            }
            for c in compliance["checks"]
        ]  # fmt: skip
        with self.engine.begin() as conn:
            conn.execute(compliance_audit.insert(), rows)
        return len(rows)

    @_store_errors
    def audit(
        self, model_name: str | None = None, *, limit: int = 100, feature: str | None = None
    ) -> list[dict[str, Any]]:
        t = compliance_audit
        q = sa.select(*(t.c[c] for c in AUDIT_COLUMNS)).order_by(t.c.id.desc()).limit(limit)
        if model_name:
            q = q.where(t.c.model_name == model_name)
        if feature:
            q = q.where(t.c.feature == feature)
        with self.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(q)]
        for r in rows:
            r["ts"] = _utc(r["ts"]).isoformat()  # type: ignore[union-attr]
        return rows

    # -- read-only views for the report and the dashboard ---------------------------------
    @_store_errors
    def alert_log(self, model_name: str, limit: int = 200) -> list[dict[str, Any]]:
        """The model's stored alerts and resolved notices, newest first, with whether any
        channel accepted them (``sent``; False also when the cooldown held them back)."""
        a, r = alerts, monitoring_runs
        q = (
            sa.select(a.c.id, a.c.run_id, a.c.ts, a.c.fingerprint, a.c.kind, a.c.severity,
                      a.c.subject, a.c.message, a.c.sent)
            .select_from(a.join(r, a.c.run_id == r.c.id))
            .where(r.c.model_name == model_name)
            .order_by(a.c.id.desc())
            .limit(limit)
        )  # fmt: skip
        with self.engine.connect() as conn:
            rows = conn.execute(q).all()
        return [
            {**row._asdict(), "ts": _utc(row.ts).isoformat(), "sent": bool(row.sent)}  # type: ignore[union-attr]
            for row in rows
        ]

    @_store_errors
    def model_versions(self) -> list[dict[str, Any]]:
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
            {
                "model_name": row.model_name,
                "model_version": row.model_version,
                "n_predictions": int(row.n_predictions),
                "first_ts": _utc(row.first_ts).isoformat(),  # type: ignore[union-attr]
                "last_ts": _utc(row.last_ts).isoformat(),  # type: ignore[union-attr]
            }
            for row in rows
        ]
