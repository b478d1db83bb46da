"""Prediction logging: nothing acknowledged is lost (in the ``durable`` and ``interval`` modes).

``await logger.submit(records)`` returns once the records are where the durability mode
(``store.durability``) promises: fsynced to the local spool (``durable``), appended to it
(``interval``, fsynced every ``store.fsync_interval_ms``), or put in a bounded in-memory
queue (``best_effort``). See :mod:`driftlab.predlog.spooled` and :mod:`driftlab.predlog.backlog`.

A background task (:mod:`driftlab.predlog.drainer`) copies the backlog into the store in
batches. While the store is unreachable the spool grows, up to ``store.spool_max_bytes``;
past it, ``submit`` raises SpoolError and the API answers 503 instead of returning a
prediction it could not log. :class:`PredictionLogger` is the face the server uses; build it
with :func:`driftlab.predlog.build.logger_from_settings`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

from driftlab.predlog.backlog import Backlog, MemoryBacklog
from driftlab.predlog.drain_process import DrainProcess, StoreFactory
from driftlab.predlog.drainer import Drainer
from driftlab.predlog.health import LogHealth
from driftlab.predlog.metrics import LogMetrics
from driftlab.predlog.settings import LogSettings
from driftlab.predlog.spooled import SpoolBacklog
from driftlab.store import ErrorRecord, PredictionGroup, PredictionRecord, Store

__all__ = ["PredictionLogger"]


class PredictionLogger:
    """The prediction log of one serving process.

    ``child_store``, a picklable factory of the store, moves the spool's inserts to a child
    process (off this process's GIL; :mod:`driftlab.predlog.drain_process`). Without it, or
    in ``best_effort`` mode, a worker thread of this process writes them.
    """

    def __init__(
        self,
        store: Store,
        settings: LogSettings,
        *,
        metrics: LogMetrics | None = None,
        on_failure: Callable[[], None] | None = None,
        child_store: StoreFactory | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.metrics = metrics or LogMetrics()
        self.health = LogHealth(self.metrics)
        self.backlog: Backlog = (
            SpoolBacklog(settings, self.health)
            if settings.spooled
            else MemoryBacklog(settings, self.health)
        )
        self._child = (
            DrainProcess(child_store) if child_store is not None and settings.spooled else None
        )
        self.drainer = Drainer(
            store, self.backlog, self.health, batch_size=settings.batch_size,
            interval_s=settings.flush_interval_s, child=self._child, on_failure=on_failure,
        )  # fmt: skip
        self._tasks: list[asyncio.Task[None]] = []

    # -- state ------------------------------------------------------------------------------
    @property
    def durability(self) -> str:
        return self.settings.durability

    @property
    def pending(self) -> int:
        """Records accepted but not yet in the store."""
        return self.backlog.pending

    @property
    def written(self) -> int:
        return self.health.written

    @property
    def failures(self) -> int:
        return self.health.failures

    @property
    def dropped(self) -> int:
        """Records never stored: over the best_effort queue, or rejected by the store."""
        return self.health.dropped

    @property
    def refused_requests(self) -> int:
        return self.health.refused_requests

    @property
    def store_down_since(self) -> float | None:
        return self.health.store_down_since

    def status(self) -> dict[str, Any]:
        """The log's health, for /health (see :meth:`LogHealth.status`)."""
        return self.health.status(self.backlog.now())

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> None:
        self.drainer.stopping = False
        if self._child is not None:
            self._child.closed = False  # started again after a stop()
            self._child.warm()  # its imports run now, not in the first request's drain
        self.backlog.open()
        self._tasks.append(asyncio.create_task(self.drainer.run(), name="driftlab-log-drain"))
        self._tasks += self.backlog.background()

    async def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the background tasks and drain what is left (graceful shutdown). Whatever
        the store does not take within ``timeout_s`` stays in the spool for the next start."""
        # Python 3.11's wait_for can swallow a cancel that lands as its wait completes: the
        # flag ends the drain loop even then.
        self.drainer.stopping = True
        self.drainer.wake.set()
        deadline = time.monotonic() + timeout_s
        drain, *others = self._tasks or [None]
        if drain is not None:
            # Let a write in flight finish rather than cancel it: a cancelled wait does not
            # stop the drain child's commit, so those rows would be stored but not counted
            # (and written again, as no-ops, by the flush below).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(drain), timeout_s)
        for task in [t for t in (drain, *others) if t is not None]:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        while self.pending and time.monotonic() < deadline:
            before = self.pending
            await self.flush()
            if self.pending >= before:
                break  # the store is not taking records: keep them for the next start
        await self.drainer.flush_errors()
        if self._child is not None:
            await asyncio.to_thread(self._child.close)
        await self.backlog.close()

    # -- submitting -------------------------------------------------------------------------
    def submit_error(self, record: ErrorRecord) -> None:
        self.drainer.submit_error(record)

    async def submit(self, records: list[PredictionRecord] | PredictionGroup) -> None:
        """Accept the records of one answered request (a list, or the columns of a
        PredictionGroup). Raises SpoolError when they cannot be kept as the durability mode
        promises (the caller answers 503)."""
        if len(records):
            await self.backlog.accept(records, self.drainer.wake.set)

    async def flush(self) -> None:
        """Write what was accepted so far to the store (used by feedback and at shutdown);
        stops early, keeping the records, when the store is unreachable."""
        await self.drainer.flush()
