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
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from driftlab.config import FeatureKind, Project
from driftlab.errors import DataError, ModelNotFoundError
from driftlab.ids import new_request_ids
from driftlab.model import ModelBundle
from driftlab.registry.base import CHAMPION, Registry
from driftlab.schema import event_time_text, metadata_names
from driftlab.store import PredictionGroup, Store

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
    column = chunk[id_column]
    empty = column.isna().to_numpy()
    if empty.any():
        line = start + int(empty.argmax()) + 2  # header line, 1-based (CSV view of the row)
        raise DataError(f"row {line}: id column {id_column!r} is empty; every row needs an id")
    ids = [str(v) for v in column.tolist()]
    if max(map(len, ids), default=0) > _ID_MAX:
        i = next(i for i, rid in enumerate(ids) if len(rid) > _ID_MAX)
        raise DataError(
            f"row {start + i + 2}: id {ids[i][:20]!r}… in {id_column!r} is {len(ids[i])} "
            f"characters; request ids hold at most {_ID_MAX}"
        )
    fresh = set(ids)
    if len(fresh) < len(ids) or not fresh.isdisjoint(seen):
        known = set(seen)
        for i, rid in enumerate(ids):
            if rid in known:
                raise DataError(
                    f"row {start + i + 2}: id {rid!r} in {id_column!r} appears twice; ids must "
                    "be unique because late labels join by them"
                )
            known.add(rid)
    seen.update(fresh)
    return ids


@dataclass(frozen=True)
class _Scores:
    """One chunk's outputs as arrays: ``labels`` (class labels, or values for regression),
    ``probability`` of the predicted class and ``proba`` (rows × classes) for classifiers."""

    labels: np.ndarray
    probability: np.ndarray | None
    proba: np.ndarray | None
    rounded: np.ndarray | None  # proba to 6 digits: the output's and the log's


def _bad_value(chunk: pd.DataFrame, bundle: ModelBundle, start: int) -> str:
    """Where the first value that is not a number sits in a numeric input column, or ''."""
    for f in bundle.info.input_features:
        if f.kind is not FeatureKind.NUMERIC or f.name not in chunk.columns:
            continue
        column = chunk[f.name]
        bad = (pd.to_numeric(column, errors="coerce").isna() & column.notna()).to_numpy()
        if bad.any():
            i = int(bad.argmax())
            return f" (first at row {start + i + 2}: {f.name!r} = {column.iloc[i]!r})"
    return ""


def _score(
    bundle: ModelBundle, chunk: pd.DataFrame, threads: int, start: int, source: str
) -> _Scores:
    """The model's outputs for a chunk, as :meth:`ModelBundle.predict` gives them, computed
    on whole arrays (its per-row lists and dicts were a quarter of a batch job's time)."""
    try:
        with threadpool_limits(limits=threads):
            frame = bundle.model_frame(chunk)
            proba = bundle.predict_proba(frame)
            values = None if proba is not None else bundle.pipeline.predict(frame)
    except ValueError as e:  # SchemaError (missing/mistyped column) is a ValueError
        raise DataError(
            f"{source}, rows {start + 2}–{start + len(chunk) + 1}: {e}"
            + _bad_value(chunk, bundle, start)
        ) from e
    if proba is None:
        labels = np.asarray(values, dtype=float)
        finite = np.isfinite(labels)
        if not finite.all():
            raise DataError(
                f"row {start + int((~finite).argmax()) + 2}: the model produced a non-finite "
                "prediction; check that its inputs are within the range the model was trained on"
            )
        return _Scores(labels, None, None, None)
    best = proba.argmax(axis=1)  # a tie goes to the first class, as in ModelBundle.predict
    classes = np.asarray(bundle.info.classes, dtype=object)
    return _Scores(classes[best], proba[np.arange(len(best)), best], proba, np.round(proba, 6))


def _columns(frame: pd.DataFrame, names: list[str]) -> list[list[Any]]:
    """Each column as a list of plain values, missing ones as None (float NaN stays: the
    store writes it as null all the same, and converting it cost more than the rest)."""
    out = []
    for name in names:
        column = frame[name]
        if column.dtype.kind == "f":
            out.append(column.tolist())
        else:
            out.append(column.astype(object).where(column.notna(), None).tolist())
    return out


