"""Late labels from files (CSV or Parquet of request_id, label, optional ts).

A file is read in chunks and handed to the store as it is read (``Store.load_labels``: one
transaction, whatever its size), so memory does not grow with the file. A bad line stops
the load with an error naming it, and nothing of the file is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from driftlab.config import Project
from driftlab.errors import DataError, UnknownRequestError
from driftlab.schema import _as_str
from driftlab.store import LabelOutcome, LabelRecord, PredictionSink

__all__ = ["labels_from_file", "load_label_file"]

_PARQUET = (".parquet", ".pq")
CHUNK_ROWS = 50_000


def _frames(path: Path, rows: int) -> Iterator[pd.DataFrame]:
    if path.suffix in _PARQUET:
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(batch_size=rows):
            yield batch.to_pandas()
    else:
        yield from pd.read_csv(path, chunksize=rows)


def count_labels(path: Path) -> int | None:
    """Labels in ``path`` when cheap to know (Parquet metadata), else None."""
    if path.suffix in _PARQUET and path.is_file():
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    return None


def _records(frame: pd.DataFrame, path: Path, project: Project, first: int) -> list[LabelRecord]:
    """A chunk's labels; ``first`` is the file line of its first row (the CSV view)."""
    missing = [c for c in ("request_id", "label") if c not in frame.columns]
    if missing:
        raise DataError(
            f"label file {path} lacks column(s) {', '.join(missing)}; "
            f"it needs request_id and label (and optionally ts); it has {list(frame.columns)}"
        )
    empty = frame["label"].isna().to_numpy()
    if empty.any():
        raise DataError(
            f"label file {path} has an empty label on line {first + int(empty.argmax())}"
        )
    empty = frame["request_id"].isna().to_numpy()
    if empty.any():
        raise DataError(
            f"label file {path} has an empty request_id on line {first + int(empty.argmax())}"
        )
    if "ts" in frame.columns:
        try:
            times = pd.to_datetime(frame["ts"], utc=True)
        except (ValueError, TypeError) as e:
            raise DataError(
                f"label file {path}, lines {first}–{first + len(frame) - 1}: column ts is not "
                f"a date/time everywhere ({e}); use ISO 8601, e.g. 2026-01-31T12:00:00Z"
            ) from e
        if times.isna().any():
            line = first + int(times.isna().to_numpy().argmax())
            raise DataError(f"label file {path} has an empty ts on line {line}; fill or drop it")
        stamps: list[datetime] = times.dt.to_pydatetime().tolist()
    else:
        stamps = [datetime.now(UTC)] * len(frame)
    values = frame["label"].tolist()
    if project.data.task.is_classification:
        # The same text as the API and training: an integral float 1.0 is the class "1".
        labels: list[Any] = [_as_str(v) for v in values]
    else:
        numbers = pd.to_numeric(frame["label"], errors="coerce")
        if numbers.isna().any():
            i = int(numbers.isna().to_numpy().argmax())
            raise DataError(
                f"label file {path} line {first + i}: label {values[i]!r} is not a "
                "number; a regression model needs numeric labels"
            )
        labels = numbers.astype(float).tolist()
    ids = [str(v) for v in frame["request_id"].tolist()]
    return [LabelRecord(*row) for row in zip(ids, labels, stamps, strict=True)]


def _chunks(
    path: Path, project: Project, rows: int, progress: Callable[[int], None] | None
) -> Iterator[list[LabelRecord]]:
    if not path.is_file():
        raise DataError(f"label file {str(path)!r} does not exist")
    first = 2  # line of the first row: after the header, 1-based
    for frame in _frames(path, rows):
        yield _records(frame, path, project, first)
        first += len(frame)
        if progress is not None:
            progress(len(frame))


def labels_from_file(path: Path, project: Project) -> list[LabelRecord]:
    """Every label of ``path`` (for a file small enough to hold)."""
    return [r for chunk in _chunks(path, project, CHUNK_ROWS, None) for r in chunk]


def load_label_file(
    path: Path,
    project: Project,
    store: PredictionSink,
    *,
    chunk_rows: int = CHUNK_ROWS,
    progress: Callable[[int], None] | None = None,
) -> LabelOutcome:
    """Load the labels of ``path`` into ``store``, joined to predictions by request id.

    Raises DataError naming the line of a bad value, and UnknownRequestError naming the
    lines of request ids never logged; in both cases nothing of the file is written.
    """
    try:
        return store.load_labels(_chunks(path, project, chunk_rows, progress))
    except UnknownRequestError as e:
        if not e.unknown:
            raise
        lines = ", ".join(f"{rid} (line {i + 2})" for i, rid in e.unknown)
        more = " ..." if e.count > len(e.unknown) else ""
        raise UnknownRequestError(
            f"label file {path}: {e.count} request id(s) were never logged: {lines}{more}; "
            "nothing was loaded. Send labels only for request ids that 'driftlab predict' "
            "or the API logged",
            unknown=e.unknown,
            count=e.count,
        ) from e
