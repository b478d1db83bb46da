"""The prediction logger on a real spool and a real SQLite store that can be made unreachable."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from driftlab.errors import SpoolError, StoreError
from driftlab.predlog.logger import PredictionLogger
from driftlab.predlog.metrics import LogMetrics
from driftlab.predlog.settings import LogSettings
from driftlab.store import PredictionRecord
from driftlab.store.sql import SqlStore

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class Flaky:
    """A real store that refuses every call while ``down`` is set, like a stopped server."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self.down = False
        self.inserts = 0

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.store, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            if self.down:
                raise StoreError(f"{name} failed: connection refused")
            if name == "log_predictions":
                self.inserts += 1
            return attr(*args, **kwargs)

        return call


@pytest.fixture
def flaky(tmp_path: Path) -> Flaky:
    return Flaky(SqlStore(f"sqlite:///{tmp_path / 'store.db'}"))


def _recs(start: int, n: int) -> list[PredictionRecord]:
    return [
        PredictionRecord(
            f"r{i:05d}",
            T0,
            "m",
            "1",
            {"x": float(i)},
            "a",
            0.5,
            1.0,
            attributes={"sex": "female" if i % 2 else "male"},
        )
        for i in range(start, start + n)
    ]


def _logger(flaky: Flaky, tmp_path: Path, **kw: Any) -> PredictionLogger:
    kw = {"durability": "durable", "spool_dir": tmp_path / "spool", "flush_interval_s": 0.05, **kw}
    return PredictionLogger(flaky, LogSettings(**kw), metrics=LogMetrics())  # type: ignore[arg-type]


def _stored(flaky: Flaky) -> list[str]:
    return sorted(flaky.store.read_window("m")["request_id"])


def test_concurrent_requests_share_fsyncs(flaky: Flaky, tmp_path: Path) -> None:
    async def main() -> PredictionLogger:
        logger = _logger(flaky, tmp_path)
        logger.start()
        await asyncio.gather(*(logger.submit(_recs(i, 1)) for i in range(200)))
        await logger.stop()
        return logger

    logger = asyncio.run(main())
    count = _histogram_count(logger.metrics)
    assert 1 <= count < 100, f"{count} fsyncs for 200 concurrent requests: no group commit"
    assert _stored(flaky) == [f"r{i:05d}" for i in range(200)]


def _histogram_count(metrics: LogMetrics) -> float:
    for metric in metrics.fsync.collect():
        for sample in metric.samples:
            if sample.name.endswith("_count"):
                return sample.value
    raise AssertionError("no fsync histogram")


def test_store_outage_is_spooled_then_replayed_without_duplicates(
    flaky: Flaky, tmp_path: Path
) -> None:
    async def main() -> None:
        logger = _logger(flaky, tmp_path)
        logger.start()
        await logger.submit(_recs(0, 10))
        await logger.flush()
        flaky.down = True
        for i in range(10, 50, 5):
            await logger.submit(_recs(i, 5))
        await logger.flush()
        state = logger.status()
        assert state["status"] == "degraded" and "unreachable" in state["problems"][0]
        assert state["backlog_records"] == 40 and state["backlog_bytes"] > 0
        flaky.down = False
        for _ in range(100):
            if not logger.pending:
                break
            await asyncio.sleep(0.05)
        assert logger.status()["status"] == "ok"
        await logger.stop()

    asyncio.run(main())
    assert _stored(flaky) == [f"r{i:05d}" for i in range(50)]


def test_records_left_at_shutdown_are_written_by_the_next_process(
    flaky: Flaky, tmp_path: Path
) -> None:
    async def first() -> None:
        logger = _logger(flaky, tmp_path)
        logger.start()
        flaky.down = True
        await logger.submit(_recs(0, 30))
        await logger.stop(timeout_s=0.5)  # the store stays down: the spool keeps them

    async def second() -> PredictionLogger:
        logger = _logger(flaky, tmp_path)
        logger.start()
        await logger.submit(_recs(25, 10))  # overlaps: replayed ids must not double
        await logger.stop()
        return logger

    asyncio.run(first())
    assert list((tmp_path / "spool").glob("*.seg"))
    flaky.down = False
    logger = asyncio.run(second())
    assert _stored(flaky) == [f"r{i:05d}" for i in range(35)]
    # Everything a record carries survives the spool, protected attributes included.
    window = flaky.store.read_window("m").sort_values("request_id")
    assert window["sex"].tolist() == ["female" if i % 2 else "male" for i in range(35)]
    assert logger.metrics.replayed._value.get() == 30
    assert list((tmp_path / "spool").iterdir()) == []


