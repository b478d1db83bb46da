"""The prediction spool on a real disk: framing, rotation, full spool, claims across processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from driftlab.errors import LogFrameTooLargeError, SpoolError
from driftlab.predlog.frames import MAGIC, frame, scan
from driftlab.predlog.spool import Spool


def _payload(i: int, n: int = 1) -> bytes:
    return json.dumps([{"i": i, "k": k} for k in range(n)]).encode()


def _drain(spool: Spool) -> list[bytes]:
    out = []
    while True:
        batch = spool.read(100)
        if not batch.payloads:
            return out
        out.extend(batch.payloads)
        spool.commit(batch)


def test_scan_finds_every_kind_of_damage() -> None:
    good = MAGIC + frame(b'["a"]', 1) + frame(b'["b","c"]', 2)
    assert (scan(good).records, scan(good).problem) == (3, None)
    end = len(good)
    assert scan(good + b"\x05\x00").problem == "torn frame header"
    assert scan(good + frame(b'["d"]', 1)[:-2]).problem == "torn frame (shorter than its length)"
    flipped = bytearray(good)
    flipped[-2] ^= 0xFF
    bad = scan(bytes(flipped))
    assert bad.problem == "crc mismatch" and bad.good_end == len(MAGIC) + len(frame(b'["a"]', 1))
    assert scan(b"garbage!" + good[8:]).problem == "not a spool file (bad magic)"
    assert scan(b"").problem is None and scan(MAGIC[:3]).problem is None  # died at creation
    assert scan(good + b"\x05\x00").good_end == end


def test_append_read_commit_and_rotation(tmp_path: Path) -> None:
    spool = Spool(tmp_path, segment_bytes=200, max_bytes=1 << 20)
    spool.open()
    for i in range(20):
        spool.append(frame(_payload(i), 1), 1)
    segments = sorted(tmp_path.glob("*.seg"))
    assert len(segments) == 3  # 20 frames of 33 bytes, rotated past 200 bytes
    assert spool.backlog_records == 20
    got = [json.loads(p)[0]["i"] for p in _drain(spool)]
    assert got == list(range(20))
    assert spool.backlog_records == 0 and spool.backlog_bytes == 0
    # Drained sealed segments are deleted; only the one being written is left.
    assert len(list(tmp_path.glob("*.seg"))) == 1
    assert spool.close() == 0
    assert list(tmp_path.iterdir()) == []  # clean shutdown leaves nothing


def test_full_spool_refuses_and_writes_nothing(tmp_path: Path) -> None:
    # The second frame (382 bytes) fits an empty spool, not one holding the first (102).
    spool = Spool(tmp_path, segment_bytes=1 << 20, max_bytes=450)
    spool.open()
    spool.append(frame(_payload(0, 5), 5), 5)
    size = sum(p.stat().st_size for p in tmp_path.glob("*.seg"))
    with pytest.raises(SpoolError, match=r"spool is full .*store.spool_max_bytes.*retry later"):
        spool.append(frame(_payload(1, 20), 20), 20)
    assert sum(p.stat().st_size for p in tmp_path.glob("*.seg")) == size
    assert spool.backlog_records == 5
    spool.close()


@pytest.mark.parametrize(
    ("segment_bytes", "max_bytes", "setting"),
    [(4096, 1 << 20, "store.spool_segment_bytes"), (1 << 20, 4096, "store.spool_max_bytes")],
)
def test_a_frame_over_the_limit_is_too_large_not_a_full_spool(
    tmp_path: Path, segment_bytes: int, max_bytes: int, setting: str
) -> None:
    # Waiting cannot make it fit: a clear "too large" (413), not "spool full" (503).
    spool = Spool(tmp_path, segment_bytes=segment_bytes, max_bytes=max_bytes)
    spool.open()
    big = frame(json.dumps([{"i": i, "pad": "x" * 100} for i in range(60)]).encode(), 60)
    with pytest.raises(LogFrameTooLargeError) as caught:
        spool.append(big, 60)
    assert not isinstance(caught.value, SpoolError)
    assert str(caught.value).startswith(
        f"request too large for the prediction log: {len(big)} bytes, limit 4096 ({setting})"
    )
    assert spool.backlog_records == 0
    spool.append(frame(_payload(0, 5), 5), 5)  # a normal frame still goes in
    assert spool.backlog_records == 5
    spool.close()


_CHILD = textwrap.dedent(
    """
    import sys, json, os, time
    from pathlib import Path
    from driftlab.predlog.frames import frame
    from driftlab.predlog.spool import Spool
    spool = Spool(Path(sys.argv[1]), segment_bytes=300, max_bytes=1 << 20)
    spool.open()
    for i in range(int(sys.argv[2])):
        spool.append(frame(json.dumps([{"i": i}]).encode(), 1), 1)
    if sys.argv[3] == "torn":
        # A frame cut short, as a kill -9 during write() leaves it.
        os.write(spool._fd, frame(b'[{"i": -1}]', 1)[:9])
    print("ready", flush=True)
    time.sleep(60)
    """
)


def _child(directory: Path, n: int, mode: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(directory), str(n), mode],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def _kill(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.stdout is not None
    proc.stdout.close()


def test_live_process_keeps_its_segments_dead_one_is_claimed(tmp_path: Path) -> None:
    child = _child(tmp_path, 30, "clean")
    try:
        other = Spool(tmp_path, segment_bytes=1 << 20, max_bytes=1 << 20)
        other.open()
        assert other.recovered == [] and other.backlog_records == 0  # alive: not touched
        _kill(child)
        found = other.claim_orphans()
        assert [(f.records, f.corrupt_files) for f in found] == [(30, [])]
        assert [json.loads(p)[0]["i"] for p in _drain(other)] == list(range(30))  # in order
        assert not list(tmp_path.glob(f"{child.pid}-*"))  # its lock and segments are gone
        other.close()
    finally:
        if child.poll() is None:
            _kill(child)


def test_torn_tail_after_kill_is_kept_aside_and_the_good_prefix_replayed(tmp_path: Path) -> None:
    child = _child(tmp_path, 12, "torn")
    _kill(child)
    spool = Spool(tmp_path, segment_bytes=1 << 20, max_bytes=1 << 20)
    spool.open()
    [found] = spool.recovered
    assert found.records == 12
    [corrupt] = found.corrupt_files
    assert corrupt.name.endswith(".seg.corrupt")
    assert corrupt.read_bytes() == frame(b'[{"i": -1}]', 1)[:9]  # exactly the torn bytes
    assert "torn frame" in found.problems[0]
    assert [json.loads(p)[0]["i"] for p in _drain(spool)] == list(range(12))
    spool.close()
    assert corrupt.exists()  # kept for inspection, never deleted by driftlab


def test_a_second_claimer_finds_nothing_left(tmp_path: Path) -> None:
    child = _child(tmp_path, 5, "clean")
    _kill(child)
    first = Spool(tmp_path, segment_bytes=1 << 20, max_bytes=1 << 20)
    first.open()
    second = Spool(tmp_path, segment_bytes=1 << 20, max_bytes=1 << 20)
    second.open()  # first is alive and now owns the claimed segments
    assert first.backlog_records == 5 and second.backlog_records == 0
    first.close()
    second.close()


def _dead_owner_segment(directory: Path, data: bytes) -> None:
    """A segment left by a process that is gone (its lock file is free)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "999-dead.lock").touch()
    (directory / "999-dead.00000001.seg").write_bytes(data)


