"""The drain child process: real spawn, real SQLite file, a killed child, a killed parent."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from driftlab.errors import StoreError
from driftlab.predlog.drain_process import DrainProcess, usable_url
from driftlab.predlog.frames import encode_group
from driftlab.predlog.logger import PredictionLogger
from driftlab.predlog.metrics import LogMetrics
from driftlab.predlog.settings import LogSettings
from driftlab.store import PredictionGroup
from driftlab.store.opener import SqlStoreOpener
from driftlab.store.sql import SqlStore
from tests.procs import alive, pool_children, wait_gone
from tests.waiting import wait_for

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _group(start: int, n: int) -> PredictionGroup:
    ids = [f"r{i:05d}" for i in range(start, start + n)]
    return PredictionGroup(
        T0, "m", "1", 1.5, ids, [{"x": float(i)} for i in range(n)], ["a"] * n, [0.5] * n
    )


def test_usable_url_refuses_in_memory_sqlite() -> None:
    assert usable_url("sqlite:///x.db") and usable_url("postgresql+psycopg://h/db")
    assert not usable_url("sqlite://") and not usable_url("sqlite:///:memory:")


def test_child_writes_frames_once_and_a_killed_child_is_replaced(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    store = SqlStore(url)
    drain = DrainProcess(SqlStoreOpener(url))

    async def main() -> None:
        payloads = [encode_group(_group(0, 3)), encode_group(_group(3, 2))]
        assert await drain.write(payloads) == 5
        assert await drain.write(payloads) == 0  # a replay adds nothing
        (child,) = pool_children(os.getpid())
        os.kill(child, signal.SIGKILL)
        with pytest.raises(StoreError, match="drain process stopped"):
            for _ in range(50):  # the pool notices the death on its next use
                await drain.write([encode_group(_group(100, 1))])
                await asyncio.sleep(0.05)
        assert await drain.write([encode_group(_group(5, 2))]) == 2  # a new child

    try:
        asyncio.run(main())
    finally:
        drain.close()
    ids = sorted(store.read_window("m")["request_id"])
    assert ids[:7] == [f"r{i:05d}" for i in range(7)]
    assert not [c for c in pool_children(os.getpid()) if alive(c)], "close() left the child"


def _child_logger(tmp_path: Path, interval_s: float) -> tuple[SqlStore, PredictionLogger]:
    """A durable logger on a real spool that drains through a child into a SQLite file."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    store = SqlStore(url)
    settings = LogSettings("durable", tmp_path / "spool", flush_interval_s=interval_s)
    logger = PredictionLogger(
        store, settings, metrics=LogMetrics(), child_store=SqlStoreOpener(url)
    )
    return store, logger


def test_logger_drains_through_the_child(tmp_path: Path) -> None:
    store, logger = _child_logger(tmp_path, interval_s=0.05)

    async def main() -> None:
        logger.start()
        for i in range(0, 40, 4):
            await logger.submit(_group(i, 4))
        await logger.stop()

    asyncio.run(main())
    assert len(store.read_window("m")) == 40
    assert logger.written == 40 and logger.pending == 0


_PARENT = """
import asyncio, os, sys
from driftlab.predlog.drain_process import DrainProcess
from driftlab.store.sql import SqlStore
from driftlab.store.opener import SqlStoreOpener
url = sys.argv[1]
SqlStore(url)
drain = DrainProcess(SqlStoreOpener(url))
asyncio.run(drain.write([]))
print(os.getpid(), flush=True)
sys.stdin.read()  # until killed
"""


def test_child_exits_when_its_parent_is_killed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with subprocess.Popen(
        [sys.executable, "-c", _PARENT, url], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    ) as parent:
        assert parent.stdout is not None
        parent.stdout.readline()
        (child,) = pool_children(parent.pid)
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        left = wait_gone([child], timeout_s=10)
    assert not left, "the drain child outlived its killed parent"


def test_logger_writes_a_batch_itself_when_the_child_died(tmp_path: Path) -> None:
    store, logger = _child_logger(tmp_path, interval_s=60)

    async def main() -> None:
        logger._child.warm()  # type: ignore[union-attr]
        # Until its child is ready the logger writes in-process; this test needs the child.
        await asyncio.to_thread(
            wait_for,
            lambda: logger._child.ready,
            what="the drain child ready",  # type: ignore[union-attr]
        )
        await logger.submit(_group(0, 3))
        await logger.flush()  # through the child
        (child,) = pool_children(os.getpid())
        os.kill(child, signal.SIGKILL)
        assert not wait_gone([child], timeout_s=10)
        await logger.submit(_group(3, 4))
        await logger.flush()  # the child is gone: this process writes the batch
        await logger.submit(_group(7, 2))
        await logger.flush()  # a new child
        await logger.stop()

    asyncio.run(main())
    assert sorted(store.read_window("m")["request_id"]) == [f"r{i:05d}" for i in range(9)]
    assert logger.failures == 1 and logger.dropped == 0 and logger.pending == 0


def test_a_group_whose_columns_disagree_is_refused_before_it_is_spooled() -> None:
    with pytest.raises(ValueError, match="probability of another length"):
        PredictionGroup(T0, "m", "1", 1.0, ["a", "b"], [{}, {}], ["x", "y"], [0.5])


def test_the_logger_writes_in_process_until_its_child_is_ready(tmp_path: Path) -> None:
    """On a busy machine a child's imports take seconds: a prediction, or a label waiting on
    it, must not wait for them."""
    store, logger = _child_logger(tmp_path, interval_s=60)
    child = logger._child
    assert child is not None

    async def never(payloads: list[bytes]) -> int:
        raise AssertionError("wrote through a child that was not ready")

    child.warm = lambda: None  # type: ignore[method-assign]  # the child never gets ready
    child.write = never  # type: ignore[method-assign]

    async def main() -> None:
        logger.start()
        await logger.submit(_group(0, 5))
        await logger.flush()
        assert len(store.read_window("m")) == 5
        await logger.stop()

    asyncio.run(main())
    assert logger.written == 5 and logger.failures == 0
