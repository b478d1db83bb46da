"""``driftlab predict --engine spark``: batch scoring on the executors.

The model travels once per executor as a broadcast: its ONNX export when that passes the
parity check of :mod:`driftlab.onnx_engine` on the driver (ONNX Runtime then answers, from
float32 inputs, within the check's tolerance of scikit-learn), and the pickled scikit-learn
pipeline always (it answers when ONNX is off or failed parity, and for a batch whose numbers do
not fit a float32). Each partition is scored through ``mapInPandas`` a batch of Arrow rows at a
time, and the predictions are written as Parquet part files in the output folder, with the
columns ``driftlab predict`` writes: ``request_id``, ``prediction``, and for classifiers
``probability`` and one ``proba_<class>`` per class. Nothing is collected on the driver.
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from driftlab.config import Project
from driftlab.errors import DataError, ModelNotFoundError
from driftlab.ids import new_request_ids
from driftlab.model import ModelBundle, ModelInfo, PredictionBatch
from driftlab.profile import Profile
from driftlab.registry.base import CHAMPION, Registry
from driftlab.spark.session import executor_errors, read_table, spark_session

__all__ = ["SparkPredictOutcome", "output_schema", "predict_spark"]

_ID_MAX = 64  # the store's request_id column width, as for `driftlab predict`


@dataclass(frozen=True)
class SparkPredictOutcome:
    model_version: str
    rows: int
    output: str
    engine: str  # "onnx" or "scikit-learn"
    onnx_reason: str | None  # why ONNX was not used, when it was not
    seconds: float


def output_schema(info: ModelInfo) -> str:
    """The output's Spark schema (DDL), in the column order of ``driftlab predict``."""
    if not info.task.is_classification:
        return "request_id string, prediction double"
    probas = ", ".join(f"`proba_{c}` double" for c in info.classes)
    return f"request_id string, prediction string, probability double, {probas}"


@dataclass(frozen=True)
class _Shipped:
    """What each executor receives: the model's description, its pipeline, its ONNX bytes."""

    info: ModelInfo
    pipeline: bytes
    onnx: bytes | None
    threads: int


def _scorer(shipped: _Shipped) -> Any:
    """A function of a feature frame to a PredictionBatch, built once per task."""
    bundle = ModelBundle(shipped.info, pickle.loads(shipped.pipeline), Profile.empty())
    compiled = None
    if shipped.onnx is not None:
        from driftlab.onnx_engine import CompiledModel

        compiled = CompiledModel(bundle, shipped.onnx, threads=shipped.threads)

    def score(frame: pd.DataFrame) -> PredictionBatch:
        if compiled is not None:
            model_frame = bundle.model_frame(frame)
            records = model_frame.astype(object).where(model_frame.notna(), None)
            batch = compiled.predict(records.to_dict(orient="records"))
            if batch is not None:
                return batch
        return bundle.predict(frame)

    return score


def _output(ids: list[str], batch: PredictionBatch, info: ModelInfo) -> pd.DataFrame:
    # The same columns, built the same way, as driftlab.batch.predict_file writes.
    out = pd.DataFrame({"request_id": ids, "prediction": batch.predictions})
    if info.task.is_classification:
        out["probability"] = batch.probability
        for c in info.classes:
            out[f"proba_{c}"] = [p[c] if p else None for p in batch.probabilities]
    return out


def predict_spark(
    project: Project,
    registry: Registry,
    source: str,
    output: str,
    *,
    version: str | None = None,
    id_column: str | None = None,
    onnx: bool = True,
    master: str | None = None,
    conf: dict[str, str] | None = None,
) -> SparkPredictOutcome:
    """Score the table ``source`` (Parquet path or table name) with ``version`` (default:
    the champion) into the Parquet folder ``output`` (replaced if it exists)."""
    if Path(output).resolve() == Path(source).resolve():
        raise DataError(f"output {output!r} would overwrite the input; choose another path")
    name = project.model_name
    version = version or registry.alias_version(name, CHAMPION)
    if version is None:
        raise ModelNotFoundError(f"model {name!r} has no champion; run 'driftlab train'")
    bundle = registry.load(name, version)
    info = bundle.info
    started = time.perf_counter()
    spark = spark_session(project.spark, master=master, conf=conf)
    df = read_table(spark, source)
    needed = [f.name for f in info.input_features]
    absent = [c for c in needed if c not in df.columns]
    if absent:
        raise DataError(
            f"source {source!r} lacks the model's input column(s) {absent}; it has "
            f"{df.columns[:20]}. Rename the columns, or score with the version trained on them"
        )
    if id_column is not None and id_column not in df.columns:
        raise DataError(
            f"id column {id_column!r} is not in {source!r}; it has {df.columns[:20]}. Name an "
            "existing column with --id-column, or leave it out for new ids"
        )
    reason = "--no-onnx"
    payload = None
    if onnx:
        from driftlab.onnx_engine import compile_bundle

        compiled = compile_bundle(bundle)
        reason = compiled.reason if compiled.model is None else None
        payload = compiled.model.onnx_bytes if compiled.model is not None else None
    shipped = spark.sparkContext.broadcast(
        _Shipped(info, pickle.dumps(bundle.pipeline), payload, project.model.threads)
    )
    rows = spark.sparkContext.accumulator(0)
    columns = [*dict.fromkeys([*needed, *([id_column] if id_column else [])])]

    def score(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        model = _scorer(shipped.value)
        for batch in batches:
            if id_column is None:
                ids = new_request_ids(len(batch))
            else:
                ids = [str(v) for v in batch[id_column].tolist()]
                _check_ids(batch[id_column], ids, id_column)
            try:
                scored = model(batch[needed])
            except DataError:
                raise
            except ValueError as e:  # SchemaError: a value the feature spec refuses
                raise DataError(f"{source}: {e}") from e
            rows.add(len(batch))
            yield _output(ids, scored, shipped.value.info)

    scored = df.select(*columns).mapInPandas(score, output_schema(info))
    with executor_errors():
        scored.write.mode("overwrite").parquet(output)
    shipped.destroy()
    return SparkPredictOutcome(
        version, rows.value, output, "scikit-learn" if payload is None else "onnx", reason,
        time.perf_counter() - started,
    )  # fmt: skip


def _check_ids(column: pd.Series, ids: list[str], name: str) -> None:
    """Every row needs an id that fits the store's column (uniqueness across the table is not
    checked here: it would need a shuffle; the store refuses a duplicate when one is logged)."""
    empty = column.isna()
    if empty.any():
        raise DataError(f"id column {name!r} is empty in a row; every row needs an id")
    long = [i for i in ids if len(i) > _ID_MAX]
    if long:
        raise DataError(
            f"id {long[0][:20]!r}… in {name!r} is {len(long[0])} characters; request ids hold "
            f"at most {_ID_MAX}"
        )
