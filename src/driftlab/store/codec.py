"""How values are normalised on their way into any store, and how a window reads back.

Every adapter goes through these, so SQLite, PostgreSQL and the in-memory store hold the same
values: times as UTC instants, JSON with non-finite numbers as null, the same window frame.
Nothing here needs a database.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

import orjson
import pandas as pd

from driftlab.store.records import WINDOW_COLUMNS

__all__ = ["JSON_OPTIONS", "as_utc", "finite", "json_dumps", "utc", "window_frame"]

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


def window_frame(rows: list[Any]) -> pd.DataFrame:
    """Window rows as a table: WINDOW_COLUMNS, then one column per feature and per logged
    attribute (protected attributes sent as request metadata). Each row is WINDOW_COLUMNS'
    values, then the attributes (or None), then the features.

    >>> from datetime import UTC, datetime
    >>> t = datetime(2026, 1, 2, tzinfo=UTC)
    >>> row = ("r1", t, "1", "a", 0.5, 2.0, None, None, {"sex": "f"}, {"x": 1.0})
    >>> window_frame([row]).columns[-2:].tolist()
    ['sex', 'x']
    """
    base = pd.DataFrame([r[:-2] for r in rows], columns=WINDOW_COLUMNS)
    base["ts"] = [utc(t) for t in base["ts"]]
    base["label_ts"] = [utc(t) for t in base["label_ts"]]
    # Rows logged before attributes were split out carry them inside the features.
    merged = [{**(r[-2] or {}), **r[-1]} for r in rows]
    feats = pd.DataFrame.from_records(merged, index=base.index)
    return pd.concat([base, feats], axis=1)
