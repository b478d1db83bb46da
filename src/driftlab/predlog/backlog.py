"""Where accepted records wait for the store: one interface, two places.

- :class:`MemoryBacklog` (``best_effort``): a bounded in-memory queue; lost if the process
  dies, dropped (and counted) when full.
- :class:`~driftlab.predlog.spooled.SpoolBacklog` (``durable``, ``interval``): the spool on
  local disk, fsynced before the answer or every interval.

The drainer reads a :class:`Batch`, writes it and commits it; it never asks which backlog
it has.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from driftlab.predlog.frames import decode_frames
from driftlab.predlog.health import Backlogged, LogHealth
from driftlab.predlog.settings import Durability, LogSettings
from driftlab.store import PredictionGroup, PredictionRecord

__all__ = ["Backlog", "Batch", "MemoryBacklog", "Undecodable"]

Undecodable = list[tuple[bytes, str]]  # (frame payload, why it cannot be decoded)


@dataclass(frozen=True)
class Batch:
    """One batch for the store: in-memory records, or spool frame payloads (which a drain
    child can decode and insert itself). ``cursor`` is what the backlog's commit needs."""

    records: list[PredictionRecord] = field(default_factory=list)
    payloads: list[bytes] = field(default_factory=list)
    cursor: Any = None

    def decoded(self) -> list[PredictionRecord]:
        """The records (decoding the payloads; run it off the event loop)."""
        return self.records or decode_frames(self.payloads)


class Backlog(Protocol):
    """What the logger and the drainer need of a place where records wait."""

    durability: Durability
    where: str  # for the logs: "spool", "in-memory queue"

    @property
    def pending(self) -> int:
        """Records accepted, not yet in the store."""
        ...

    def now(self) -> Backlogged: ...

    def open(self) -> None: ...

    def background(self) -> list[asyncio.Task[None]]:
        """Tasks to run while the log is started (the interval fsync)."""
        ...

    async def accept(
        self, records: list[PredictionRecord] | PredictionGroup, wake: Callable[[], None]
    ) -> None:
        """Keep the records as the mode promises; call ``wake`` once a whole batch waits.
        Raises SpoolError when they cannot be kept (the API answers 503)."""
        ...

    async def read(self, max_records: int) -> Batch | None: ...

    async def split(self, batch: Batch) -> tuple[list[PredictionRecord], Undecodable]:
        """The batch's records, and the frames among its payloads that cannot be decoded."""
        ...

    async def set_aside(self, bad: Undecodable) -> Path | None: ...

    def commit(self, batch: Batch) -> None: ...

    async def claim_orphans(self) -> None: ...

    async def close(self) -> None: ...


class MemoryBacklog:
    """``best_effort``: a bounded list in memory."""

    where = "in-memory queue"

    def __init__(self, settings: LogSettings, health: LogHealth) -> None:
        self.durability: Durability = settings.durability
        self.limit = settings.queue_max_records
        self.batch_size = settings.batch_size
        self.health = health
        self._queue: list[PredictionRecord] = []

    @property
    def pending(self) -> int:
        return len(self._queue)

    def now(self) -> Backlogged:
        return Backlogged(self.durability, len(self._queue), None, None)

    def open(self) -> None:
        pass

    def background(self) -> list[asyncio.Task[None]]:
        return []

    async def accept(
        self, records: list[PredictionRecord] | PredictionGroup, wake: Callable[[], None]
    ) -> None:
        if isinstance(records, PredictionGroup):
            records = records.records()
        if len(self._queue) + len(records) > self.limit:
            self.health.queue_full(len(records), self.limit)
            return
        self.health.queued()
        self._queue.extend(records)
        self.health.gauges(self.now())
        if len(self._queue) >= self.batch_size:
            wake()

    async def read(self, max_records: int) -> Batch | None:
        records = self._queue[:max_records]
        return Batch(records=records, cursor=len(records)) if records else None

    async def split(self, batch: Batch) -> tuple[list[PredictionRecord], Undecodable]:
        return batch.records, []

    async def set_aside(self, bad: Undecodable) -> Path | None:
        return None  # records in memory were never encoded

    def commit(self, batch: Batch) -> None:
        del self._queue[: batch.cursor]

    async def claim_orphans(self) -> None:
        pass

    async def close(self) -> None:
        pass
