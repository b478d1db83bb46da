"""Prediction logging: nothing acknowledged is lost (in the ``durable`` and ``interval`` modes).

``await logger.submit(records)`` returns once the records are where the durability mode
promises (``store.durability``):

- ``durable`` (default): appended to the local spool *and fsynced*. Concurrent requests
  share one fsync (group commit): while one fsync runs, the records of the requests that
  arrive meanwhile are appended, and the next fsync covers them all.
- ``interval``: appended to the spool (in the kernel's page cache, so a crash of the
  process loses nothing); fsynced every ``store.fsync_interval_ms``, so a power cut or a
  kernel crash can lose that last interval.
- ``best_effort``: put in a bounded in-memory queue (``store.queue_max_records``); lost if
  the process dies, dropped (and counted) when the queue is full.

A background task drains the spool (or queue) into the store in batches. The store skips
request ids it already has, so a replay after a crash adds no duplicates. While the store
is unreachable the spool grows, up to ``store.spool_max_bytes``; past it, ``submit`` raises
SpoolError and the API answers 503 instead of returning a prediction it could not log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from driftlab.errors import SpoolError, StoreError
from driftlab.predlog.drain_process import DrainProcess, usable_url
from driftlab.predlog.log_metrics import LogMetrics
from driftlab.store.base import ErrorRecord, PredictionGroup, PredictionRecord, Store
from driftlab.predlog.frames import (
    decode_frames,
    decode_records,
    encode_group,
    encode_records,
    frame,
)
from driftlab.predlog.spool import ReadBatch, Spool

__all__ = ["Durability", "PredictionLogger"]

log = logging.getLogger(__name__)

Durability = Literal["durable", "interval", "best_effort"]

_MAX_BACKOFF_S = 1.0  # retry an unreachable store at least this often: recovery is quick
_CLAIM_EVERY_S = 5.0  # look for segments of dead sibling processes this often
_RECENT_S = 10.0  # /health reports refusals this recent


class PredictionLogger:
    def __init__(
        self,
        store: Store,
        *,
        batch_size: int = 256,
        interval_s: float = 0.2,
        on_failure: Callable[[], None] | None = None,
        durability: Durability = "best_effort",
        spool_dir: Path | None = None,
        spool_max_bytes: int = 1 << 30,
        segment_bytes: int = 16 << 20,
        fsync_interval_ms: float = 100.0,
        queue_max_records: int = 100_000,
        metrics: LogMetrics | None = None,
        drain_url: str | None = None,
    ) -> None:
        if durability != "best_effort" and spool_dir is None:
            raise ValueError(f"durability {durability!r} needs a spool_dir")
        self.store = store
        self.on_failure = on_failure
        self.batch_size = batch_size
        self.interval_s = interval_s
        self.durability = durability
        self.fsync_interval_s = fsync_interval_ms / 1000.0
        self.queue_max_records = queue_max_records
        self.metrics = metrics or LogMetrics()
        self.spool = (
            Spool(spool_dir, segment_bytes=segment_bytes, max_bytes=spool_max_bytes)
            if spool_dir is not None and durability != "best_effort"
            else None
        )
        # With a spool and a database URL a child process can open, the inserts run there
        # (predlog/drain_process.py: off this process's GIL).
        self._process = (
            DrainProcess(drain_url)
            if drain_url is not None and self.spool is not None and usable_url(drain_url)
            else None
        )
        self._opened = False
        self._queue: list[PredictionRecord] = []  # best_effort only
        self._errors: list[ErrorRecord] = []  # error records are always best effort
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self._drain_lock = asyncio.Lock()
        self._synced = 0
        self._sync_task: asyncio.Task[None] | None = None
        self.store_down_since: float | None = None
        self._full_since: float | None = None  # start of a refusal episode, for the logs
        self._refused_at: float | None = None
        self._dropped_at: float | None = None
        self._dropping = False
        self.written = 0
        self.failures = 0
        self.dropped = 0  # refused by the store, or over the best_effort queue
        self.refused_requests = 0
        self.corrupt_files: list[str] = []

    # -- state ------------------------------------------------------------------------------
    @property
    def pending(self) -> int:
        """Records accepted but not yet in the store."""
        return self.spool.backlog_records if self.spool is not None else len(self._queue)

    def status(self) -> dict[str, Any]:
        """The log's health, for /health: ``degraded`` while the store is unreachable or
        requests are refused."""
        spool = self.spool
        problems = []
        if self.store_down_since is not None:
            down_s = time.monotonic() - self.store_down_since
            problems.append(f"the store has been unreachable for {down_s:.0f} s")
        if self._refused_at is not None and time.monotonic() - self._refused_at < _RECENT_S:
            problems.append("the spool cannot take more records: predict answers 503")
        if self._dropped_at is not None and time.monotonic() - self._dropped_at < _RECENT_S:
            problems.append("the in-memory queue is full: records are dropped")
        return {
            "status": "degraded" if problems else "ok",
            "problems": problems,
            "durability": self.durability,
            "backlog_records": self.pending,
            "backlog_bytes": spool.backlog_bytes if spool is not None else None,
            "spool_max_bytes": spool.max_bytes if spool is not None else None,
            "dropped_records": self.dropped,
            "refused_requests": self.refused_requests,
            "corrupt_files": self.corrupt_files,
        }

    def _gauges(self) -> None:
        self.metrics.backlog_records.set(self.pending)
        if self.spool is not None:
            self.metrics.backlog_bytes.set(self.spool.backlog_bytes)

    # -- lifecycle --------------------------------------------------------------------------
    def _open(self) -> None:
        if self._opened or self.spool is None:
            self._opened = True
            return
        self.spool.open()
        self._opened = True
        self._report_recovered()
        self._gauges()

    def _report_recovered(self) -> None:
        assert self.spool is not None
        for found in self.spool.recovered:
            self.metrics.replayed.inc(found.records)
            log.warning(
                "replaying %d prediction records left in the spool by process %s",
                found.records,
                found.owner,
            )
            for path, problem in zip(found.corrupt_files, found.problems, strict=True):
                self.metrics.corrupt.inc()
                self.corrupt_files.append(str(path))
                log.error(
                    "damaged spool data (%s): the good frames before it are replayed, the "
                    "bad bytes are kept in %s for inspection",
                    problem,
                    path,
                )
        self.spool.recovered.clear()

    def start(self) -> None:
        self._stopping = False
        if self._process is not None:
            self._process.closed = False  # started again after a stop()
        self._open()
        self._tasks.append(asyncio.create_task(self._run(), name="driftlab-log-drain"))
        if self.durability == "interval":
            self._tasks.append(asyncio.create_task(self._fsync_every(), name="driftlab-fsync"))

    async def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the background tasks and drain what is left (graceful shutdown). Whatever
        the store does not take within ``timeout_s`` stays in the spool for the next start."""
        # Python 3.11's wait_for can swallow a cancel that lands as its wait completes: the
        # flag ends the drain loop even then.
        self._stopping = True
        self._wake.set()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        deadline = time.monotonic() + timeout_s
        while self.pending and time.monotonic() < deadline:
            before = self.pending
            await self.flush()
            if self.pending >= before:
                break  # the store is not taking records: keep them for the next start
        await self._flush_errors()
        if self._process is not None:
            await asyncio.to_thread(self._process.close)
        if self._sync_task is not None:
            with contextlib.suppress(Exception):
                await self._sync_task
        if self.spool is not None and self._opened:
            left = await asyncio.to_thread(self.spool.close)
            if left:
                log.warning(
                    "%d prediction records are still in the spool (%s); the next server "
                    "started on this spool_dir writes them to the store",
                    left,
                    self.spool.dir,
                )
            self._opened = False

    # -- submitting -------------------------------------------------------------------------
    def submit_error(self, record: ErrorRecord) -> None:
        self._errors.append(record)

    async def submit(self, records: list[PredictionRecord] | PredictionGroup) -> None:
        """Accept the records of one answered request (a list, or the columns of a
        PredictionGroup). Raises SpoolError when they cannot be kept as the durability mode
        promises (the caller answers 503)."""
        if not len(records):
            return
        if self.spool is None:
            self._enqueue(records.records() if isinstance(records, PredictionGroup) else records)
            return
        if not self._opened:
            self._open()  # used without the app's lifespan (e.g. a bare TestClient)
        if isinstance(records, PredictionGroup):
            data = frame(encode_group(records), len(records))
        else:
            data = frame(encode_records(records), len(records))
        try:
            position = self.spool.append(data, len(records))
        except SpoolError as e:
            self._refused_at = time.monotonic()
            self.refused_requests += 1
            self.metrics.refused.inc()
            if self._full_since is None:  # once per episode, not once per request
                self._full_since = time.monotonic()
                log.warning("%s (%s): predict answers 503 until it can", e, self.spool.dir)
            raise
        if self._full_since is not None:
            self._full_since = None
            log.info("prediction spool accepts records again")
        self._gauges()
        if self.spool.backlog_records >= self.batch_size:
            self._wake.set()
        if self.durability == "durable":
            await self._durable(position)

    def _enqueue(self, records: list[PredictionRecord]) -> None:
        if len(self._queue) + len(records) > self.queue_max_records:
            self.dropped += len(records)
            self._dropped_at = time.monotonic()
            self.metrics.dropped.labels("queue_full").inc(len(records))
            if not self._dropping:
                self._dropping = True
                log.warning(
                    "prediction log queue is full (store.queue_max_records = %d): dropping "
                    "records until the store catches up",
                    self.queue_max_records,
                )
            return
        self._dropping = False
        self._queue.extend(records)
        self._gauges()
        if len(self._queue) >= self.batch_size:
            self._wake.set()

    # -- group commit -----------------------------------------------------------------------
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
        assert self.spool is not None
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
        self.metrics.fsync.observe(time.perf_counter() - started)
        self.spool.synced(closable)
        self._synced = max(self._synced, target)

    async def _fsync_every(self) -> None:
        assert self.spool is not None
        while True:
            await asyncio.sleep(self.fsync_interval_s)
            if self.spool.written > self._synced:
                with contextlib.suppress(SpoolError):
                    await self._durable(self.spool.written)

    # -- draining ---------------------------------------------------------------------------
    async def flush(self) -> None:
        """Write what was accepted so far to the store (used by feedback and at shutdown);
        stops early, keeping the records, when the store is unreachable."""
        await self._flush_errors()
        rounds = self.pending // self.batch_size + 1
        for _ in range(rounds):
            if not self.pending or not await self._drain_once():
                return

    async def _flush_errors(self) -> None:
        if not self._errors:
            return
        errors, self._errors = self._errors, []
        try:
            await asyncio.to_thread(self.store.log_errors, errors)
        except Exception:
            self._errors = errors + self._errors
            log.warning("could not write %d error records; will retry", len(errors))

    async def _drain_once(self) -> bool:
        """Write one batch. False when there was nothing to write or the store is down."""
        async with self._drain_lock:
            read = await self._read()
            if isinstance(read, int):
                return False
            try:
                self.written += await self._write(read)
            except Exception as e:
                self.failures += 1
                if self.on_failure is not None:
                    self.on_failure()
                records, undecodable = await self._records(read)
                if records and not await self._salvage(records, e):
                    return False
                if undecodable:
                    await self._quarantine(undecodable)
            self._commit(read)
            if self.store_down_since is not None:
                log.warning(
                    "the store is reachable again after %.1f s; replaying %d spooled records",
                    time.monotonic() - self.store_down_since,
                    self.pending,
                )
                self.store_down_since = None
                self.metrics.store_down.set(0)
            self._gauges()
            return True

    async def _read(self) -> ReadBatch | list[PredictionRecord] | int:
        """The next batch: spool frames, queued records, or 0 when there is none."""
        if self.spool is None:
            return self._queue[: self.batch_size] or 0
        read = await asyncio.to_thread(self.spool.read, self.batch_size)
        return read if read.payloads else 0

    async def _write(self, read: ReadBatch | list[PredictionRecord]) -> int:
        if isinstance(read, list):
            return await asyncio.to_thread(self.store.log_predictions, read)
        if self._process is not None:
            return await self._process.write(read.payloads)
        # Decoded in the worker thread too: on the event loop it delayed answers.
        return await asyncio.to_thread(
            lambda: self.store.log_predictions(decode_frames(read.payloads))
        )

    @staticmethod
    async def _records(
        read: ReadBatch | list[PredictionRecord],
    ) -> tuple[list[PredictionRecord], list[tuple[bytes, str]]]:
        """The batch's records, and (payload, problem) for each frame that cannot be decoded."""
        if isinstance(read, list):
            return read, []
        return await asyncio.to_thread(_decode_each, read.payloads)

    async def _quarantine(self, bad: list[tuple[bytes, str]]) -> None:
        """Set aside frames whose CRC is right but whose records cannot be read (a bug, or a
        spool written by a newer driftlab), once the rest of their batch is stored: retried
        forever, they would hold back every frame behind them."""
        assert self.spool is not None
        path = await asyncio.to_thread(self.spool.quarantine, [p for p, _ in bad])
        self.metrics.corrupt.inc()
        self.corrupt_files.append(str(path))
        log.error(
            "%d spool frame(s) cannot be decoded (%s); kept in %s for inspection, the rest of "
            "the batch is stored",
            len(bad), bad[0][1], path,
        )  # fmt: skip

    def _commit(self, read: ReadBatch | list[PredictionRecord]) -> None:
        if isinstance(read, list):
            del self._queue[: len(read)]
        else:
            assert self.spool is not None
            self.spool.commit(read)

    async def _salvage(self, batch: list[PredictionRecord], error: Exception) -> bool:
        """After a failed batch: if a read fails too, the store is down — keep the batch
        (False). Otherwise write the batch from this process (the drain child may have died);
        if that fails too, write it one by one: drop (count, log by request id) only records
        the store refuses (``_refusal``); any other failure keeps the batch (False)."""
        try:
            await asyncio.to_thread(self.store.known_requests, [batch[0].request_id])
        except Exception:
            self._store_down(error)
            return False
        try:  # the store is up: the batch as a whole may go in here (e.g. the child died)
            self.written += await asyncio.to_thread(self.store.log_predictions, batch)
            return True
        except Exception:
            pass
        refused = []
        for record in batch:
            try:
                self.written += await asyncio.to_thread(self.store.log_predictions, [record])
            except Exception as e:
                if not _refusal(e):
                    # The store reads but cannot write now (locked, disk full, read-only
                    # failover): keep the batch; ids written meanwhile are skipped later.
                    self._store_down(e)
                    return False
                refused.append(record)
        if len(refused) == len(batch):
            try:  # still readable: the store refuses these records, it is not down
                await asyncio.to_thread(self.store.known_requests, [batch[0].request_id])
            except Exception:
                return False
        self.dropped += len(refused)
        self.metrics.dropped.labels("refused_by_store").inc(len(refused))
        for record in refused:
            log.error("prediction %s refused by the store; dropped", record.request_id)
        return True

    def _store_down(self, error: Exception) -> None:
        if self.store_down_since is not None:
            return
        self.store_down_since = time.monotonic()
        self.metrics.store_down.set(1)
        log.warning(
            "the store is unreachable (%s); %d prediction records are kept in the %s and "
            "written when it is back",
            str(error).splitlines()[0] if str(error) else type(error).__name__,
            self.pending,
            "spool" if self.spool is not None else "in-memory queue",
        )

    async def _run(self) -> None:
        delay = self.interval_s
        next_claim = time.monotonic() + _CLAIM_EVERY_S
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)
            self._wake.clear()
            if self._stopping:
                return
            try:
                await self._flush_errors()
                if self.spool is not None and self._opened and time.monotonic() > next_claim:
                    # A sibling worker that died and was not replaced leaves its segments.
                    next_claim = time.monotonic() + _CLAIM_EVERY_S
                    if await asyncio.to_thread(self.spool.claim_orphans):
                        self._report_recovered()
                # Then more only while whole batches wait: records that arrived during a
                # write wait for the next round (flush_interval_s) with the ones after them.
                # Draining every leftover at once wrote a 2-record transaction per request
                # at 100 requests/s, each costing the serving process a round trip.
                progressed = bool(self.pending) and await self._drain_once()
                while progressed and self.pending >= self.batch_size:
                    progressed = await self._drain_once()
            except Exception:
                # A bug or an unexpected file error must not end logging for good.
                log.exception("prediction log drain failed; retrying")
            if self.store_down_since is not None:
                delay = min(max(delay * 2, 0.1), _MAX_BACKOFF_S)
            else:
                delay = self.interval_s


def _refusal(error: BaseException) -> bool:
    """Whether a failed write means the store will never take this record (a constraint or
    a value it rejects), as opposed to a store that cannot write now (a lock, a full disk,
    a read-only server, a lost connection, a schema it lacks): only the former is dropped."""
    from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError

    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, IntegrityError | DataError):
            return True
        if isinstance(cause, SQLAlchemyError):
            return False
        cause = cause.__cause__
    return not isinstance(error, StoreError)  # e.g. a value that cannot be written as JSON


def _decode_each(payloads: list[bytes]) -> tuple[list[PredictionRecord], list[tuple[bytes, str]]]:
    """The records of the frames that decode, and (payload, problem) for those that do not."""
    good: list[PredictionRecord] = []
    bad: list[tuple[bytes, str]] = []
    for payload in payloads:
        try:
            good += decode_records(payload)
        except Exception as e:
            bad.append((payload, f"{type(e).__name__}: {e}"))
    return good, bad