def _frames(n: int) -> list[bytes]:
    return [frame(_payload(i), 1) for i in range(1, n + 1)]


def _replayed(directory: Path) -> tuple[list[int], Spool]:
    spool = Spool(directory, segment_bytes=1 << 20, max_bytes=1 << 20)
    spool.open()
    return [json.loads(p)[0]["i"] for p in _drain(spool)], spool


def test_a_flipped_bit_costs_one_frame_not_the_frames_after_it(tmp_path: Path) -> None:
    # Failed before resynchronization: frames 3, 4 and 5 went to the .corrupt file too.
    frames = _frames(5)
    data = bytearray(MAGIC + b"".join(frames))
    second = len(MAGIC) + len(frames[0])
    data[second + 15] ^= 0x04  # one bit of frame 2's payload
    _dead_owner_segment(tmp_path, bytes(data))
    got, spool = _replayed(tmp_path)
    assert got == [1, 3, 4, 5]
    [found] = spool.recovered
    assert found.records == 4
    [corrupt] = found.corrupt_files
    assert corrupt.read_bytes() == bytes(data[second : second + len(frames[1])])  # only frame 2
    assert found.problems == [
        f"999-dead.00000001.seg: crc mismatch at bytes {second}-{second + len(frames[1])} "
        f"({len(frames[1])} set aside)"
    ]
    spool.close()


