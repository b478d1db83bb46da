"""The spool as a backlog (``durable`` and ``interval``), with its group commit.

- ``durable``: ``accept`` returns once the records are appended *and fsynced*. Concurrent
  requests share one fsync (group commit): while one fsync runs, the records of the requests
  that arrive meanwhile are appended, and the next fsync covers them all.
- ``interval``: ``accept`` returns once the records are appended (in the kernel's page
  cache, so a crash of the process loses nothing); a background task fsyncs every
  ``fsync_interval_ms``, so a power cut or a kernel crash can lose that last interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from pathlib import Path

from driftlab.errors import SpoolError
from driftlab.predlog.backlog import Batch, Undecodable
from driftlab.predlog.frames import decode_records, encode_group, encode_records, frame
from driftlab.predlog.health import Backlogged, LogHealth
from driftlab.predlog.settings import Durability, LogSettings
from driftlab.predlog.spool import Spool
from driftlab.store import PredictionGroup, PredictionRecord

__all__ = ["SpoolBacklog"]

log = logging.getLogger(__name__)


class SpoolBacklog:
    """Records framed into the spool of ``settings.spool_dir``."""

    where = "spool"

    def __init__(self, settings: LogSettings, health: LogHealth) -> None:
        assert settings.spool_dir is not None  # LogSettings checks it for spooled modes
        self.durability: Durability = settings.durability
        self.batch_size = settings.batch_size
        self.fsync_interval_s = settings.fsync_interval_ms / 1000.0
        self.health = health
        self.spool = Spool(
            settings.spool_dir,
            segment_bytes=settings.spool_segment_bytes,
            max_bytes=settings.spool_max_bytes,
        )
        self._opened = False
        self._synced = 0
        self._sync_task: asyncio.Task[None] | None = None

    @property
    def pending(self) -> int:
        return self.spool.backlog_records

    def now(self) -> Backlogged:
        return Backlogged(
            self.durability, self.spool.backlog_records, self.spool.backlog_bytes,
            self.spool.max_bytes,
        )  # fmt: skip

    # -- lifecycle ----------------------------------------------------------------------------
    def open(self) -> None:
        if self._opened:
            return
        self.spool.open()
        self._opened = True
        self._report_recovered()
        self.health.gauges(self.now())

    def _report_recovered(self) -> None:
        self.health.recovered(self.spool.recovered)
        self.spool.recovered.clear()

    def background(self) -> list[asyncio.Task[None]]:
        if self.durability != "interval":
            return []
        return [asyncio.create_task(self._fsync_every(), name="driftlab-fsync")]

    async def close(self) -> None:
        """Close the spool after the last fsync; what is left is replayed by the next start."""
        if self._sync_task is not None:
            with contextlib.suppress(Exception):
                await self._sync_task
        if not self._opened:
            return
        left = await asyncio.to_thread(self.spool.close)
        if left:
            log.warning(
                "%d prediction records are still in the spool (%s); the next server "
                "started on this spool_dir writes them to the store",
                left,
                self.spool.dir,
            )
        self._opened = False

    # -- accepting ----------------------------------------------------------------------------
    async def accept(
        self, records: list[PredictionRecord] | PredictionGroup, wake: Callable[[], None]
    ) -> None:
        if not self._opened:
            self.open()  # used without the app's lifespan (e.g. a bare TestClient)
        if isinstance(records, PredictionGroup):
            data = frame(encode_group(records), len(records))
        else:
            data = frame(encode_records(records), len(records))
        try:
            position = self.spool.append(data, len(records))
        except SpoolError as e:
            self.health.refused(e, self.spool.dir)
            raise
        self.health.accepted()
        self.health.gauges(self.now())
        if self.spool.backlog_records >= self.batch_size:
            wake()  # before the fsync: the drainer may write while this request waits
        if self.durability == "durable":
            await self._durable(position)

    # -- group commit -------------------------------------------------------------------------
    async def _durable(self, position: int) -> None:
        while self._synced < position:
            task = self._sync_task
            if task is None or task.done():
                task = self._sync_task = asyncio.create_task(self._fsync())
                # Retrieved here, so an fsync nobody awaits any more never warns.
                task.add_done_callback(lambda t: t.cancelled() or t.exception())
            # Shielded: a client that disconnects must not cancel the fsync others share.
            await asyncio.shield(task)

    async def _fsync(self) -> None:
        target = self.spool.written
        fds, closable, dir_changed = self.spool.sync_work()
        started = time.perf_counter()
        try:
            await asyncio.to_thread(Spool.fsync, fds, self.spool.dir if dir_changed else None)
        except OSError as e:
            log.error("fsync of the prediction spool failed: %s", e)
            raise SpoolError(
                f"the prediction log spool cannot be made durable (fsync failed: {e}); retry later"
            ) from e
        self.health.metrics.fsync.observe(time.perf_counter() - started)
        self.spool.synced(closable)
        self._synced = max(self._synced, target)

    async def _fsync_every(self) -> None:
        while True:
            await asyncio.sleep(self.fsync_interval_s)
            if self.spool.written > self._synced:
                with contextlib.suppress(SpoolError):
                    await self._durable(self.spool.written)

    # -- draining -----------------------------------------------------------------------------
    async def read(self, max_records: int) -> Batch | None:
        read = await asyncio.to_thread(self.spool.read, max_records)
        return Batch(payloads=read.payloads, cursor=read) if read.payloads else None

    async def split(self, batch: Batch) -> tuple[list[PredictionRecord], Undecodable]:
        return await asyncio.to_thread(_decode_each, batch.payloads)

    async def set_aside(self, bad: Undecodable) -> Path | None:
        """Set aside frames whose CRC is right but whose records cannot be read (a bug, or
        a spool written by a newer driftlab), once the rest of their batch is stored:
        retried forever, they would hold back every frame behind them."""
        path = await asyncio.to_thread(self.spool.quarantine, [p for p, _ in bad])
        self.health.set_aside(path, len(bad), bad[0][1])
        return path

    def commit(self, batch: Batch) -> None:
        self.spool.commit(batch.cursor)

    async def claim_orphans(self) -> None:
        """Adopt the segments of a sibling worker that died and was not replaced."""
        if self._opened and await asyncio.to_thread(self.spool.claim_orphans):
            self._report_recovered()


def _decode_each(payloads: list[bytes]) -> tuple[list[PredictionRecord], Undecodable]:
    """The records of the frames that decode, and (payload, problem) for those that do not."""
    good: list[PredictionRecord] = []
    bad: Undecodable = []
    for payload in payloads:
        try:
            good += decode_records(payload)
        except Exception as e:
            bad.append((payload, f"{type(e).__name__}: {e}"))
    return good, bad
