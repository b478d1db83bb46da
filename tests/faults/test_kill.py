"""kill -9 a real server under load: every acknowledged prediction reaches the store once."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from driftlab.scenarios import AmesScenario
from tests.faults.conftest import Load, Server, in_process, project_file, wait_stored
from tests.procs import pool_children, wait_gone

pytestmark = pytest.mark.slow


def test_kill_9_under_load_loses_no_acknowledged_prediction(
    champion: AmesScenario, tmp_path: Path
) -> None:
    db = tmp_path / "kill.db"
    config = project_file(
        champion, "kill", {"url": f"sqlite:///{db}", "spool_dir": str(tmp_path / "spool")}
    )
    server = Server(config, tmp_path / "server.log")
    server.start()
    with Load(server.url, champion.records(champion.normal), threads=4) as load:
        time.sleep(3)
        assert server.proc is not None
        drainers = pool_children(server.proc.pid)
        assert drainers, "the server writes through a drain child process by default"
        server.kill()  # SIGKILL: no shutdown, no drain, whatever was in flight is cut
        acked = load.acked_now()
        time.sleep(0.3)
    assert len(acked) > 50, f"too little load to mean anything: {load.statuses}"
    acked = load.acked_now()  # answers that arrived while the kill landed count too

    # Restarted on the same spool_dir (in this process: the same app, without paying the
    # imports of a second process start). It claims the dead process's segments.
    with in_process(config) as (url, store):
        missing, took = wait_stored(store, acked, timeout_s=30)
        health = httpx.get(f"{url}/health", timeout=10).json()
        rows = store.read_window("ames-housing")
    print(
        f"\nkill -9: {len(acked)} acknowledged, {len(missing)} missing after restart "
        f"({took:.1f} s to drain); {len(rows)} rows stored; answers {dict(load.statuses)}; "
        f"damaged spool files: {health['log']['corrupt_files']}"
    )

    assert not missing, f"{len(missing)} acknowledged predictions lost"
    assert not wait_gone(drainers, timeout_s=10), "the drain child outlived the killed server"
    assert rows["request_id"].is_unique
    # Rows never acknowledged can only be requests cut by the kill: at most one per client.
    assert len(rows) - len(acked) <= load.threads