def test_garbage_between_frames_is_set_aside_and_the_rest_replayed(tmp_path: Path) -> None:
    f = _frames(4)
    junk = b"\x00\xff garbage \x07" * 3
    _dead_owner_segment(tmp_path, MAGIC + f[0] + f[1] + junk + f[2] + junk[:5] + f[3])
    got, spool = _replayed(tmp_path)
    assert got == [1, 2, 3, 4]
    [corrupt] = spool.recovered[0].corrupt_files
    assert corrupt.read_bytes() == junk + junk[:5]  # both ranges, in order
    assert spool.recovered[0].problems[0].count(" at bytes ") == 2
    spool.close()


def test_a_truncated_tail_after_damage_is_set_aside_too(tmp_path: Path) -> None:
    f = _frames(3)
    data = bytearray(MAGIC + f[0] + f[1] + f[2][:-4])
    data[len(MAGIC) + 2] ^= 0x10  # frame 1's length: impossible now
    _dead_owner_segment(tmp_path, bytes(data))
    got, spool = _replayed(tmp_path)
    assert got == [2]
    [corrupt] = spool.recovered[0].corrupt_files
    assert corrupt.read_bytes() == bytes(data[len(MAGIC) : len(MAGIC) + len(f[0])]) + f[2][:-4]
    assert "torn frame" in spool.recovered[0].problems[0]
    spool.close()


def test_a_damaged_magic_keeps_the_frames_after_it(tmp_path: Path) -> None:
    _dead_owner_segment(tmp_path, b"DLSPOOX1" + b"".join(_frames(2)))
    got, spool = _replayed(tmp_path)
    assert got == [1, 2]
    assert spool.recovered[0].corrupt_files[0].read_bytes() == b"DLSPOOX1"
    spool.close()


def test_a_failed_directory_fsync_is_retried_on_the_next_round(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Failed before: the first round cleared the flag, so the new segment's directory entry
    # was never fsynced.
    spool = Spool(tmp_path, segment_bytes=100, max_bytes=1 << 20)
    spool.open()
    assert spool.sync_work()[2] is False  # open() fsynced the folder
    for i in range(6):  # past 100 bytes: a new segment, so a new directory entry
        spool.append(frame(_payload(i), 1), 1)
    fds, closable, dirty = spool.sync_work()
    assert dirty
    real, calls = os.fsync, []

    def failing_once(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 1:
            raise OSError(5, "Input/output error")
        real(fd)

    monkeypatch.setattr(os, "fsync", failing_once)
    with pytest.raises(OSError, match="Input/output"):
        Spool.fsync(fds, tmp_path)
    fds, closable, dirty = spool.sync_work()
    assert dirty  # still due
    Spool.fsync(fds, tmp_path)
    spool.synced(closable)
    assert spool.sync_work()[2] is False
    monkeypatch.setattr(os, "fsync", real)
    spool.close()


def test_a_new_spool_folder_is_fsynced_in_its_parent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Failed before: only the spool folder itself was fsynced, never the folder holding it.
    synced: list[str] = []
    real = os.fsync

    def recording(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(os, "fsync", recording)
    spool = Spool(tmp_path / "a" / "spool", segment_bytes=1 << 20, max_bytes=1 << 20)
    spool.open()
    assert str(tmp_path) in synced and str(tmp_path / "a") in synced
    monkeypatch.setattr(os, "fsync", real)
    spool.close()
