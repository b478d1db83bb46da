"""Files that survive a power cut, and the repair of a segment a dead process left: what
recovery writes, apart from the spool's bookkeeping."""

from __future__ import annotations

import os
from pathlib import Path

from driftlab.predlog.frames import MAGIC, salvage, scan

__all__ = ["fsync_path", "make_dirs", "repair", "write_durably"]


def repair(path: Path) -> tuple[int, int, Path | None, str | None]:
    """Check a claimed segment: keep every valid frame (resynchronizing past damage, see
    frames.salvage) and move only the damaged bytes to ``<name>.corrupt``, the ranges
    concatenated in order; the problem names each range's offsets in the segment.
    Returns the segment's size and records after the repair, the ``.corrupt`` file and
    the problem (None, None when undamaged)."""
    data = path.read_bytes()
    whole = scan(data)
    if whole.problem is None:  # the usual case: nothing to rewrite
        return max(whole.good_end, len(MAGIC)), whole.records, None, None
    found = salvage(data)
    corrupt = path.with_name(path.name + ".corrupt")
    write_durably(corrupt, b"".join(data[a:b] for a, b, _ in found.bad))
    kept = MAGIC + b"".join(data[a:b] for a, b in found.frames)
    # The good frames go to a new file renamed over the segment: a crash midway leaves the
    # old segment (still replayable) or the new one, never half of each.
    tmp = path.with_name(path.name + ".tmp")
    write_durably(tmp, kept)
    os.replace(tmp, path)
    problem = "; ".join(f"{why} at bytes {a}-{b} ({b - a} set aside)" for a, b, why in found.bad)
    return len(kept), found.records, corrupt, problem


def fsync_path(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_dirs(directory: Path) -> None:
    """Create ``directory`` and its missing parents, fsyncing the parent of each one
    created: until then a power cut can lose the new folder with every segment in it."""
    missing = []
    here = directory.absolute()
    while not here.exists():
        missing.append(here)
        here = here.parent
    for folder in reversed(missing):
        try:
            folder.mkdir()
        except FileExistsError:
            continue  # another process created it: it fsyncs the parent
        fsync_path(folder.parent)


def write_durably(path: Path, data: bytes) -> None:
    with path.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
