"""The jobs' locks where no database server holds them: a thread lock (one process: the
in-memory stores) and an flock on a file next to a SQLite database (every process on the
host).

Why flock rather than a lock row in SQLite: the kernel drops an flock when its process dies,
however it dies, so a killed ``driftlab monitor`` never leaves a stale lock behind, and no
timeout has to guess how long a job may run. (A lock row would need that guess: too short
and a slow retrain loses its lock, too long and a crash blocks the next runs.) flock is
per open file, so two threads of one process exclude each other too. PostgreSQL's advisory
locks (store/sql/locks.py) have the same property: the server drops them with the session.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from driftlab.errors import JobLockedError

__all__ = ["POLL_S", "ThreadLocks", "file_lock", "holder", "lock_digest", "wait_for"]

# How often a waiting run tries again: a lock is held for a whole job (seconds to minutes).
POLL_S = 0.05


def lock_digest(*parts: str) -> bytes:
    """A stable digest of the lock's name (the same in every process and on every host,
    unlike ``hash()``).

    >>> lock_digest("m", "monitor").hex()[:16]
    'e2f15075eeb31d3d'
    """
    return hashlib.sha256("\0".join(("driftlab-job", *parts)).encode()).digest()


def holder() -> str:
    """Who holds a lock, as another run reports it."""
    since = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    return f"pid {os.getpid()} on {socket.gethostname()}, since {since} UTC"


def wait_for(
    try_once: Callable[[], bool], wait_s: float, refused: Callable[[], JobLockedError]
) -> None:
    """Call ``try_once`` until it succeeds or ``wait_s`` has passed; then raise ``refused()``."""
    deadline = time.monotonic() + max(wait_s, 0.0)
    while not try_once():
        if time.monotonic() >= deadline:
            raise refused()
        time.sleep(POLL_S)


class ThreadLocks:
    """Job locks inside one process."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._held: dict[tuple[str, str], str] = {}  # (model, job) -> holder

    @contextlib.contextmanager
    def lock(self, model_name: str, job: str, *, wait_s: float = 0.0) -> Iterator[None]:
        key = (model_name, job)
        me = f"thread {threading.current_thread().name} of {holder()}"

        def take() -> bool:
            with self._guard:
                if key in self._held:
                    return False
                self._held[key] = me
                return True

        def refused() -> JobLockedError:
            with self._guard:
                who = self._held.get(key, "a run that has just finished")
            return JobLockedError(model_name, job, who, wait_s)

        wait_for(take, wait_s, refused)
        try:
            yield
        finally:
            with self._guard:
                del self._held[key]


@contextlib.contextmanager
def file_lock(folder: Path, model_name: str, job: str, *, wait_s: float = 0.0) -> Iterator[None]:
    """Hold an flock on ``folder/<job>.<digest>.lock`` (model names may hold any character,
    so the file is named by a digest). The holder writes who it is into the file, for the
    message of a run that finds it locked. The file stays after release: deleting it could
    let two runs lock two different files of the same name."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{job}.{lock_digest(model_name, job).hex()[:24]}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:

        def take() -> bool:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        def refused() -> JobLockedError:
            with open(path, encoding="utf-8", errors="replace") as f:
                who = f.read().strip() or "a run that is just starting"
            return JobLockedError(model_name, job, who, wait_s)

        wait_for(take, wait_s, refused)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{holder()}; model {model_name!r}\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
