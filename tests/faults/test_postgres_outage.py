"""PostgreSQL stopped for 30 s under load: every request answered 2xx, every record stored
within 15 s of the database's return."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from driftlab.scenarios import AmesScenario
from tests.faults.conftest import Load, Postgres, in_process, project_file, wait_stored
from tests.waiting import CEILING_S, wait_for

pytestmark = pytest.mark.slow

OUTAGE_S = 30


def test_postgres_down_30s_under_load_answers_everything_and_loses_nothing(
    champion: AmesScenario, own_postgres: Postgres, tmp_path: Path
) -> None:
    config = project_file(
        champion, "pg", {"url": own_postgres.url, "spool_dir": str(tmp_path / "spool")}
    )
    with in_process(config) as (url, store):
        with Load(url, champion.records(champion.normal), threads=4) as load:
            time.sleep(2)
            own_postgres.stop("fast")
            down_at = time.monotonic()
            time.sleep(OUTAGE_S / 2)
            # The outage shows once a drain round has failed: wait for that, not a clock.
            during = wait_for(
                lambda: _health(url),
                lambda h: h["status"] == "degraded" and h["log"]["backlog_records"] > 0,
                what="/health showing the outage",
                timeout_s=max(OUTAGE_S, 60.0),
                interval_s=0.2,
            )
            backlog = during["log"]["backlog_records"]
            time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - down_at)))
            own_postgres.start()
            up_at = time.monotonic()
            time.sleep(1)
        acked = load.acked_now()
        missing, took = wait_stored(store, acked, timeout_s=CEILING_S)
        after = _health(url)
    print(
        f"\nPostgreSQL down {up_at - down_at:.1f} s: {len(acked)} acknowledged, answers "
        f"{dict(load.statuses)}; backlog mid-outage {backlog} records; all stored "
        f"{took + 1:.1f} s after PostgreSQL was back; {len(missing)} missing"
    )
    assert set(load.statuses) == {"200"}, f"non-2xx answers: {load.statuses} {load.bodies[:3]}"
    assert during["status"] == "degraded" and backlog > 0
    assert "unreachable" in during["log"]["problems"][0]
    assert not missing, (
        f"{len(missing)} acknowledged records not in PostgreSQL within {CEILING_S:.0f} s"
    )
    assert after["status"] == "ok" and after["log"]["backlog_records"] == 0


def _health(url: str) -> dict:
    import httpx

    return httpx.get(f"{url}/health", timeout=10).json()  # type: ignore[no-any-return]