def test_full_spool_refuses_with_a_clear_error(flaky: Flaky, tmp_path: Path) -> None:
    async def main() -> PredictionLogger:
        logger = _logger(flaky, tmp_path, spool_max_bytes=65_536)
        logger.start()
        flaky.down = True
        accepted = 0
        with pytest.raises(SpoolError, match="spool is full"):
            for i in range(10_000):
                await logger.submit(_recs(i, 1))
                accepted += 1
        assert logger.status()["status"] == "degraded"
        flaky.down = False
        for _ in range(100):
            if not logger.pending:
                break
            await asyncio.sleep(0.05)
        await logger.submit(_recs(20_000, 1))  # room again
        await logger.stop()
        assert len(_stored(flaky)) == accepted + 1
        return logger

    logger = asyncio.run(main())
    assert logger.refused_requests == 1 and logger.metrics.refused._value.get() == 1


def test_best_effort_counts_every_drop(flaky: Flaky, tmp_path: Path) -> None:
    async def main() -> PredictionLogger:
        logger = PredictionLogger(
            flaky,  # type: ignore[arg-type]
            LogSettings(durability="best_effort", queue_max_records=20),
            metrics=LogMetrics(),
        )
        flaky.down = True
        for i in range(30):
            await logger.submit(_recs(i, 1))
        assert logger.status()["problems"] == ["the in-memory queue is full: records are dropped"]
        flaky.down = False
        await logger.flush()
        return logger

    logger = asyncio.run(main())
    assert logger.dropped == 10
    assert logger.metrics.dropped.labels("queue_full")._value.get() == 10
    assert len(_stored(flaky)) == 20


def test_interval_mode_fsyncs_in_the_background(flaky: Flaky, tmp_path: Path) -> None:
    async def main() -> PredictionLogger:
        logger = _logger(flaky, tmp_path, durability="interval", fsync_interval_ms=20)
        logger.start()
        await logger.submit(_recs(0, 5))  # returns before any fsync
        assert _histogram_count(logger.metrics) == 0
        await asyncio.sleep(0.2)
        assert _histogram_count(logger.metrics) >= 1
        await logger.stop()
        return logger

    asyncio.run(main())
    assert len(_stored(flaky)) == 5


def test_api_answers_503_json_when_the_spool_is_full_and_health_says_why(
    project: Any, registry: Any, ames: Any, flaky: Flaky, tmp_path: Path
) -> None:
    import httpx

    from driftlab.scenarios.ames import TARGET
    from driftlab.serve import create_app
    from tests.live import LiveServer

    store_cfg = project.store.model_copy(
        update={"spool_dir": tmp_path / "spool", "spool_max_bytes": 65_536}
    )
    app = create_app(project.model_copy(update={"store": store_cfg}), flaky, registry)
    rows = ames.normal.drop(columns=[TARGET]).head(50)
    body = [{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
            for r in rows.to_dict("records")]  # fmt: skip
    flaky.down = True
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=30) as client:
        answers = [client.post("/v1/predict", json=body) for _ in range(40)]
        codes = [a.status_code for a in answers]
        assert 200 in codes and 503 in codes and set(codes) == {200, 503}
        refused = answers[codes.index(503)]
        assert "spool is full" in refused.json()["error"]
        assert refused.headers["retry-after"] == "5"
        health = client.get("/health").json()
        assert health["status"] == "degraded" and health["log"]["backlog_records"] > 0
        assert "driftlab_spool_refused_requests_total" in client.get("/metrics").text
        flaky.down = False
        ids = [p["request_id"] for a in answers if a.status_code == 200
               for p in a.json()["predictions"]]  # fmt: skip
    assert sorted(flaky.store.read_window(project.model_name)["request_id"]) == sorted(ids)


