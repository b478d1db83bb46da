"""From the feature spec to validated records and model-ready tables.

One record is a mapping of feature name to value. :func:`record_model` builds the pydantic
model the API validates requests with (so OpenAPI documents every feature), and
:func:`coerce_frame` gives the one canonical table layout used by training, serving and
monitoring: numeric columns as float64, categorical columns as Python strings (or None).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import (
    AfterValidator,
    AllowInfNan,
    BaseModel,
    ConfigDict,
    Strict,
    StrictStr,
    create_model,
)

from driftlab.config import Feature, FeatureKind, Project
from driftlab.errors import SchemaError

__all__ = [
    "coerce_frame",
    "event_time_text",
    "metadata_names",
    "record_model",
    "split_metadata",
    "validate_columns",
]


# Strict (no strings, no booleans), and finite: NaN/Infinity are not data.
FiniteFloat = Annotated[float, Strict(), AllowInfNan(False)]


def event_time_text(value: str | datetime) -> str:
    """An event time in the one text form every store holds: UTC, to the microsecond, fixed
    width (``YYYY-MM-DDTHH:MM:SS.ffffffZ``), so that text order is time order and a window
    can select rows by comparing text (SQLite, PostgreSQL and the in-memory store alike).
    A time without an offset is taken as UTC, as everywhere in driftlab; a date is midnight.

    >>> event_time_text("2025-03-01")
    '2025-03-01T00:00:00.000000Z'
    >>> event_time_text("2025-03-01T10:30:00+02:00")
    '2025-03-01T08:30:00.000000Z'
    >>> event_time_text("March 1st")
    Traceback (most recent call last):
    ...
    ValueError: 'March 1st' is not an ISO 8601 date or time; send e.g. 2025-03-01T10:30:00Z
    """
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(
                f"{value[:40]!r} is not an ISO 8601 date or time; send e.g. 2025-03-01T10:30:00Z"
            ) from None
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


EventTime = Annotated[StrictStr, AfterValidator(event_time_text)]


def _annotation(feature: Feature) -> Any:
    # Strict types: "12" for a numeric feature is a client bug worth reporting, not guessing.
    # (StrictFloat still takes JSON integers, and refuses booleans.)
    if feature.kind is FeatureKind.TIMESTAMP:
        return (EventTime | None) if feature.nullable else EventTime
    base: Any = FiniteFloat if feature.kind is FeatureKind.NUMERIC else StrictStr
    return (base | None) if feature.nullable else base


def record_model(project: Project) -> type[BaseModel]:
    """A pydantic model for one record: model inputs required, unknown keys refused.

    Features that are not model inputs (ids, timestamps, protected attributes) are logged
    when sent but may be left out.
    """
    fields: dict[str, Any] = {
        f.name: (_annotation(f), ...) if f.is_model_input else (_annotation(f) | None, None)
        for f in project.features
    }
    return create_model(  # type: ignore[call-overload, no-any-return]
        "Record",
        __config__=ConfigDict(extra="forbid"),
        **fields,
    )


def metadata_names(features: list[Feature]) -> frozenset[str]:
    """Protected attributes that are not model inputs: sent with a record as request metadata,
    logged apart from the features (the ``attributes`` column), never fed to the model."""
    return frozenset(f.name for f in features if f.is_protected and not f.is_model_input)


def split_metadata(
    record: dict[str, Any], meta: frozenset[str]
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """``record`` as (features, attributes) to log; attributes None when none was sent.

    >>> split_metadata({"x": 1.0, "sex": "f", "age": None}, frozenset({"sex", "age"}))
    ({'x': 1.0}, {'sex': 'f'})
    """
    if not meta:  # the common case, on the request path: no copy
        return record, None
    features = {k: v for k, v in record.items() if k not in meta}
    attributes = {k: record[k] for k in meta if record.get(k) is not None}
    return features, attributes or None


def validate_columns(frame: pd.DataFrame, project: Project, *, need_target: bool) -> None:
    """Raise :class:`SchemaError` listing every spec column missing from ``frame``."""
    wanted = [f.name for f in project.features]
    if need_target:
        wanted.append(project.data.target)
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"dataset is missing column(s) {', '.join(map(repr, missing))} named in the project "
            f"file; it has: {', '.join(map(str, frame.columns[:20]))}"
            + (" ..." if len(frame.columns) > 20 else "")
        )


def _as_str(value: Any) -> Any:
    """A category as text; missing stays None.

    Integral floats lose their ".0": a code read from a CSV column with gaps (3.0) must
    match the same code sent as JSON (3).

    >>> _as_str(3.0), _as_str(3), _as_str("a"), _as_str(float("nan"))
    ('3', '3', 'a', None)
    """
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _records_frame(rows: list[Mapping[str, Any]], features: list[Feature]) -> pd.DataFrame | None:
    """The canonical table of plain records (what the API validated), built column by column:
    a DataFrame from records plus ``pd.to_numeric`` per column cost more than the model on a
    one-row request. None when a value is anything but the plain types (a missing key, a
    string for a numeric feature, a boolean...): :func:`coerce_frame`'s general path then
    converts it or names the problem.

    >>> f = _records_frame([{"a": 1, "b": "x"}, {"a": None, "b": 2.0}],
    ...                    [Feature(name="a"), Feature(name="b", kind="categorical")])
    >>> f["a"].tolist(), f["b"].tolist(), f.dtypes.astype(str).tolist()
    ([1.0, nan], ['x', '2'], ['float64', 'object'])
    >>> _records_frame([{"a": "1"}], [Feature(name="a")]) is None
    True
    """
    out: dict[str, Any] = {}
    for f in features:
        name = f.name
        try:
            values = [r[name] for r in rows]
        except KeyError:
            return None
        if f.kind is FeatureKind.TIMESTAMP:
            return None
        if f.kind is FeatureKind.NUMERIC:
            if any(v is not None and type(v) is not float and type(v) is not int for v in values):
                return None
            out[name] = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
        else:
            # object dtype, as below: pandas would infer its string dtype from an array.
            out[name] = pd.Series([v if type(v) is str else _as_str(v) for v in values],
                                  dtype=object)  # fmt: skip
    return pd.DataFrame(out, index=pd.RangeIndex(len(rows)))


def coerce_frame(
    rows: pd.DataFrame | Iterable[Mapping[str, Any]],
    features: list[Feature],
    *,
    strict: bool = True,
) -> pd.DataFrame:
    """Return the features of ``rows`` in spec order with canonical dtypes: numeric columns
    as float64, categorical ones as text (or None), timestamps as UTC datetimes.

    Numeric or timestamp values that cannot be read raise :class:`SchemaError` naming the
    column and an offending value, rather than becoming NaN silently. With ``strict=False``
    (monitoring, which counts and reports them as a data-quality finding of their own) they
    become missing.
    """
    if not isinstance(rows, pd.DataFrame):
        rows = list(rows)
        fast = _records_frame(rows, features)
        if fast is not None:
            return fast
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame.from_records(rows)
    out: dict[str, Any] = {}
    for f in features:
        if f.name not in frame.columns:
            raise SchemaError(f"column {f.name!r} is missing; the feature spec requires it")
        col = frame[f.name]
        if f.kind is FeatureKind.TIMESTAMP:
            out[f.name] = _times(col, f.name, strict)
        elif f.kind is FeatureKind.NUMERIC:
            converted = pd.to_numeric(col, errors="coerce").astype("float64")
            bad = converted.isna() & col.notna()
            if strict and bad.any():
                example = col[bad].iloc[0]
                raise SchemaError(
                    f"column {f.name!r} is numeric in the spec but holds {example!r}; "
                    "fix the data or declare the feature kind = 'categorical'"
                )
            out[f.name] = converted.to_numpy()
        elif isinstance(col.dtype, pd.StringDtype):
            # Text already (a window read from a store): _as_str would change only the
            # missing values, to None; one vectorized step instead of a call per value.
            out[f.name] = col.astype(object).where(col.notna(), None)
        else:
            # object dtype keeps None as None (pandas would infer a string dtype with NaN).
            out[f.name] = pd.Series([_as_str(v) for v in col.tolist()], dtype=object,
                                    index=frame.index)  # fmt: skip
    return pd.DataFrame(out, index=frame.index)


def _times(col: pd.Series, name: str, strict: bool) -> pd.Series:
    """A timestamp column as UTC datetimes (ISO 8601 text of any offset; naive means UTC)."""
    if col.dtype.kind == "M":
        converted = pd.to_datetime(col, utc=True)
    else:
        texts = col.astype(object).where(col.notna(), None)
        converted = pd.to_datetime(texts, utc=True, errors="coerce", format="ISO8601")
    bad = converted.isna() & col.notna()
    if strict and bad.any():
        raise SchemaError(
            f"column {name!r} is a timestamp in the spec but holds {col[bad].iloc[0]!r}; "
            "write ISO 8601 times (2025-03-01 or 2025-03-01T10:30:00Z)"
        )
    return converted
