"""The drain: copies a backlog into the store in batches, backs off while the store is down
and, after a failed batch, salvages what the store will take.

The store skips request ids it already has, so a batch written twice (a replay after a
crash, a child that died after its commit) adds nothing. A batch leaves the backlog only
once it is stored, or once the store refused some of its records for good
(:class:`~driftlab.errors.RecordRejectedError`): those alone are dropped, counted and logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from driftlab.errors import RecordRejectedError
from driftlab.predlog.backlog import Backlog, Batch
from driftlab.predlog.drain_process import DrainProcess
from driftlab.predlog.health import LogHealth
from driftlab.store import ErrorRecord, PredictionRecord, Store

__all__ = ["Drainer"]

log = logging.getLogger(__name__)

_MAX_BACKOFF_S = 1.0  # retry an unreachable store at least this often: recovery is quick
_CLAIM_EVERY_S = 5.0  # look for segments of dead sibling processes this often


class Drainer:
    """Writes ``backlog`` to ``store``: through ``child`` when given (spool frames only),
    else from a worker thread of this process."""

    def __init__(
        self,
        store: Store,
        backlog: Backlog,
        health: LogHealth,
        *,
        batch_size: int,
        interval_s: float,
        child: DrainProcess | None = None,
        on_failure: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.backlog = backlog
        self.health = health
        self.batch_size = batch_size
        self.interval_s = interval_s
        self.child = child
        self.on_failure = on_failure
        self.wake = asyncio.Event()
        self.stopping = False
        self._lock = asyncio.Lock()
        self._errors: list[ErrorRecord] = []  # error records are always best effort

    def submit_error(self, record: ErrorRecord) -> None:
        self._errors.append(record)

    # -- the loop -----------------------------------------------------------------------------
    async def run(self) -> None:
        delay = self.interval_s
        next_claim = time.monotonic() + _CLAIM_EVERY_S
        while not self.stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), delay)
            self.wake.clear()
            if self.stopping:
                return
            try:
                await self.flush_errors()
                if time.monotonic() > next_claim:
                    # A sibling worker that died and was not replaced leaves its segments.
                    next_claim = time.monotonic() + _CLAIM_EVERY_S
                    await self.backlog.claim_orphans()
                # Then more only while whole batches wait: records that arrived during a
                # write wait for the next round (flush_interval_s) with the ones after them.
                # Draining every leftover at once wrote a 2-record transaction per request
                # at 100 requests/s, each costing the serving process a round trip.
                progressed = bool(self.backlog.pending) and await self.drain_once()
                while progressed and self.backlog.pending >= self.batch_size:
                    progressed = await self.drain_once()
            except Exception:
                # A bug or an unexpected file error must not end logging for good.
                log.exception("prediction log drain failed; retrying")
            if self.health.store_down_since is not None:
                delay = min(max(delay * 2, 0.1), _MAX_BACKOFF_S)
            else:
                delay = self.interval_s

    async def flush(self) -> None:
        """Write what was accepted so far; stops early, keeping the records, when the store
        is unreachable."""
        await self.flush_errors()
        rounds = self.backlog.pending // self.batch_size + 1
        for _ in range(rounds):
            if not self.backlog.pending or not await self.drain_once():
                return

    async def flush_errors(self) -> None:
        if not self._errors:
            return
        errors, self._errors = self._errors, []
        try:
            await asyncio.to_thread(self.store.log_errors, errors)
        except Exception:
            self._errors = errors + self._errors
            log.warning("could not write %d error records; will retry", len(errors))

    # -- one batch ----------------------------------------------------------------------------
    async def drain_once(self) -> bool:
        """Write one batch. False when there was nothing to write or the store is down."""
        async with self._lock:
            batch = await self.backlog.read(self.batch_size)
            if batch is None:
                return False
            try:
                self.health.written += await self._write(batch)
            except Exception as e:
                self.health.failures += 1
                if self.on_failure is not None:
                    self.on_failure()
                records, undecodable = await self.backlog.split(batch)
                if records and not await self._salvage(records, e):
                    return False
                if undecodable:
                    await self.backlog.set_aside(undecodable)
            self.backlog.commit(batch)
            self.health.store_up(self.backlog.pending)
            self.health.gauges(self.backlog.now())
            return True

    async def _write(self, batch: Batch) -> int:
        if self.child is not None and batch.payloads:
            if self.child.ready:
                return await self.child.write(batch.payloads)
            self.child.warm()  # (again, after a child died) and write this batch here

        # Decoded in the worker thread too: on the event loop it delayed answers.
        return await asyncio.to_thread(lambda: self.store.log_predictions(batch.decoded()))

    async def _salvage(self, batch: list[PredictionRecord], error: Exception) -> bool:
        """After a failed batch: if a read fails too, the store is down — keep the batch
        (False). Otherwise write the batch from this process (the drain child may have died);
        if that fails too, write it one by one: drop (count, log by request id) only records
        the store rejects (RecordRejectedError); any other failure keeps the batch (False)."""
        try:
            await asyncio.to_thread(self.store.known_requests, [batch[0].request_id])
        except Exception:
            self._store_down(error)
            return False
        try:  # the store is up: the batch as a whole may go in here (e.g. the child died)
            self.health.written += await asyncio.to_thread(self.store.log_predictions, batch)
            return True
        except Exception:
            pass
        rejected = []
        for record in batch:
            try:
                self.health.written += await asyncio.to_thread(self.store.log_predictions, [record])
            except RecordRejectedError:
                rejected.append(record)
            except Exception as e:
                # The store reads but cannot write now (locked, disk full, read-only
                # failover): keep the batch; ids written meanwhile are skipped later.
                self._store_down(e)
                return False
        if len(rejected) == len(batch):
            try:  # still readable: the store refuses these records, it is not down
                await asyncio.to_thread(self.store.known_requests, [batch[0].request_id])
            except Exception:
                return False
        self.health.rejected([r.request_id for r in rejected])
        return True

    def _store_down(self, error: Exception) -> None:
        self.health.store_down(error, self.backlog.pending, self.backlog.where)
