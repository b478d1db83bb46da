"""The spool's disk fills up: a clear 503, nothing acknowledged damaged, recovery after."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from driftlab.predlog.frames import scan
from driftlab.scenarios import AmesScenario
from tests.faults.conftest import in_process, project_file, wait_stored
from tests.waiting import CEILING_S, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 512 KiB tmpfs: a disk that really fills up (mounting needs root)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs as a full disk needs root")
    mount = tmp_path / "spool"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def _fill(directory: Path) -> Path:
    """Take every free byte of the file system with a ballast file."""
    ballast = directory / "ballast"
    with contextlib.suppress(OSError), ballast.open("wb", buffering=0) as f:
        while True:
            f.write(b"\0" * 4096)
    return ballast


def test_full_disk_answers_503_keeps_acknowledged_records_and_recovers(
    champion: AmesScenario, small_disk: Path, tmp_path: Path
) -> None:
    config = project_file(
        champion,
        "diskfull",
        {"url": f"sqlite:///{tmp_path / 'store.db'}", "spool_dir": str(small_disk),
         "spool_segment_bytes": 65536},
    )  # fmt: skip
    records = champion.records(champion.normal)
    acked: list[str] = []
    with in_process(config) as (url, store), httpx.Client(base_url=url, timeout=30) as client:

        def predict(i: int) -> httpx.Response:
            resp = client.post("/v1/predict", json=records[i % len(records)])
            if resp.is_success:
                acked.append(resp.json()["request_id"])
            return resp

        assert all(predict(i).status_code == 200 for i in range(50))
        ballast = _fill(small_disk)
        refused = [predict(i) for i in range(50, 150)]
        codes = {r.status_code for r in refused}
        assert 503 in codes and codes <= {200, 503}  # a frame may still fit a last gap
        body = next(r for r in refused if r.status_code == 503).json()
        assert "disk is full" in body["error"] and "retry later" in body["error"]
        # What was acknowledged is intact on disk and reaches the store.
        for seg in small_disk.glob("*.seg"):
            assert scan(seg.read_bytes()).problem is None, seg
        assert not list(small_disk.glob("*.corrupt"))
        missing, _ = wait_stored(store, acked, timeout_s=CEILING_S)
        assert not missing

        ballast.unlink()  # space returns
        wait_for(
            lambda: predict(0).status_code, lambda c: c == 200, what="answers after space returns"
        )
        assert all(predict(i).status_code == 200 for i in range(150, 200))
        missing, _ = wait_stored(store, acked, timeout_s=CEILING_S)
        assert not missing
        metrics = client.get("/metrics").text
    refusals = [ln for ln in metrics.splitlines() if ln.startswith("driftlab_spool_refused")]
    print(f"\ndisk full: {len(acked)} acknowledged, all stored; {refusals}")
    assert refusals and float(refusals[0].split()[-1]) >= 1
