"""An append-only, crash-safe spool of prediction records on local disk.

Why: a prediction is answered only once its record is on disk here, so a crash, a kill -9
or a database outage loses nothing the client was told about. A drainer copies the spool
into the store in batches; replays are harmless because the store skips request ids it
already has.

Layout of ``spool_dir`` (one owner per serving process)::

    <owner>.lock               held with flock(LOCK_EX) for the owner's lifetime
    <owner>.<seq:08d>.seg      segments: MAGIC, then frames
    <owner>.<seq:08d>.seg.corrupt   the damaged byte ranges of a segment, set aside

A frame is ``<u32 payload length><u32 record count><u32 crc32(count + payload)><payload>``
(little endian), the payload being one JSON array of records: a frame is one request.

A process that finds the lock of another owner free (its process is gone: the kernel
drops flock locks with the process) claims that owner's segments: it renames them into
its own name space, checks every frame, moves damaged bytes (a torn write, a bad crc)
into a ``.corrupt`` file and replays every good frame, those after the damage included.
The lock of a live owner is never free, so live processes never take each other's segments.

This module is synchronous and knows nothing of asyncio or the store; the prediction
backlog (driftlab.predlog.spooled) decides when to fsync, the drainer when to drain.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import re
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from driftlab.errors import LogFrameTooLargeError, SpoolError, StoreError
from driftlab.predlog.durable import fsync_path, make_dirs, repair
from driftlab.predlog.frames import HEADER, MAGIC, frame

__all__ = ["Recovered", "Segment", "Spool"]

log = logging.getLogger(__name__)

_SEGMENT = re.compile(r"^(?P<owner>[A-Za-z0-9-]+)\.(?P<seq>\d{8})\.seg$")


@dataclass
class Segment:
    path: Path
    size: int  # bytes of whole frames written (including MAGIC)
    records: int
    sealed: bool  # no more appends: deleted once fully drained
    read_offset: int = len(MAGIC)
    read_records: int = 0

    @property
    def backlog_bytes(self) -> int:
        return max(self.size - self.read_offset, 0)

    @property
    def backlog_records(self) -> int:
        return self.records - self.read_records


@dataclass(frozen=True)
class Recovered:
    """What claiming the segments of a dead process found."""

    owner: str
    segments: int
    records: int
    corrupt_files: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReadBatch:
    payloads: list[bytes]
    # (segment, new read offset, records read) per segment touched, applied by commit().
    advance: list[tuple[Segment, int, int]]


class Spool:
    def __init__(self, directory: Path, *, segment_bytes: int, max_bytes: int) -> None:
        self.dir = Path(directory)
        self.segment_bytes = segment_bytes
        self.max_bytes = max_bytes
        self.owner = ""  # set by open(), in the process that writes (after any fork)
        self.written = 0  # bytes appended by this process: positions for group commit
        self.recovered: list[Recovered] = []
        self._segments: list[Segment] = []
        self._lock = threading.Lock()  # the segment list, shared with the drain thread
        self._seq = 0
        self._fd: int | None = None  # current segment, O_APPEND
        self._lock_fd: int | None = None
        self._retired: list[int] = []  # fds of rotated segments, closed after their fsync
        # The folder changed (a segment created or renamed) in generation _dir_changes; an
        # fsync of it covered up to _dir_synced. Counters rather than a flag: a failed fsync
        # leaves the change pending for the next round, and a change during a round is not
        # marked synced by it.
        self._dir_changes = 0
        self._dir_synced = 0
        self._dir_round = 0

    # -- lifecycle ------------------------------------------------------------------------
    def open(self) -> None:
        """Take this process's lock, claim segments of dead processes, open a segment."""
        self.owner = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            make_dirs(self.dir)
            self._lock_fd = self._own_lock()
            self.claim_orphans()
            self._new_segment()
            self._fsync_dir()
            self._dir_synced = self._dir_changes
        except OSError as e:
            raise StoreError(
                f"cannot open the prediction spool in {str(self.dir)!r}: {e}; "
                "set store.spool_dir to a writable local folder"
            ) from e

    def _own_lock(self) -> int:
        # Locked under a temporary name, then renamed: a claimer scanning for *.lock never
        # sees this owner's lock unlocked.
        tmp = self.dir / f".{self.owner}.lock.tmp"
        fd = os.open(tmp, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.rename(tmp, self.dir / f"{self.owner}.lock")
        return fd

    def close(self) -> int:
        """Close the files; delete the drained segments and, if none is left, the lock.
        Returns the records still spooled (replayed by the next process to start)."""
        for fd in [*self._retired, *([self._fd] if self._fd is not None else [])]:
            with contextlib.suppress(OSError):
                os.fsync(fd)
            os.close(fd)
        self._retired, self._fd = [], None
        with self._lock:
            for seg in self._segments:
                if seg.backlog_records == 0:
                    with contextlib.suppress(FileNotFoundError):
                        seg.path.unlink()
            self._segments = [s for s in self._segments if s.backlog_records > 0]
            left = sum(s.backlog_records for s in self._segments)
        if self._lock_fd is not None:
            if not self._segments:
                with contextlib.suppress(FileNotFoundError):
                    (self.dir / f"{self.owner}.lock").unlink()
            os.close(self._lock_fd)  # releases the flock: a later process claims the rest
            self._lock_fd = None
        return left

    # -- writing ----------------------------------------------------------------------------
    @property
    def frame_limit(self) -> tuple[int, str]:
        """The largest frame :meth:`append` takes, and the setting that sets it. A frame over
        ``max_bytes`` could never fit, however empty the spool; one over ``segment_bytes``
        would make a segment as large as itself."""
        if self.max_bytes < self.segment_bytes:
            return self.max_bytes, "store.spool_max_bytes"
        return self.segment_bytes, "store.spool_segment_bytes"

    def append(self, data: bytes, n_records: int) -> int:
        """Append one frame; return the position to fsync up to for it to be durable.

        Raises LogFrameTooLargeError, writing nothing, when the frame alone is over
        :attr:`frame_limit`, and SpoolError when the backlog would pass ``max_bytes`` or the
        disk is full."""
        limit, setting = self.frame_limit
        if len(data) > limit:
            raise LogFrameTooLargeError(
                f"request too large for the prediction log: {len(data)} bytes, limit {limit} "
                f"({setting}); send fewer records per request"
            )
        backlog = self.backlog_bytes
        if backlog + len(data) > self.max_bytes:
            raise SpoolError(
                f"the prediction log spool is full ({backlog} of {self.max_bytes} bytes, "
                "store.spool_max_bytes) because the store is not taking records; "
                "nothing was scored or logged; retry later"
            )
        seg = self._segments[-1]
        if seg.size >= self.segment_bytes and seg.size > len(MAGIC):
            try:
                self._new_segment()
            except OSError as e:
                raise self._disk_error(e) from e
            seg = self._segments[-1]
        assert self._fd is not None
        try:
            _write_all(self._fd, data)
        except OSError as e:
            # Undo a partial write, so the segment stays a sequence of whole frames.
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, seg.size)
            raise self._disk_error(e) from e
        seg.size += len(data)
        seg.records += n_records
        self.written += len(data)
        return self.written

    def _disk_error(self, e: OSError) -> SpoolError:
        reason = "the disk is full" if e.errno in (errno.ENOSPC, errno.EDQUOT) else str(e)
        return SpoolError(
            f"the prediction log spool cannot be written ({reason}, store.spool_dir); "
            "nothing was scored or logged; retry later"
        )

    def _next_path(self) -> Path:
        # Called from the event loop (rotation) and the drain thread (claims): under the lock,
        # so no two segments ever get one name (a rename would replace the other's file).
        with self._lock:
            self._seq += 1
            return self.dir / f"{self.owner}.{self._seq:08d}.seg"

    def _new_segment(self) -> None:
        path = self._next_path()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
        try:
            _write_all(fd, MAGIC)
        except OSError:
            os.close(fd)
            path.unlink()
            raise
        if self._fd is not None:
            self._retired.append(self._fd)
        self._fd = fd
        self._dir_changes += 1
        with self._lock:
            if self._segments:
                self._segments[-1].sealed = True
            self._segments.append(Segment(path, len(MAGIC), 0, sealed=False))
        self.written += len(MAGIC)

    def sync_work(self) -> tuple[list[int], list[int], bool]:
        """What one fsync round covers: the fds to fsync, those of them that may be closed
        afterwards (rotated away before this round began) and whether the folder changed.
        The caller fsyncs, then passes the closable ones to :meth:`synced`. A segment
        rotated away *during* the round stays open for the next round: its last bytes were
        written after this round's snapshot."""
        closable = list(self._retired)
        fds = [*closable, *([self._fd] if self._fd is not None else [])]
        self._dir_round = self._dir_changes
        return fds, closable, self._dir_round > self._dir_synced

    def synced(self, closable: list[int]) -> None:
        """The round's fsyncs succeeded (not called when one failed: its work stays due)."""
        self._dir_synced = max(self._dir_synced, self._dir_round)
        for fd in closable:
            self._retired.remove(fd)
            os.close(fd)

    def _fsync_dir(self) -> None:
        fsync_path(self.dir)

    @staticmethod
    def fsync(fds: list[int], directory: Path | None) -> None:
        """fsync each fd (and the folder, for new or renamed files). Runs in a thread."""
        for fd in fds:
            os.fsync(fd)
        if directory is not None:
            fsync_path(directory)

    # -- draining --------------------------------------------------------------------------
    @property
    def backlog_bytes(self) -> int:
        with self._lock:
            return sum(s.backlog_bytes for s in self._segments)

    @property
    def backlog_records(self) -> int:
        with self._lock:
            return sum(s.backlog_records for s in self._segments)

    def read(self, max_records: int) -> ReadBatch:
        """Up to ``max_records`` records (whole frames, at least one) from the oldest
        undrained position. Thread-safe against appends; does not move the cursor."""
        with self._lock:
            todo = [(s, s.read_offset, s.size) for s in self._segments if s.backlog_bytes]
        payloads: list[bytes] = []
        advance: list[tuple[Segment, int, int]] = []
        taken = 0
        for seg, offset, end in todo:
            pos, got = offset, 0
            # Frame by frame, not the whole rest of the segment: a large backlog is read once.
            with seg.path.open("rb") as f:
                f.seek(offset)
                while pos < end and taken < max_records:
                    length, count, _crc = HEADER.unpack(f.read(HEADER.size))
                    payloads.append(f.read(length))
                    pos += HEADER.size + length
                    got += count
                    taken += count
            advance.append((seg, pos, got))
            if taken >= max_records:
                break
        return ReadBatch(payloads, advance)

    def commit(self, batch: ReadBatch) -> None:
        """The batch is in the store: move the cursor, delete fully drained sealed segments."""
        with self._lock:
            for seg, offset, got in batch.advance:
                seg.read_offset = offset
                seg.read_records += got
            done = [s for s in self._segments if s.sealed and s.backlog_bytes == 0]
            self._segments = [s for s in self._segments if s not in done]
        for seg in done:
            with contextlib.suppress(FileNotFoundError):
                seg.path.unlink()

    def quarantine(self, payloads: list[bytes]) -> Path:
        """Keep frames that cannot be decoded in ``<owner>.<seq>.seg.undecodable`` (MAGIC and
        the frames, so the usual scan reads it), fsynced; the caller then commits past them."""
        path = self._next_path().with_suffix(".seg.undecodable")
        with path.open("wb") as f:
            f.write(MAGIC + b"".join(frame(p, 0) for p in payloads))
            f.flush()
            os.fsync(f.fileno())
        self._fsync_dir()
        return path

    # -- recovery --------------------------------------------------------------------------
    def claim_orphans(self) -> list[Recovered]:
        """Adopt the segments of every owner whose lock is free (its process is gone)."""
        owners = {p.name.split(".")[0] for p in self.dir.glob("*.lock")}
        owners |= {m["owner"] for p in self.dir.glob("*.seg") if (m := _SEGMENT.match(p.name))}
        owners.discard(self.owner)
        found = []
        for owner in sorted(owners):
            got = self._claim(owner)
            if got is not None:
                found.append(got)
                self.recovered.append(got)
        return found

    def _claim(self, owner: str) -> Recovered | None:
        lock_path = self.dir / f"{owner}.lock"
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return None  # alive
            try:
                if os.fstat(fd).st_ino != os.stat(lock_path).st_ino:
                    return None  # another claimer finished with it and removed it
            except FileNotFoundError:
                return None
            paths = sorted(self.dir.glob(f"{owner}.*.seg"))
            claimed = Recovered(owner, len(paths), 0)
            records = 0
            for path in paths:
                mine = self._next_path()
                os.rename(path, mine)  # now covered by this process's lock
                size, found, corrupt, problem = repair(mine)
                seg = Segment(mine, size, found, sealed=True)
                records += seg.records
                if corrupt is not None:
                    claimed.corrupt_files.append(corrupt)
                    claimed.problems.append(f"{path.name}: {problem}")
                if seg.records == 0:
                    mine.unlink()  # nothing to replay (any damaged bytes are kept aside)
                    continue
                with self._lock:
                    # Before the segment being written, if any: older records drain first.
                    writing = bool(self._segments) and not self._segments[-1].sealed
                    self._segments.insert(len(self._segments) - writing, seg)
            lock_path.unlink()
            self._fsync_dir()
            return Recovered(owner, len(paths), records, claimed.corrupt_files, claimed.problems)
        finally:
            os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]
