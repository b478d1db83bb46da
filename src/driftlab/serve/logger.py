"""Prediction logging off the request path: a queue drained in batches by one task.

Requests enqueue records and return; a background task inserts them in batches through the
store in a worker thread, so no request waits on a database commit. (Durability across a
crash, via an on-disk spool, is the production-serving issue's job.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from driftlab.store.base import ErrorRecord, PredictionRecord, Store

__all__ = ["PredictionLogger"]

log = logging.getLogger(__name__)


class PredictionLogger:
    def __init__(
        self,
        store: Store,
        *,
        batch_size: int = 256,
        interval_s: float = 0.2,
        on_failure: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.on_failure = on_failure
        self.batch_size = batch_size
        self.interval_s = interval_s
        self._pending: list[PredictionRecord] = []
        self._errors: list[ErrorRecord] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._flush_lock = asyncio.Lock()
        self.written = 0
        self.failures = 0
        self.dropped = 0

    @property
    def pending(self) -> int:
        return len(self._pending)

    def submit_error(self, record: ErrorRecord) -> None:
        self._errors.append(record)

    def submit(self, records: list[PredictionRecord]) -> None:
        self._pending.extend(records)
        if len(self._pending) >= self.batch_size:
            self._wake.set()

    async def flush(self) -> None:
        """Write everything submitted so far (used by feedback and at shutdown)."""
        async with self._flush_lock:
            if self._errors:
                errors, self._errors = self._errors, []
                try:
                    await asyncio.to_thread(self.store.log_errors, errors)
                except Exception:
                    self._errors = errors + self._errors
                    log.exception("could not write %d error records; will retry", len(errors))
            while self._pending:
                batch = self._pending[: self.batch_size]
                try:
                    self.written += await asyncio.to_thread(self.store.log_predictions, batch)
                except Exception:
                    self.failures += 1
                    if self.on_failure is not None:
                        self.on_failure()
                    if not await self._salvage(batch):
                        log.exception(
                            "could not write %d prediction records; will retry", len(batch)
                        )
                        return
                del self._pending[: len(batch)]

    async def _salvage(self, batch: list[PredictionRecord]) -> bool:
        """After a failed batch, write its records one by one. If some succeed, the store is
        up and the others are records it refuses: drop those (counted, logged by request
        id) rather than block every later prediction behind them. If none succeed, the store
        is down — unless a read still works, which means these records are refused: drop
        them. Otherwise keep the batch for the next flush."""
        refused = []
        for record in batch:
            try:
                self.written += await asyncio.to_thread(self.store.log_predictions, [record])
            except Exception:
                refused.append(record)
        if len(refused) == len(batch):
            try:
                await asyncio.to_thread(self.store.known_requests, [batch[0].request_id])
            except Exception:
                return False  # the store is down: retry later, lose nothing
        self.dropped += len(refused)
        for record in refused:
            log.error("prediction %s refused by the store; dropped", record.request_id)
        return True

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval_s)
            self._wake.clear()
            await self.flush()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="driftlab-prediction-logger")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.flush()
