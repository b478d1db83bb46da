"""A project with a timestamp column: it trains, serves over real HTTP, logs the event time,
and a backfill of last quarter's data is monitored by its own dates, on SQLite, PostgreSQL
(when configured) and the in-memory store."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest

from driftlab.config import FeatureKind, load_project
from driftlab.jobs import monitor_job, train_job
from driftlab.registry import MemoryRegistry
from driftlab.scenarios import prepare
from driftlab.scenarios.ames import TARGET
from driftlab.serve import create_app
from driftlab.store import MemoryStore, Window
from driftlab.store.sql import SqlStore
from tests.live import LiveServer
from tests.waiting import wait_for

Q4_START, Q4_END = datetime(2025, 10, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)


def _dates(n: int, start: str, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    base = pd.Timestamp(start)
    days = rng.integers(0, 90, n)
    return [(base + pd.Timedelta(days=int(d), hours=int(d % 24))).strftime("%Y-%m-%d %H:%M")
            for d in days]  # fmt: skip


@pytest.fixture(scope="module")
def timed(tmp_path_factory: pytest.TempPathFactory) -> Any:
    workdir = tmp_path_factory.mktemp("timed")
    scenario = prepare(workdir)
    train = pd.read_csv(workdir / "train.csv")
    train["sold_at"] = _dates(len(train), "2024-01-01", 1)
    train.to_csv(workdir / "train.csv", index=False)
    with scenario.project_file.open("a", encoding="utf-8") as f:
        f.write('\n[[features]]\nname = "sold_at"\nrole = "timestamp"\n')
    return scenario, load_project(scenario.project_file)


def test_a_timestamp_feature_is_its_own_kind_and_no_model_input(timed: Any) -> None:
    _, project = timed
    sold_at = project.feature("sold_at")
    assert sold_at.kind is FeatureKind.TIMESTAMP
    assert project.event_time == sold_at
    assert sold_at not in project.input_features and sold_at not in project.monitored_features


@pytest.mark.parametrize("backend", ["memory", "sqlite", "postgres"])
def test_a_backfill_is_monitored_by_event_time(timed: Any, backend: str, tmp_path: Path) -> None:
    import os

    from tests.conftest import POSTGRES_ENV, postgres_schema

    scenario, project = timed
    if backend == "postgres" and not os.environ.get(POSTGRES_ENV):
        pytest.skip(f"set {POSTGRES_ENV} to run on PostgreSQL")
    registry = MemoryRegistry()
    outcome = train_job(project, registry)  # the timestamp column does not stop training
    assert outcome.champion
    records = scenario.normal.drop(columns=[TARGET]).reset_index(drop=True)
    n = len(records)
    # The backfill: last quarter's rows (Q4 2025) and this quarter's, all logged today.
    records["sold_at"] = _dates(n // 2, "2025-10-01", 2) + _dates(n - n // 2, "2026-01-01", 3)
    in_q4 = pd.to_datetime(records["sold_at"], utc=True).lt(pd.Timestamp(Q4_END)).sum()
    payload = [{k: (None if pd.isna(v) else v) for k, v in r.items()}
               for r in records.to_dict(orient="records")]  # fmt: skip

    def run(store: Any) -> None:
        with (
            LiveServer(create_app(project, store, registry)) as live,
            httpx.Client(base_url=live.url, timeout=30) as client,
        ):
            resp = client.post("/v1/predict", json=payload)
            assert resp.status_code == 200, resp.text
            wait_for(lambda: len(store.read_window(project.model_name)), lambda k: k == n,
                     what="every prediction logged")  # fmt: skip
        logged = store.read_window(project.model_name)
        assert logged["sold_at"].str.endswith("Z").all()  # one text form in every store
        by_log_time = Window(Q4_START, Q4_END)
        assert monitor_job(project, store, registry, by_log_time, []).result.n_rows == 0
        window = Window(Q4_START, Q4_END, event_time="sold_at")
        result = monitor_job(project, store, registry, window, []).result
        assert result.n_rows == in_q4
        assert result.event_start is not None and result.event_start >= "2025-10-01"
        assert result.event_end is not None and result.event_end < "2026-01-01"
        assert result.status != "insufficient_data"

    if backend == "memory":
        run(MemoryStore())
    elif backend == "sqlite":
        store = SqlStore(f"sqlite:///{tmp_path / 'store.db'}")
        run(store)
        store.close()
    else:
        with postgres_schema(os.environ[POSTGRES_ENV]) as url:
            store = SqlStore(url)
            run(store)
            store.close()


def test_a_timestamp_role_with_another_kind_is_refused() -> None:
    from pydantic import ValidationError

    from driftlab.config import Feature

    with pytest.raises(ValidationError, match="role 'timestamp' and kind 'numeric'"):
        Feature(name="t", role="timestamp", kind="numeric")
    with pytest.raises(ValidationError, match="never a model input"):
        Feature(name="t", role="input", kind="timestamp")
    assert Feature(name="t", kind="timestamp").role.value == "timestamp"


def test_a_batch_backfill_logs_event_times_and_is_monitored_by_them(
    timed: Any, tmp_path: Path
) -> None:
    from driftlab.batch import predict_file

    scenario, project = timed
    registry = MemoryRegistry()
    train_job(project, registry)
    records = scenario.normal.drop(columns=[TARGET]).reset_index(drop=True)
    n = len(records)
    records["sold_at"] = _dates(n // 2, "2025-10-01", 4) + _dates(n - n // 2, "2026-01-01", 5)
    source = tmp_path / "backfill.csv"
    records.to_csv(source, index=False)
    store = MemoryStore()
    predict_file(project, registry, source, tmp_path / "scored.csv", store=store)
    logged = store.read_window(project.model_name)
    assert len(logged) == n and logged["sold_at"].str.endswith("Z").all()
    in_q4 = int(pd.to_datetime(records["sold_at"], utc=True).lt(pd.Timestamp(Q4_END)).sum())
    window = Window(Q4_START, Q4_END, event_time="sold_at")
    assert monitor_job(project, store, registry, window, []).result.n_rows == in_q4


def test_monitor_by_names_what_it_bounds() -> None:
    import typer

    from driftlab.cli.monitor import _event_time_column

    assert _event_time_column("sold_at", None) == "sold_at"  # event time by default
    assert _event_time_column("sold_at", "log-time") is None
    assert _event_time_column(None, None) is None
    with pytest.raises(typer.BadParameter, match="declares no event time"):
        _event_time_column(None, "event-time")
    with pytest.raises(typer.BadParameter, match="use event-time or log-time"):
        _event_time_column("sold_at", "ingest-time")
