"""``driftlab monitor --engine spark``: a window that stays where it is stored.

Two passes over the table. The first counts each partition's rows (and the rows each model
version served), which gives every partition its position in the window: row keys, and so
the samples, depend only on a row's position, as in the in-process engine. The second builds
one :class:`~driftlab.monitor.partial.WindowPart` per partition (a batch of Arrow rows at a
time, through ``mapInPandas``), and the parts merge on the executors (``treeReduce``): the
driver receives one part — profiles, counts and a bounded row sample — never the table.
The monitoring core then decides on it (:func:`~driftlab.monitor.merged.monitor_part`).
"""

from __future__ import annotations

import pickle
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pandas as pd

from driftlab.alerts import Sink, with_alerts
from driftlab.config import Project
from driftlab.errors import DataError, ModelNotFoundError
from driftlab.jobs import MonitorOutcome, record_run
from driftlab.model import ModelBundle
from driftlab.monitor import MonitoringResult
from driftlab.monitor.merged import monitor_part
from driftlab.monitor.partial import PartContext, WindowPart, window_part
from driftlab.monitor.settings import MonitorSettings
from driftlab.monitor.source import OPTIONAL_COLUMNS, check_source_columns, complete_window
from driftlab.registry.base import CHAMPION, Registry
from driftlab.spark.session import executor_errors, read_table, spark_session
from driftlab.store import Store

__all__ = ["monitor_dataframe", "monitor_source_spark", "scan_partitions"]


def _partition_id() -> int:
    from pyspark import TaskContext

    ctx = TaskContext.get()
    assert ctx is not None  # only called inside a task
    return ctx.partitionId()


def scan_partitions(df: Any) -> tuple[dict[int, int], Counter[str]]:
    """The offset of each partition's first row in the window, and the rows per model
    version (the first pass: one small row per partition reaches the driver)."""
    has_version = "model_version" in df.columns
    cols = ["model_version"] if has_version else df.columns[:1]

    def count(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        n, versions = 0, Counter[str]()
        for b in batches:
            n += len(b)
            if has_version:
                versions.update(b["model_version"].dropna().astype(str).tolist())
        yield pd.DataFrame({"pid": [_partition_id()], "n": [n],
                            "versions": [pickle.dumps(versions)]})  # fmt: skip

    with executor_errors():
        rows = df.select(*cols).mapInPandas(count, "pid int, n long, versions binary").collect()
    sizes = {r.pid: r.n for r in rows}
    versions: Counter[str] = Counter()
    for r in rows:
        versions.update(pickle.loads(r.versions))
    offsets, total = {}, 0
    for pid in sorted(sizes):
        offsets[pid], total = total, total + sizes[pid]
    return offsets, versions


def monitor_dataframe(
    df: Any,
    bundle: ModelBundle,
    settings: MonitorSettings,
    *,
    sample_rows: int,
    offsets: dict[int, int] | None = None,
) -> MonitoringResult:
    """The monitoring result of the window ``df`` (a Spark DataFrame with the columns of
    :mod:`driftlab.monitor.source`), equal to the in-process one when ``sample_rows`` holds
    every row (see :mod:`driftlab.monitor.merged` for what is exact otherwise)."""
    check_source_columns(df.columns, bundle.info, "the Spark DataFrame")
    if offsets is None:
        offsets, _ = scan_partitions(df)
    wanted = [*OPTIONAL_COLUMNS, "prediction", *(f.name for f in bundle.info.monitored_features)]
    df = df.select(*[c for c in dict.fromkeys(wanted) if c in df.columns])
    ctx = PartContext.of(bundle, settings, sample_rows)
    shared = df.sparkSession.sparkContext.broadcast(ctx)
    starts = dict(offsets)

    def summarize(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        offset = starts.get(_partition_id(), 0)
        part: WindowPart | None = None
        for batch in batches:  # Arrow batches (spark.sql.execution.arrow.maxRecordsPerBatch)
            piece = window_part(complete_window(batch), offset, shared.value)
            offset += len(batch)
            part = piece if part is None else part.merge(piece)
        if part is not None:
            yield pd.DataFrame({"part": [pickle.dumps(part)]})

    parts = df.mapInPandas(summarize, "part binary").rdd.map(lambda r: pickle.loads(r.part))
    with executor_errors():
        merged = parts.treeReduce(WindowPart.merge) if not parts.isEmpty() else None
    if merged is None:
        merged = window_part(complete_window(pd.DataFrame(columns=df.columns)), 0, ctx)
    shared.destroy()
    return monitor_part(merged, bundle, settings)


def monitor_source_spark(
    project: Project,
    store: Store,
    registry: Registry,
    source: str,
    sinks: list[Sink],
    *,
    version: str | None = None,
    master: str | None = None,
    conf: dict[str, str] | None = None,
    lock_wait_s: float = 0.0,
) -> MonitorOutcome:
    """:func:`driftlab.jobs.monitor_source_job` with the window read and summarized by Spark:
    the result is stored and its alerts delivered like any monitoring run's."""
    spark = spark_session(project.spark, master=master, conf=conf)
    df = read_table(spark, source)
    if "prediction" not in df.columns:
        raise DataError(
            f"source {source!r} has no 'prediction' column; a monitoring window needs the "
            "logged predictions and the model's input features"
        )
    name = project.model_name
    with store.lock(name, "monitor", wait_s=lock_wait_s):
        if version is not None and "model_version" in df.columns:
            df = df.filter(df["model_version"] == version)
        offsets, versions = scan_partitions(df)
        if version is None and versions:
            version = versions.most_common(1)[0][0]
        version = version or registry.alias_version(name, CHAMPION)
        if version is None:
            raise ModelNotFoundError(f"model {name!r} has no versions; run 'driftlab train' first")
        bundle = registry.load(name, version)
        settings = MonitorSettings.of(project)
        rows = project.spark.sample_rows
        result = monitor_dataframe(df, bundle, settings, sample_rows=rows, offsets=offsets)
        return record_run(project, store, with_alerts(result), version, sinks, f"source {source}")