def _logged(
    chunk: pd.DataFrame,
    ids: list[str],
    scores: _Scores,
    *,
    names: list[str],
    meta: frozenset[str],
    classes: list[str],
    context: tuple[str, str, float],
) -> PredictionGroup:
    """A chunk's predictions as the store logs them (as an API request logs its records):
    inputs under ``features``, protected attributes that are not inputs under
    ``attributes``, probabilities rounded to 6 digits."""
    name, version, per_row_ms = context
    present = [n for n in names if n in chunk.columns]
    inputs = [n for n in present if n not in meta]
    features = [
        dict(zip(inputs, row, strict=True)) for row in zip(*_columns(chunk, inputs), strict=True)
    ]
    if len(features) < len(ids):  # no logged column at all
        features = [{} for _ in ids]
    protected = [n for n in present if n in meta]
    attributes = None
    if protected:
        attributes = [
            {k: v for k, v in zip(protected, row, strict=True) if v is not None} or None
            for row in zip(*_columns(chunk, protected), strict=True)
        ]
    probabilities = None
    if scores.rounded is not None:
        probabilities = [dict(zip(classes, row, strict=True)) for row in scores.rounded.tolist()]
    return PredictionGroup(
        ts=datetime.now(UTC),
        model_name=name,
        model_version=version,
        latency_ms=per_row_ms,
        request_ids=ids,
        features=features,
        predictions=scores.labels.tolist(),
        probability=(
            [None] * len(ids) if scores.probability is None else scores.probability.tolist()
        ),
        probabilities=probabilities,
        attributes=attributes,
    )


class _LogWriter:
    """Logs each chunk's predictions in a thread while the next chunk is read and scored:
    the database's part of a write (SQLite's pages, PostgreSQL's COPY) and the model's run
    without the GIL, so on two cores they overlap. One chunk in flight at a time, written
    in order, each in its own transaction; ``logged`` counts the committed ones."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="driftlab-batch-log")
        self._pending: Future[int] | None = None
        self.logged = 0

    def put(self, group: PredictionGroup) -> None:
        self.wait()
        self._pending = self._pool.submit(self._store.log_predictions, group)

    def wait(self) -> None:
        """Until the chunk in flight is written; raises its error."""
        pending, self._pending = self._pending, None
        if pending is not None:
            self.logged += pending.result()

    def close(self, ok: bool) -> None:
        """Wait for the chunk in flight; after a failure elsewhere (``ok`` False) its own
        error, if any, gives way to that one."""
        try:
            self.wait()
        except Exception:
            if ok:
                raise
        finally:
            self._pool.shutdown(wait=True)


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
    rows = 0
    log = _LogWriter(store) if store is not None else None
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
            scores = _score(bundle, chunk, project.model.threads, rows, source.name)
            per_row_ms = (time.perf_counter() - t0) * 1000.0 / max(len(chunk), 1)
            out = pd.DataFrame({"request_id": ids, "prediction": scores.labels})
            if scores.rounded is not None:
                out["probability"] = scores.probability
                for k, c in enumerate(bundle.info.classes):
                    out[f"proba_{c}"] = scores.rounded[:, k]
            writer.write(out)
            if log is not None:
                if clock is not None and clock in chunk.columns:
                    raw = chunk[clock].astype(object).where(chunk[clock].notna(), None)
                    chunk = chunk.assign(**{clock: _event_times(raw, clock, rows)})
                log.put(
                    _logged(chunk, ids, scores, names=logged_names, meta=meta,
                            classes=bundle.info.classes, context=(name, version, per_row_ms))
                )  # fmt: skip
            rows += len(chunk)
            if progress is not None:
                progress(len(chunk))
        if rows == 0:
            raise DataError(f"input file {source.name} has no rows")
        if log is not None:
            log.wait()
        ok = True
    finally:
        if log is not None:
            log.close(ok)
        writer.finish(ok)
    logged = log.logged if log is not None else 0
    return BatchOutcome(version, rows, logged, str(output), time.perf_counter() - started)
