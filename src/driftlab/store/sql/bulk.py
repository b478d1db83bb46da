"""Predictions as database rows, and PostgreSQL's COPY for the large batches of batch jobs.

Every insert of predictions (SQLite's executemany, PostgreSQL's unnest and COPY) writes the
rows :func:`prediction_rows` makes: the ten PREDICTION_COLUMNS with the JSON columns as
the text SQLAlchemy's JSON type writes (``null`` for None). A record that cannot be
written as JSON is named by its request id and field, so a batch job can point at the row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from itertools import repeat
from math import isfinite
from typing import Any

import orjson
import sqlalchemy as sa

from driftlab.store.codec import JSON_OPTIONS, as_utc, json_dumps
from driftlab.store.records import PredictionGroup, PredictionRecord
from driftlab.store.sql.tables import PREDICTION_COLUMNS, predictions

__all__ = ["copy_predictions", "prediction_rows"]

_NULL = "null"  # what SQLAlchemy's JSON type writes for None


def _json_column(values: Sequence[Any], ids: Sequence[str], field: str) -> list[str]:
    """JSON text of each value, as :func:`json_dumps` writes it; a value that has none
    raises ValueError naming its request id and field (for a dict of features, the
    feature)."""
    # orjson inline: json_dumps' call per value was a fifth of the encoding time.
    dumps, option = orjson.dumps, JSON_OPTIONS
    try:
        return [dumps(v, option=option).decode() for v in values]
    except orjson.JSONEncodeError:
        pass  # json_dumps value by value: its fallback, or the culprit's name
    out = []
    js = json_dumps
    for rid, value in zip(ids, values, strict=True):
        try:
            out.append(js(value))
            continue
        except (TypeError, ValueError) as e:
            error = e
        where, bad = field, value
        for key, item in value.items() if isinstance(value, dict) else ():
            try:
                js(item)
            except (TypeError, ValueError):
                where, bad = f"{field} {key!r}", item
                break
        raise ValueError(
            f"request {rid!r}: {where} value {str(bad)[:80]!r} ({type(bad).__name__}) "
            "cannot be stored as JSON; send numbers, text, booleans or null"
        ) from error
    return out


def _probability(values: Sequence[Any]) -> list[float | None]:
    # NaN and infinities as null, as every store holds them
    return [None if p is None or not isfinite(f := float(p)) else f for p in values]


def prediction_rows(
    batch: Sequence[PredictionRecord] | PredictionGroup, ts: Callable[[datetime], Any] = as_utc
) -> list[tuple[Any, ...]]:
    """The rows of PREDICTION_COLUMNS for ``batch``; ``ts`` converts a UTC time for the
    driver (SQLite takes the text its DATETIME type writes)."""
    if isinstance(batch, PredictionGroup):
        g, n = batch, len(batch)
        ids = g.request_ids
        probs = (
            repeat(_NULL, n)
            if g.probabilities is None
            else _json_column(g.probabilities, ids, "probabilities")
        )
        attrs = (
            repeat(_NULL, n)
            if g.attributes is None
            else _json_column([a or None for a in g.attributes], ids, "attributes")
        )
        return list(
            zip(ids, repeat(ts(as_utc(g.ts)), n), repeat(g.model_name, n),
                repeat(g.model_version, n), _json_column(g.features, ids, "features"),
                _json_column(g.predictions, ids, "prediction"), _probability(g.probability),
                probs, repeat(float(g.latency_ms), n), attrs, strict=False)
        )  # fmt: skip
    records = batch
    ids = [r.request_id for r in records]
    # The records of one request share their time: convert each distinct time once.
    times: dict[datetime, Any] = {}

    def when(value: datetime) -> Any:
        text = times.get(value)
        if text is None:
            text = times[value] = ts(as_utc(value))
        return text

    return list(
        zip(ids, [when(r.ts) for r in records], [r.model_name for r in records],
            [r.model_version for r in records],
            _json_column([r.features for r in records], ids, "features"),
            _json_column([r.prediction for r in records], ids, "prediction"),
            _probability([r.probability for r in records]),
            _json_column([r.probabilities for r in records], ids, "probabilities"),
            [float(r.latency_ms) for r in records],
            _json_column([r.attributes or None for r in records], ids, "attributes"),
            strict=True)
    )  # fmt: skip


_STAGE = "driftlab_stage_predictions"


def copy_predictions(conn: sa.Connection, rows: list[tuple[Any, ...]]) -> int:
    """Write ``rows`` with COPY on a psycopg 3 connection; returns the rows inserted.

    COPY cannot skip a stored request id, so it goes straight into the table inside a
    savepoint (new ids, the usual case: one pass); when an id is already stored, the rows
    go through a temporary table instead and ``INSERT ... ON CONFLICT DO NOTHING`` keeps
    the new ones only, as every other insert does."""
    import psycopg

    names = ", ".join(PREDICTION_COLUMNS)
    raw = conn.connection.driver_connection
    assert raw is not None
    try:
        savepoint = conn.begin_nested()
        try:
            with (
                raw.cursor() as cur,
                cur.copy(f"COPY {predictions.name} ({names}) FROM STDIN") as cp,
            ):
                for row in rows:
                    cp.write_row(row)
        except psycopg.errors.UniqueViolation:
            savepoint.rollback()
        else:
            savepoint.commit()
            return len(rows)
        with raw.cursor() as cur:
            cur.execute(
                f"CREATE TEMP TABLE {_STAGE} (LIKE {predictions.name} INCLUDING DEFAULTS) "
                "ON COMMIT DROP"
            )
            with cur.copy(f"COPY {_STAGE} ({names}) FROM STDIN") as cp:
                for row in rows:
                    cp.write_row(row)
            cur.execute(
                f"INSERT INTO {predictions.name} ({names}) SELECT {names} FROM {_STAGE} "
                "ON CONFLICT (request_id) DO NOTHING"
            )
            inserted = cur.rowcount
            cur.execute(f"DROP TABLE {_STAGE}")  # a second batch in this transaction
        return int(inserted)
    except psycopg.Error as e:
        # As SQLAlchemy's own errors, so the store tells a refused record (a value the
        # column cannot hold: DataError, IntegrityError) from an unreachable database.
        raise sa.exc.DBAPIError.instance(
            "COPY predictions", None, e, psycopg.Error, dialect=conn.dialect
        ) from e
