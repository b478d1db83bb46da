"""Use cases: each stage of the loop as one call, given the adapters to use.

The CLI and the demo choose adapters from settings and call these; the stages below stay
unaware of each other. Nothing here picks an adapter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pandas as pd

from driftlab.alerts import (
    INCIDENT,
    Delivery,
    Sink,
    dispatch,
    incident_alerts,
    incident_notices,
    urgent,
    with_alerts,
)
from driftlab.config import Project
from driftlab.errors import ModelNotFoundError
from driftlab.monitor import MonitoringResult, monitor_chunks, monitor_window, pick_version
from driftlab.monitor.reference import prepare_reference
from driftlab.monitor.settings import MonitorSettings
from driftlab.monitor.source import check_source_columns, complete_window, read_source_file
from driftlab.registry.base import CHAMPION, Registry
from driftlab.store import Store, Window
from driftlab.train import load_dataset, train_model

__all__ = [
    "MonitorOutcome",
    "TrainOutcome",
    "monitor_job",
    "monitor_source_job",
    "record_run",
    "source_version",
    "train_job",
]

# Rows read from the store at a time by the monitor job.
CHUNK_ROWS = 50_000


@dataclass(frozen=True)
class TrainOutcome:
    version: str
    champion: bool
    metrics: dict[str, float]
    dataset_sha256: str
    n_rows: int


def train_job(project: Project, registry: Registry, *, make_champion: bool = False) -> TrainOutcome:
    """Train from the project's dataset, register a version; the first becomes champion."""
    bundle = train_model(project, load_dataset(project), prepare=prepare_reference)
    version = registry.register(bundle, tags={"driftlab.role": "trained"})
    first = registry.alias_version(project.model_name, CHAMPION) is None
    if first or make_champion:
        registry.set_alias(project.model_name, CHAMPION, version)
    return TrainOutcome(
        version,
        first or make_champion,
        bundle.info.metrics,
        bundle.info.dataset_sha256,
        bundle.info.n_rows,
    )


@dataclass(frozen=True)
class MonitorOutcome:
    result: MonitoringResult
    run_id: int
    deliveries: list[Delivery]


def monitor_job(
    project: Project,
    store: Store,
    registry: Registry,
    window: Window,
    sinks: list[Sink],
    *,
    version: str | None = None,
    lock_wait_s: float = 0.0,
) -> MonitorOutcome:
    """Read a window, compare with the reference, store the result, deliver alerts.

    One monitor run per model at a time (``store.lock``): another one waits ``lock_wait_s``
    seconds for it, then raises JobLockedError."""
    with store.lock(project.model_name, "monitor", wait_s=lock_wait_s):
        return _monitor(project, store, registry, window, sinks, version)


def _monitor(
    project: Project,
    store: Store,
    registry: Registry,
    window: Window,
    sinks: list[Sink],
    version: str | None,
) -> MonitorOutcome:
    window_version = version
    name = project.model_name
    settings = MonitorSettings.of(project)
    # Where the window lies is read first (the version filter is the store's, before last_n:
    # the last n rows *of that version*); its rows are then streamed, one chunk in memory at
    # a time, so memory does not grow with the window (monitor.max_rows_in_memory).
    span = store.window_span(
        name, start=window.start, end=window.end, last_n=window.last_n, model_version=version,
        event_time=window.event_time,
    )  # fmt: skip
    # Inputs do not depend on the model, so a window that spans a promotion is compared as a
    # whole with the reference of the version that served most of it.
    version = version or span.main_version() or registry.alias_version(name, CHAMPION)
    if version is None:
        raise ModelNotFoundError(f"model {name!r} has no versions; run 'driftlab train' first")
    bundle = registry.load(name, version)
    # Error answers logged in the same span as the window's predictions, its last one
    # included (count_errors' end is exclusive; times are stored to the microsecond).
    errors = (
        store.count_errors(name, start=span.start, end=span.end + timedelta(microseconds=1))
        if span.start is not None and span.end is not None else None
    )  # fmt: skip
    chunks = store.iter_window(
        name,
        start=window.start,
        end=window.end,
        chunk_rows=min(CHUNK_ROWS, settings.monitor.max_rows_in_memory),
        model_version=window_version,
        span=span,
        event_time=window.event_time,
    )
    result = with_alerts(monitor_chunks(chunks, bundle, settings, errors))
    return record_run(project, store, result, version, sinks, window.describe())


def record_run(
    project: Project,
    store: Store,
    result: MonitoringResult,
    version: str,
    sinks: list[Sink],
    window: str,
) -> MonitorOutcome:
    """Deliver a run's incidents (and all-clear notices), then store the run, its compliance
    audit and its messages. ``result`` has its alerts (:func:`with_alerts`) and incidents;
    ``window`` says which rows were checked, for the alert context."""
    name = project.model_name
    # One message per incident (its findings inside), and "all clear" for incidents people
    # were told of that this run no longer sees. Read before this run is saved; notices are
    # delivered and logged, but are not findings (they stay out of result.alerts and so out
    # of the exit code).
    notices = incident_notices(result, store)
    outgoing = incident_alerts(result) + notices
    deliveries = dispatch(
        outgoing,
        sinks,
        store,
        cooldown=timedelta(minutes=project.alerts.cooldown_minutes),
        context={"model": name, "model_version": version, "window": window},
        # Escalated or reopened incidents, and incidents' all-clears (each due once), go out
        # whatever the cooldown.
        urgent=urgent(result, store)
        | {n.fingerprint for n in notices if n.details.get("resolved_kind") == INCIDENT},
    )
    stored = result.to_dict()
    run_id = store.save_run(name, version, stored)
    # Every compliance check of the window goes to the audit log, alert or not.
    store.save_audit(run_id, stored)
    store.save_alerts(
        run_id,
        [
            {**a.__dict__, "sent": bool(d.sent_to)}
            for a, d in zip(outgoing, deliveries, strict=True)
        ],
    )
    return MonitorOutcome(result, run_id, deliveries)


def monitor_source_job(
    project: Project,
    store: Store,
    registry: Registry,
    source: Path,
    sinks: list[Sink],
    *,
    version: str | None = None,
    lock_wait_s: float = 0.0,
) -> MonitorOutcome:
    """:func:`monitor_job` on a window read from a Parquet table instead of the store, in
    this process (``driftlab monitor --source``; the Spark engine is :mod:`driftlab.spark`).

    With ``version`` and a ``model_version`` column, only that version's rows are checked.
    The table holds no error answers, so service health has no error counts."""
    frame = complete_window(read_source_file(source))
    name = project.model_name
    with store.lock(name, "monitor", wait_s=lock_wait_s):
        if version is not None and frame["model_version"].notna().any():
            frame = frame[frame["model_version"].astype(str) == version].reset_index(drop=True)
        version = version or source_version(frame, registry, name)
        bundle = registry.load(name, version)
        check_source_columns(frame.columns, bundle.info, str(source))
        result = with_alerts(monitor_window(frame, bundle, MonitorSettings.of(project)))
        return record_run(project, store, result, version, sinks, f"source {source}")


def source_version(frame: pd.DataFrame, registry: Registry, name: str) -> str:
    """The version that served most rows of a table (its ``model_version`` column), else the
    champion."""
    logged = frame["model_version"].notna().any()
    version = (pick_version(frame) if logged else None) or registry.alias_version(name, CHAMPION)
    if version is None:
        raise ModelNotFoundError(f"model {name!r} has no versions; run 'driftlab train' first")
    return version