def test_damaged_spool_left_by_a_dead_process_is_reported_and_its_good_part_stored(
    flaky: Flaky, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from driftlab.predlog.frames import MAGIC, encode_records, frame

    spool_dir = tmp_path / "spool"
    spool_dir.mkdir()
    good = b"".join(frame(encode_records(_recs(i, 2)), 2) for i in range(0, 10, 2))
    torn = frame(encode_records(_recs(10, 2)), 2)[:-7]
    (spool_dir / "4242-deadbeef.00000003.seg").write_bytes(MAGIC + good + torn)

    async def main() -> dict[str, Any]:
        logger = _logger(flaky, tmp_path)
        logger.start()
        state = logger.status()
        await logger.stop()
        assert logger.metrics.corrupt._value.get() == 1
        return state

    state = asyncio.run(main())
    [kept] = state["corrupt_files"]
    assert Path(kept).read_bytes() == torn and Path(kept).parent == spool_dir
    assert _stored(flaky) == [f"r{i:05d}" for i in range(10)]
    assert "damaged spool data (4242-deadbeef.00000003.seg: torn frame" in caplog.text


def test_a_frame_that_cannot_be_decoded_is_set_aside_and_the_rest_stored(
    flaky: Flaky, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A frame with a right CRC whose records cannot be read (as a newer driftlab's format
    # would be): set aside once, not retried forever in front of the frames behind it.
    from driftlab.predlog.frames import MAGIC, encode_records, frame, scan

    spool_dir = tmp_path / "spool"
    spool_dir.mkdir()
    alien = frame(b'{"v": 9, "columns": []}', 3)
    first, last = (frame(encode_records(_recs(i, 2)), 2) for i in (0, 2))
    data = MAGIC + first + alien + last
    (spool_dir / "4242-deadbeef.00000001.seg").write_bytes(data)

    async def main() -> dict[str, Any]:
        logger = _logger(flaky, tmp_path)
        logger.start()
        await logger.flush()
        state = logger.status()
        await logger.stop()
        assert logger.metrics.corrupt._value.get() == 1 and logger.pending == 0
        return state

    state = asyncio.run(main())
    assert _stored(flaky) == [f"r{i:05d}" for i in range(4)]
    [kept] = state["corrupt_files"]
    assert kept.endswith(".seg.undecodable") and Path(kept).parent == spool_dir
    found = scan(Path(kept).read_bytes())
    assert found.problem is None and found.frames == 1
    assert Path(kept).read_bytes().endswith(b'{"v": 9, "columns": []}')
    assert "1 spool frame(s) cannot be decoded (KeyError" in caplog.text


def test_a_record_the_store_refuses_is_dropped_alone(flaky: Flaky, tmp_path: Path) -> None:
    # model_name is NOT NULL: the real database refuses that one record (IntegrityError).
    bad = PredictionRecord("bad", T0, None, "1", {"x": 1.0}, "a", 0.5, 1.0)  # type: ignore[arg-type]
    logger = _logger(flaky, tmp_path)

    async def main() -> None:
        await logger.submit([*_recs(0, 3), bad, *_recs(3, 2)])
        await logger.flush()

    asyncio.run(main())
    assert _stored(flaky) == [f"r{i:05d}" for i in range(5)]
    assert logger.dropped == 1 and logger.pending == 0


def test_a_store_that_reads_but_cannot_write_loses_nothing(flaky: Flaky, tmp_path: Path) -> None:
    # A real SQLite store gone read-only (as when locked, full or failed over): writes fail,
    # reads work. Nothing may be dropped as "refused"; it is written once writes work again.
    import sqlalchemy as sa

    readonly = True

    @sa.event.listens_for(flaky.store.engine, "connect")
    def _mode(dbapi_conn: Any, _: Any) -> None:
        dbapi_conn.execute(f"PRAGMA query_only = {'ON' if readonly else 'OFF'}")

    flaky.store.engine.dispose()
    logger = _logger(flaky, tmp_path)

    async def main() -> None:
        nonlocal readonly
        await logger.submit(_recs(0, 4))
        await logger.flush()
        assert logger.pending == 4 and logger.dropped == 0
        assert logger.store_down_since is not None
        readonly = False
        flaky.store.engine.dispose()
        await logger.flush()

    asyncio.run(main())
    assert _stored(flaky) == [f"r{i:05d}" for i in range(4)]
    assert logger.dropped == 0 and logger.pending == 0 and logger.store_down_since is None


def test_api_answers_413_when_one_request_is_larger_than_the_log_takes(
    project: Any, registry: Any, ames: Any, flaky: Flaky, tmp_path: Path
) -> None:
    import httpx

    from driftlab.scenarios.ames import TARGET
    from driftlab.serve import create_app
    from tests.live import LiveServer

    store_cfg = project.store.model_copy(
        update={"spool_dir": tmp_path / "spool", "spool_segment_bytes": 4096}
    )
    app = create_app(project.model_copy(update={"store": store_cfg}), flaky, registry)
    rows = ames.normal.drop(columns=[TARGET]).head(50)
    body = [{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
            for r in rows.to_dict("records")]  # fmt: skip
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=30) as client:
        big = client.post("/v1/predict", json=body)
        assert big.status_code == 413, big.text
        error = big.json()["error"]
        assert error.startswith("request too large for the prediction log: ")
        assert "limit 4096 (store.spool_segment_bytes)" in error and "full" not in error
        assert client.post("/v1/predict", json=body[:1]).status_code == 200
        health = client.get("/health").json()
        assert health["status"] == "ok" and health["log"]["refused_requests"] == 0
