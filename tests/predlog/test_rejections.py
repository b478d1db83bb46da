"""What the drainer drops: only what the store says it rejects (RecordRejectedError)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from driftlab.errors import RecordRejectedError, StoreUnavailableError
from driftlab.predlog.logger import PredictionLogger
from driftlab.predlog.settings import LogSettings
from driftlab.store import PredictionRecord
from driftlab.store.sql import SqlStore

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _rec(request_id: str, **kw: Any) -> PredictionRecord:
    values: dict[str, Any] = {"model_name": "m", "features": {"x": 1.0}, **kw}
    return PredictionRecord(
        request_id, T0, values["model_name"], "1", values["features"], "a", 0.5, 1.0
    )


@pytest.fixture
def store(tmp_path: Path) -> SqlStore:
    return SqlStore(f"sqlite:///{tmp_path / 'store.db'}")


def test_the_sql_store_tells_a_rejected_record_from_an_unavailable_store(
    store: SqlStore,
) -> None:
    with pytest.raises(RecordRejectedError, match="NOT NULL"):
        store.log_predictions([_rec("a", model_name=None)])  # NOT NULL
    with pytest.raises(RecordRejectedError, match="log_predictions failed on"):
        store.log_predictions([_rec("b", features={"x": object()})])

    @sa.event.listens_for(store.engine, "connect")
    def _read_only(dbapi_conn: Any, _: Any) -> None:
        dbapi_conn.execute("PRAGMA query_only = ON")

    store.engine.dispose()
    with pytest.raises(StoreUnavailableError, match="readonly"):
        store.log_predictions([_rec("c")])


def test_a_value_the_store_cannot_hold_is_dropped_alone(store: SqlStore) -> None:
    logger = PredictionLogger(store, LogSettings(durability="best_effort"))
    records = [_rec("r0"), _rec("bad", features={"x": {1, 2}}), _rec("r1")]

    async def main() -> None:
        await logger.submit(records)
        await logger.flush()

    asyncio.run(main())
    assert sorted(store.read_window("m")["request_id"]) == ["r0", "r1"]
    assert logger.dropped == 1 and logger.pending == 0 and logger.store_down_since is None


def test_any_other_failure_keeps_the_batch(store: SqlStore) -> None:
    class Broken:
        """Reads work; writes fail with an error that is not a rejection."""

        def __getattr__(self, name: str) -> Any:
            return getattr(store, name)

        def log_predictions(self, records: list[PredictionRecord]) -> int:
            raise RuntimeError("a bug, not a verdict on the record")

    logger = PredictionLogger(Broken(), LogSettings(durability="best_effort"))  # type: ignore[arg-type]

    async def main() -> None:
        await logger.submit([_rec("r0"), _rec("r1")])
        await logger.flush()

    asyncio.run(main())
    assert logger.dropped == 0 and logger.pending == 2 and logger.store_down_since is not None
