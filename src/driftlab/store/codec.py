"""How values are normalised on their way into any store, and how a window reads back.

Every adapter goes through these, so SQLite, PostgreSQL and the in-memory store hold the same
values: times as UTC instants, JSON with non-finite numbers as null, the same window frame.
Nothing here needs a database.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
import pandas as pd

from driftlab.store.records import WINDOW_COLUMNS

__all__ = [
    "JSON_OPTIONS",
    "as_utc",
    "columns_frame",
    "finite",
    "json_dumps",
    "loads_column",
    "utc",
    "window_frame",
]

JSON_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS  # json_dumps' orjson options


def utc(ts: Any) -> datetime | None:
    if ts is None or (isinstance(ts, float) and pd.isna(ts)):
        return None
    if isinstance(ts, str):
        ts = datetime.fromisoformat(ts)
    # SQLite gives naive datetimes back; everything driftlab writes is UTC.
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def as_utc(ts: datetime) -> datetime:
    # SQLite keeps the wall-clock text and drops the offset: convert first, so both databases
    # hold the same instant (a naive time is taken as UTC, as everywhere in driftlab).
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def finite(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [finite(v) for v in obj]
    return obj


def json_dumps(obj: Any) -> str:
    """JSON text for the store: non-finite numbers as null. orjson does that itself (and is
    the drainer's main cost otherwise); json covers what orjson refuses (huge integers).

    >>> json_dumps({"a": float("nan"), "b": [1, 2.5], 3: "x"})
    '{"a":null,"b":[1,2.5],"3":"x"}'
    """
    try:
        return orjson.dumps(obj, option=JSON_OPTIONS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(finite(obj), allow_nan=False)


def window_frame(rows: Sequence[Sequence[Any]]) -> pd.DataFrame:
    """Window rows as a table: WINDOW_COLUMNS, then one column per feature and per logged
    attribute (protected attributes sent as request metadata). Each row is WINDOW_COLUMNS'
    values, then the attributes (or None), then the features.

    >>> from datetime import UTC, datetime
    >>> t = datetime(2026, 1, 2, tzinfo=UTC)
    >>> row = ("r1", t, "1", "a", 0.5, 2.0, None, None, {"sex": "f"}, {"x": 1.0})
    >>> window_frame([row]).columns[-2:].tolist()
    ['sex', 'x']
    """
    columns = list(zip(*rows, strict=True)) if rows else [()] * (len(WINDOW_COLUMNS) + 2)
    return columns_frame(columns)


def loads_column(texts: Sequence[str | bytes | None]) -> list[Any]:
    """The JSON documents ``texts`` (None for SQL NULL) decoded, in one orjson call over the
    array they form: a window's four JSON columns were most of reading it, decoded one
    ``json.loads`` per value.

    >>> loads_column(['{"a": 1}', None, '"x"'])
    [{'a': 1}, None, 'x']
    """
    if not texts:
        return []
    parts = [t if isinstance(t, str) else "null" if t is None else t.decode() for t in texts]
    try:
        decoded: list[Any] = orjson.loads("[" + ",".join(parts) + "]")
    except orjson.JSONDecodeError:
        # Text driftlab did not write (NaN tokens of an older json.dumps): json accepts it.
        decoded = [None if t is None else json.loads(t) for t in texts]
    return decoded


def _instants(values: Sequence[Any]) -> Any:
    """UTC instants of the driver's values (text or naive UTC on SQLite, aware on PostgreSQL),
    parsed in one call; a column with no value at all stays a column of None, as it always
    read."""
    if all(v is None for v in values):
        return list(values)
    return pd.to_datetime(list(values), utc=True, format="ISO8601")


def columns_frame(columns: Sequence[Sequence[Any]]) -> pd.DataFrame:
    """The window frame from its columns: WINDOW_COLUMNS' values (JSON already decoded, times
    as the driver gives them), then the attributes (dicts or None), then the features (dicts).

    Built column by column: the rows' dicts become one list per feature, the times are parsed
    in one vectorized call, and no per-row Python object is made on the way.
    """
    *head, attributes, features = columns
    base = pd.DataFrame(
        {
            name: (_instants(values) if name in ("ts", "label_ts") else list(values))
            for name, values in zip(WINDOW_COLUMNS, head, strict=True)
        }
    )
    # Rows logged before attributes were split out carry them inside the features.
    if any(a for a in attributes):
        features = [{**(a or {}), **f} for a, f in zip(attributes, features, strict=True)]
    feats = pd.DataFrame.from_records(list(features), index=base.index)
    return pd.concat([base, feats], axis=1)
