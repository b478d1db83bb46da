"""The spool drainer's database writes, in a child process of the serving worker.

Why a process and not a thread: decoding spooled frames and inserting rows is Python work
under the GIL. In a thread it took turns with the requests it logs: a 1,000-record request
took 37 ms beside the drain thread and 22 ms with draining held back (45 vs 27 requests/s on
2 cores). In a child process the inserts run on another core.

What stays in the serving process: the spool (reading frames, moving its cursor only after
the child says they are stored), retries, and the salvage of a batch the store refuses.
The child only turns frame payloads into rows and inserts them (ids already stored are
skipped, so a batch written twice adds nothing). If the child dies, the batch counts as a
failed write: it stays in the spool, a new child is started and the batch is written again.
If the serving process dies (even by kill -9), the child notices within a second and exits.

Which store the child opens is the composition root's choice: it passes a picklable
factory (a frozen dataclass with ``__call__``, say), called once in the child. This module
imports no adapter, and keeps the child's imports to what decoding and inserting need.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from driftlab.errors import StoreError

if TYPE_CHECKING:
    from driftlab.store import Store

__all__ = ["DrainProcess", "StoreFactory", "usable_url"]

log = logging.getLogger(__name__)

# Opens the store in the process that calls it; picklable, to reach the child.
StoreFactory = Callable[[], "Store"]

_store: Store | None = None  # the child's store, opened once by _init


def usable_url(url: str) -> bool:
    """Whether a child process can reach the same database: not an in-memory SQLite."""
    return url not in ("sqlite://", "sqlite:///:memory:") and "mode=memory" not in url


def _init(open_store: StoreFactory, parent: int) -> None:
    # Ctrl+C reaches the whole process group: the serving process handles it and then stops
    # this child itself. SIGTERM keeps its default: the pool terminates a child with it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    global _store
    _store = open_store()  # the serving process has created and migrated it
    threading.Thread(target=_orphan_watch, args=(parent,), daemon=True).start()


def _orphan_watch(parent: int) -> None:
    # A pool child keeps both ends of its task pipe open, so a parent killed with -9 never
    # gives it end-of-file: it would live on, holding a database connection.
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _ready() -> bool:
    """In the child: answers once the initializer has run (imports done, store open)."""
    return _store is not None


def _write(payloads: list[bytes]) -> int:
    """In the child: insert the records of these spool frame payloads; return rows inserted."""
    from driftlab.predlog.frames import decode_frames  # in the child only

    assert _store is not None, "drain process not initialised"
    return _store.log_predictions(decode_frames(payloads))


class DrainProcess:
    """One child process that writes spooled frames to the store ``open_store`` opens."""

    def __init__(self, open_store: StoreFactory) -> None:
        self.open_store = open_store
        self._pool: ProcessPoolExecutor | None = None
        self.closed = False  # after close(): writes fail (the logger writes in-process)
        self._broken = False  # a child died: logged once until a write succeeds again
        # The child has finished its imports and opened the store. Until then the logger
        # writes in-process: on a busy machine a child's start-up takes seconds, and a
        # prediction (or the feedback waiting on it) must not wait for that.
        self.ready = False
        self._warming: Future[bool] | None = None

    def warm(self) -> None:
        """Start the child now, in the background; :attr:`ready` turns true once it can write."""
        if self.closed or self.ready or (self._warming is not None and not self._warming.done()):
            return
        if self._warming is not None and self._warming.exception() is not None:
            self._discard()  # the child died while starting: start a new one
        try:
            future = self._warming = self._executor().submit(_ready)
        except BrokenProcessPool:  # the child died since it was ready
            self._discard()
            future = self._warming = self._executor().submit(_ready)

        def done(f: object) -> None:
            self.ready = not future.cancelled() and future.exception() is None

        future.add_done_callback(done)

    def _executor(self) -> ProcessPoolExecutor:
        if self.closed:
            raise StoreError("the drain process is closed")
        if self._pool is None:
            # spawn, not fork: the serving process has threads (a forked lock may be held).
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init,
                initargs=(self.open_store, os.getpid()),
            )
        return self._pool

    async def write(self, payloads: list[bytes]) -> int:
        """Rows inserted. Raises when the write did not happen: StoreError when the store
        refused it, the child died (the next call starts a new child) or this is closed;
        whatever else the child raised (the logger's salvage then writes the batch itself)."""
        loop = asyncio.get_running_loop()
        try:
            written = await loop.run_in_executor(self._executor(), _write, payloads)
        except BrokenProcessPool as e:
            self._discard()
            if not self._broken:
                self._broken = True
                log.warning("the drain process stopped (%s); writing from the worker and "
                            "starting a new one", e)  # fmt: skip
            raise StoreError(f"the drain process stopped ({e}); the batch is kept") from e
        self._broken = False
        return written

    def _discard(self) -> None:
        self.ready, self._warming = False, None
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop the child: it finishes the write in hand for up to ``timeout_s``, then it is
        killed (whatever it had not committed stays in the spool)."""
        self.closed = True
        self.ready, self._warming = False, None
        pool, self._pool = self._pool, None
        if pool is None:
            return
        processes = list(getattr(pool, "_processes", {}).values())  # to bound the wait
        pool.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + timeout_s
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join(1.0)
