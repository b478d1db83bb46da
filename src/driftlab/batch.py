"""Batch prediction jobs: score a CSV or Parquet file with a registered model version.

The file is read and written in chunks, so its size is bounded by disk, not memory. Each row
gets a request id — taken from a column the user names, or generated — and, unless logging is
turned off, its prediction is logged to the store exactly like an API prediction, so late
labels join by request id and ``driftlab monitor`` sees batch traffic too. Logging is
idempotent by request id: re-running a job with an id column adds no duplicates.
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from threadpoolctl import threadpool_limits

from driftlab.config import Project
from driftlab.errors import DataError, ModelNotFoundError
from driftlab.ids import new_request_ids
from driftlab.model import ModelBundle, PredictionBatch
from driftlab.registry.base import CHAMPION, Registry
from driftlab.schema import event_time_text, metadata_names, split_metadata
from driftlab.store import PredictionRecord, Store

__all__ = ["BatchOutcome", "predict_file"]

_PARQUET = (".parquet", ".pq")
_ID_MAX = 64  # the store's request_id column width


@dataclass(frozen=True)
class BatchOutcome:
    model_version: str
    rows: int
    logged: int  # rows newly written to the store (a re-run with the same ids logs 0)
    output: str
    seconds: float

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else math.inf


def _chunks(path: Path, rows: int) -> Iterator[pd.DataFrame]:
    if path.suffix in _PARQUET:
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(batch_size=rows):
            yield batch.to_pandas()
    else:
        yield from pd.read_csv(path, chunksize=rows)


def count_rows(path: Path) -> int | None:
    """Rows in ``path`` when cheap to know (Parquet metadata), else None."""
    if path.suffix in _PARQUET:
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    return None


class _Writer:
    """Appends scored chunks to a CSV or Parquet file in a new temporary file beside
    ``output``, made complete and durable there before it takes the output's name.

    The temporary file is created with O_EXCL under a random name (``tempfile.mkstemp``): a
    fixed name such as ``out.csv.partial`` could be a symlink planted by another user of the
    folder, and writing through it would overwrite the file it points at. Its data is
    fsynced before the rename, and the folder after it, so a crash leaves the old output or
    the whole new one, never a renamed file with missing blocks.
    """

    def __init__(self, output: Path, *, parquet: bool) -> None:
        self.output = output
        self.parquet = parquet
        fd, name = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".partial")
        self.path = Path(name)
        # mkstemp makes the file private (0600); the output gets the mode any new file would.
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        self._file: Any = (
            os.fdopen(fd, "wb") if parquet else os.fdopen(fd, "w", encoding="utf-8", newline="")
        )
        self._parquet: Any = None
        self._first = True

    def write(self, frame: pd.DataFrame) -> None:
        if self.parquet:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(frame, preserve_index=False)
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(self._file, table.schema)
            self._parquet.write_table(table.cast(self._parquet.schema))
        else:
            frame.to_csv(self._file, header=self._first, index=False)
        self._first = False

    def finish(self, ok: bool) -> None:
        """Close; when ``ok``, make the file durable and give it the output's name, else
        remove it."""
        try:
            if self._parquet is not None:
                self._parquet.close()
            self._file.flush()
            if ok:
                os.fsync(self._file.fileno())
        finally:
            self._file.close()
        if not ok:
            self.path.unlink(missing_ok=True)
            return
        os.replace(self.path, self.output)
        folder = os.open(self.output.parent, os.O_RDONLY)
        try:
            os.fsync(folder)  # the rename itself survives a crash
        finally:
            os.close(folder)


def _event_times(values: pd.Series, column: str, start: int) -> list[str | None]:
    out: list[str | None] = []
    for i, v in enumerate(values.tolist()):
        try:
            out.append(None if v is None else event_time_text(v if isinstance(v, str) else str(v)))
        except ValueError as e:
            raise DataError(f"row {start + i + 2}: column {column!r}: {e}") from None
    return out


def _request_ids(
    chunk: pd.DataFrame, id_column: str | None, seen: set[str], start: int
) -> list[str]:
    if id_column is None:
        return new_request_ids(len(chunk))
    ids = [str(v) for v in chunk[id_column].tolist()]
    for i, rid in enumerate(ids):
        line = start + i + 2  # header line, 1-based (CSV view of the row)
        if chunk[id_column].iloc[i] is None or (
            isinstance(chunk[id_column].iloc[i], float) and math.isnan(chunk[id_column].iloc[i])
        ):
            raise DataError(f"row {line}: id column {id_column!r} is empty; every row needs an id")
        if len(rid) > _ID_MAX:
            raise DataError(
                f"row {line}: id {rid[:20]!r}… in {id_column!r} is {len(rid)} characters; "
                f"request ids hold at most {_ID_MAX}"
            )
        if rid in seen:
            raise DataError(
                f"row {line}: id {rid!r} in {id_column!r} appears twice; ids must be unique "
                "because late labels join by them"
            )
        seen.add(rid)
    return ids


def _score(bundle: ModelBundle, chunk: pd.DataFrame, threads: int, start: int) -> PredictionBatch:
    with threadpool_limits(limits=threads):
        batch = bundle.predict(chunk)
    for i, p in enumerate(batch.predictions):
        if isinstance(p, float) and not math.isfinite(p):
            raise DataError(
                f"row {start + i + 2}: the model produced a non-finite prediction; check that "
                "its inputs are within the range the model was trained on"
            )
    return batch


def predict_file(
    project: Project,
    registry: Registry,
    source: Path,
    output: Path,
    *,
    store: Store | None = None,
    id_column: str | None = None,
    version: str | None = None,
    chunk_rows: int = 20_000,
    progress: Callable[[int], None] | None = None,
) -> BatchOutcome:
    """Score ``source`` with ``version`` (default: the champion) into ``output``.

    ``output`` gets one row per input row, in order: ``request_id``, ``prediction``,
    ``probability`` and, for classifiers, ``proba_<class>`` columns. With ``store`` every
    prediction is logged. Raises :class:`DataError` naming the row and column for bad input;
    nothing is logged for a chunk that fails to score.
    """
    if not source.is_file():
        raise DataError(f"input file {str(source)!r} does not exist")
    if output.resolve() == source.resolve():
        raise DataError(f"output {str(output)!r} would overwrite the input; choose another path")
    if output.suffix not in (*_PARQUET, ".csv"):
        raise DataError(f"output {str(output)!r} must end in .csv or .parquet")
    name = project.model_name
    if version is None:
        version = registry.alias_version(name, CHAMPION)
        if version is None:
            raise ModelNotFoundError(f"model {name!r} has no champion; run 'driftlab train'")
    bundle = registry.load(name, version)
    logged_names = [f.name for f in project.features]
    # Event times are logged in the stores' one text form, so windows can select by them.
    clock = project.event_time.name if project.event_time else None
    # Protected attributes that are not model inputs are logged apart, as the API logs them.
    meta = metadata_names(project.features)
    started = time.perf_counter()
    # Written beside the target and renamed at the end: a failed job leaves no half file.
    writer = _Writer(output, parquet=output.suffix in _PARQUET)
    seen: set[str] = set()
    rows = logged = 0
    ok = False
    try:
        for chunk in _chunks(source, chunk_rows):
            if rows == 0 and id_column is not None and id_column not in chunk.columns:
                raise DataError(
                    f"id column {id_column!r} is not in {source.name}; it has "
                    f"{list(chunk.columns)[:20]}"
                )
            t0 = time.perf_counter()
            ids = _request_ids(chunk, id_column, seen, rows)
            try:
                batch = _score(bundle, chunk, project.model.threads, rows)
            except DataError:
                raise
            except ValueError as e:  # SchemaError (missing/mistyped column) is a ValueError
                raise DataError(
                    f"{source.name}, rows {rows + 2}–{rows + len(chunk) + 1}: {e}"
                ) from e
            per_row_ms = (time.perf_counter() - t0) * 1000.0 / max(len(chunk), 1)
            out = pd.DataFrame({"request_id": ids, "prediction": batch.predictions})
            if project.data.task.is_classification:
                out["probability"] = batch.probability
                for c in bundle.info.classes:
                    out[f"proba_{c}"] = [p[c] if p else None for p in batch.probabilities]
            writer.write(out)
            if store is not None:
                now = datetime.now(UTC)
                present = [n for n in logged_names if n in chunk.columns]
                feats = chunk[present].astype(object).where(chunk[present].notna(), None)
                if clock is not None and clock in present:
                    feats[clock] = _event_times(feats[clock], clock, rows)
                records = []
                for i, row in enumerate(feats.to_dict(orient="records")):
                    features, attributes = split_metadata(row, meta)
                    records.append(
                        PredictionRecord(
                            request_id=ids[i],
                            ts=now,
                            model_name=name,
                            model_version=version,
                            features=features,
                            prediction=batch.predictions[i],
                            probability=batch.probability[i],
                            latency_ms=per_row_ms,
                            probabilities=batch.probabilities[i],
                            attributes=attributes,
                        )
                    )
                logged += store.log_predictions(records)
            rows += len(chunk)
            if progress is not None:
                progress(len(chunk))
        if rows == 0:
            raise DataError(f"input file {source.name} has no rows")
        ok = True
    finally:
        writer.finish(ok)
    return BatchOutcome(version, rows, logged, str(output), time.perf_counter() - started)
