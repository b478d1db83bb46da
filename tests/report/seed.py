"""A store seeded the way production fills it: real predictions of the Ames model over four
days (two normal, two drifted), labels, error answers, one real ``monitor_job`` per day (so
runs, alerts and their delivery records are stored by the real code), and two retraining
decisions. Shared by the report and dashboard tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd

from driftlab.config import Project
from driftlab.jobs import monitor_job
from driftlab.model import ModelBundle
from driftlab.registry import CHAMPION, MemoryRegistry
from driftlab.scenarios.ames import TARGET, AmesScenario
from driftlab.store import ErrorRecord, LabelRecord, PredictionRecord, Window
from driftlab.store.sql import SqlStore

DAY0 = datetime(2026, 11, 1, tzinfo=UTC)


def _decision(project: Project, promoted: bool, champion: float, challenger: float) -> dict:
    return {
        "model_name": project.model_name, "champion_version": "1",
        "challenger_version": "2" if promoted else "1", "metric": "log_loss",
        "champion_score": champion, "challenger_score": challenger, "min_improvement": 0.0,
        "n_eval": 120, "promoted": promoted,
        "reason": ("challenger beats champion" if promoted else "challenger is not better"),
        "champion_metrics": {"log_loss": champion}, "challenger_metrics": {"log_loss": challenger},
    }  # fmt: skip


def _log_day(store: SqlStore, bundle: ModelBundle, frame: pd.DataFrame, day: int, tag: str):
    start = DAY0 + timedelta(days=day)
    rows = frame.drop(columns=[TARGET]).to_dict(orient="records")
    batch = bundle.predict(rows)
    step = timedelta(hours=20) / len(rows)
    records = [
        PredictionRecord(f"{tag}-{i}", start + i * step, bundle.info.name, "1", r,
                         batch.predictions[i], batch.probability[i], 5.0 + (i % 7) * 3.0 + day)
        for i, r in enumerate(rows)
    ]  # fmt: skip
    store.log_predictions(records)
    store.add_labels([
        LabelRecord(rec.request_id, str(label), rec.ts + timedelta(hours=1))
        for rec, label in zip(records, frame[TARGET], strict=True)
    ])  # fmt: skip
    store.log_errors([
        ErrorRecord(start + timedelta(hours=1 + i), bundle.info.name, "/v1/predict", status)
        for i, status in enumerate([422] * (day + 1) + [500] * day)
    ])  # fmt: skip
    return Window(start=start, end=start + timedelta(days=1))


def seed_store(
    store: SqlStore, project: Project, bundle: ModelBundle, ames: AmesScenario
) -> list[int]:
    """Four monitoring runs (ids returned, oldest first) and two retraining decisions."""
    registry = MemoryRegistry()
    registry.set_alias(bundle.info.name, CHAMPION, registry.register(bundle))
    phases = [ames.normal.iloc[:150], ames.normal.iloc[150:300],
              ames.drifted.iloc[:200], ames.drifted.iloc[200:400]]  # fmt: skip
    run_ids = []
    for day, frame in enumerate(phases):
        window = _log_day(store, bundle, frame, day, f"d{day}")
        run_ids.append(monitor_job(project, store, registry, window, []).run_id)
        if day == 2:
            store.save_decision(project.model_name, _decision(project, False, 0.30, 0.31))
    store.save_decision(project.model_name, _decision(project, True, 0.39, 0.36))
    return run_ids
