"""What every store promises, checked on SqlStore over real SQLite, real PostgreSQL (when
configured) and on the in-memory MemoryStore: the fake stands in for the database only where
these pass."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import fields
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from driftlab.errors import RecordRejectedError, StoreError, UnknownRequestError, UnknownRunError
from driftlab.store import (
    AuditRow,
    ErrorRecord,
    LabelRecord,
    MemoryStore,
    PredictionRecord,
    ServedVersion,
    Store,
)
from driftlab.store.records import AUDIT_COLUMNS
from tests.conftest import POSTGRES_ENV, _store_params, postgres_schema

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(params=[*_store_params(), pytest.param("memory", id="memory")])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
        return
    from driftlab.store.sql import SqlStore

    if request.param == "sqlite":
        s = SqlStore(f"sqlite:///{tmp_path / 'store.db'}")
        yield s
        s.close()
        return
    with postgres_schema(os.environ[POSTGRES_ENV]) as url:
        s = SqlStore(url)
        yield s
        s.close()


def _rec(i: int, model: str = "m", version: str = "1") -> PredictionRecord:
    return PredictionRecord(
        request_id=f"r{i:04d}",
        ts=T0 + timedelta(seconds=i),
        model_name=model,
        model_version=version,
        features={"x": float(i), "c": "a" if i % 2 else None},
        prediction="high" if i % 3 else "low",
        probability=0.75,
        latency_ms=2.5,
        probabilities={"high": 0.75, "low": 0.25},
    )


def _label_changes(store: Any) -> list[tuple[Any, Any]]:
    """(old, new) of every label correction, from wherever the store keeps them."""
    if isinstance(store, MemoryStore):
        return [(old, new) for _, old, new, _ in store.label_changes]
    import sqlalchemy as sa

    from driftlab.store.sql.tables import label_changes

    with store.engine.connect() as conn:
        log = conn.execute(sa.select(label_changes.c.old_label, label_changes.c.new_label))
        return [tuple(r) for r in log]


def test_log_is_idempotent_by_request_id(store: Store) -> None:
    assert store.log_predictions([_rec(i) for i in range(10)]) == 10
    # A replay of the same batch plus two new rows adds only the new ones.
    assert store.log_predictions([_rec(i) for i in range(12)]) == 2
    frame = store.read_window("m")
    assert len(frame) == 12
    assert frame["request_id"].is_unique
    assert store.known_requests(["r0003", "nope"]) == {"r0003"}


def test_read_window_last_n_and_time_range_oldest_first(store: Store) -> None:
    store.log_predictions([_rec(i) for i in range(20)] + [_rec(100, model="other")])
    last = store.read_window("m", last_n=5)
    assert last["request_id"].tolist() == [f"r{i:04d}" for i in range(15, 20)]
    assert last["x"].tolist() == [15.0, 16.0, 17.0, 18.0, 19.0]
    ranged = store.read_window("m", start=T0 + timedelta(seconds=3), end=T0 + timedelta(seconds=6))
    assert ranged["request_id"].tolist() == ["r0003", "r0004", "r0005"]
    assert ranged["ts"].iloc[0] == T0 + timedelta(seconds=3)


def test_version_filter_applies_before_last_n(store: Store) -> None:
    # Version 2 served first, version 1 after it: the last 10 rows of version 2 are older
    # than every version 1 row, and still the answer.
    store.log_predictions([_rec(i, version="2") for i in range(30)])
    store.log_predictions([_rec(i, version="1") for i in range(30, 50)])
    last = store.read_window("m", last_n=10, model_version="2")
    assert last["request_id"].tolist() == [f"r{i:04d}" for i in range(20, 30)]
    assert set(last["model_version"]) == {"2"}
    pages = list(store.iter_window("m", chunk_rows=7, model_version="1"))
    assert [r for p in pages for r in p["request_id"]] == [f"r{i:04d}" for i in range(30, 50)]


def test_a_row_at_end_is_outside_the_window_for_predictions_and_errors(store: Store) -> None:
    store.log_predictions([_rec(i) for i in range(5)])
    # One error a second, 5xx at even seconds, 4xx at odd ones.
    store.log_errors(
        [ErrorRecord(T0 + timedelta(seconds=i), "m", "/v1", 500 - 100 * (i % 2)) for i in range(5)]
    )
    start, end = T0 + timedelta(seconds=1), T0 + timedelta(seconds=3)  # rows 1 and 2, not 3
    assert store.read_window("m", start=start, end=end)["request_id"].tolist() == [
        "r0001",
        "r0002",
    ]
    assert [len(p) for p in store.iter_window("m", start=start, end=end)] == [2]
    assert store.count_errors("m", start=start, end=end) == {"4xx": 1, "5xx": 1}
    assert store.count_errors("m") == {"4xx": 2, "5xx": 3}
    assert store.count_errors("other") == {"4xx": 0, "5xx": 0}


def test_labels_join_by_request_id_and_last_label_wins(store: Store) -> None:
    store.log_predictions([_rec(i) for i in range(5)])
    first = store.add_labels([LabelRecord("r0001", "low", T0), LabelRecord("r0002", "high", T0)])
    assert (first.new, first.changed, first.unchanged) == (2, 0, 0)
    again = store.add_labels([LabelRecord("r0001", "high", T0 + timedelta(hours=1)),
                              LabelRecord("r0002", "high", T0 + timedelta(hours=5))])  # fmt: skip
    assert (again.new, again.changed, again.unchanged) == (0, 1, 1)
    # The replayed label kept its first time; the corrected one is in the change log.
    stamps = store.read_window("m").set_index("request_id")["label_ts"]
    assert stamps["r0002"] == T0
    assert _label_changes(store) == [("low", "high")]
    frame = store.read_window("m").set_index("request_id")
    assert frame.loc["r0001", "label"] == "high"
    assert frame.loc["r0002", "label"] == "high"
    assert frame["label"].isna().sum() == 3
    assert len(store.read_window("m", labeled_only=True)) == 2


def test_unknown_request_id_rejects_whole_batch(store: Store) -> None:
    store.log_predictions([_rec(1)])
    with pytest.raises(UnknownRequestError, match=r"1 request id\(s\) were never logged: nope"):
        store.add_labels([LabelRecord("r0001", "low", T0), LabelRecord("nope", "low", T0)])
    assert store.read_window("m", labeled_only=True).empty  # nothing half-written


def test_runs_alerts_and_decisions(store: Store) -> None:
    run_id = store.save_run("m", "1", {"n_rows": 42, "alerts": [{}], "status": "drift"})
    assert store.get_run(run_id).result["status"] == "drift"
    assert [r.id for r in store.runs("m")] == [run_id]
    assert store.last_alert_sent("m:data_drift:x") is None
    store.save_alerts(
        run_id,
        [
            {
                "fingerprint": "m:data_drift:x",
                "kind": "data_drift",
                "severity": "warning",
                "message": "drift",
                "sent": True,
            }
        ],
    )
    assert store.last_alert_sent("m:data_drift:x") is not None
    store.save_decision("m", {"promoted": True, "reason": "better"})
    assert store.decisions("m")[0].decision["reason"] == "better"
    with pytest.raises(StoreError, match="no monitoring run with id 999"):
        store.get_run(999)


def test_run_ids_order_and_history(store: Store) -> None:
    ids = [store.save_run(m, "1", {"n_rows": i, "alerts": []}) for i, m in enumerate("mmom")]
    assert ids == sorted(ids) and len(set(ids)) == 4
    assert [r.id for r in store.runs("m")] == [ids[3], ids[1], ids[0]]  # newest first
    assert [r.id for r in store.runs("m", limit=1)] == [ids[3]]
    assert [r.id for r in store.runs("m", until_id=ids[1])] == [ids[1], ids[0]]
    assert [r.id for r in store.runs()] == ids[::-1]
    run = store.get_run(ids[2])
    assert (run.model_name, run.n_rows, run.n_alerts) == ("o", 2, 0)
    assert run.ts.tzinfo is not None
    with pytest.raises(UnknownRunError):
        store.get_run(max(ids) + 1)


def test_alert_cooldown_reads_the_last_sent_alert_of_a_fingerprint(store: Store) -> None:
    r1 = store.save_run("m", "1", {"alerts": []})
    alert = {"fingerprint": "m:x", "kind": "data_drift", "severity": "warning", "message": "d"}
    store.save_alerts(r1, [{**alert, "sent": False}])
    assert store.last_alert_sent("m:x") is None  # held back: never sent
    store.save_alerts(r1, [{**alert, "sent": True, "subject": "x"}])
    first = store.last_alert_sent("m:x")
    r2 = store.save_run("m", "1", {"alerts": []})
    store.save_alerts(r2, [{**alert, "sent": True}])
    assert store.last_alert_sent("m:x") >= first  # type: ignore[operator]
    other = store.save_run("o", "1", {"alerts": []})
    store.save_alerts(other, [{**alert, "fingerprint": "o:x", "sent": True}])
    log = store.alert_log("m")
    assert [(a.run_id, a.sent, a.subject) for a in log] == [
        (r2, True, None),
        (r1, True, "x"),
        (r1, False, None),
    ]
    assert log[0].to_dict()["ts"] == log[0].ts.isoformat()
    assert len(store.alert_log("m", limit=2)) == 2


def test_decisions_newest_first_as_records(store: Store) -> None:
    store.save_decision("m", {"promoted": False, "reason": "worse"})
    store.save_decision("o", {"promoted": True, "reason": "other model"})
    store.save_decision("m", {"promoted": True, "reason": "better"})
    got = store.decisions("m")
    assert [(d.promoted, d.decision["reason"]) for d in got] == [(True, "better"), (False, "worse")]
    assert got[0].to_dict() == {"id": got[0].id, "ts": got[0].ts.isoformat(), "promoted": True,
                                "reason": "better"}  # fmt: skip
    assert len(store.decisions(limit=2)) == 2


def test_audit_rows_newest_first(store: Store) -> None:
    checks = [
        {"check": "reliance", "feature": f, "prohibited": f == "sex", "value": v,
         "interval": [0.0, float("nan")], "limit": 0.1, "n": 50, "verdict": "ok", "message": "m"}
        for f, v in (("sex", 0.05), ("age", float("inf")))
    ]  # fmt: skip
    result = {"model_name": "m", "model_version": "1", "window_start": "2026-01-01T00:00:00",
              "window_end": None, "compliance": {"checks": checks}}  # fmt: skip
    run_id = store.save_run("m", "1", {"alerts": []})
    assert store.save_audit(run_id, result) == 2
    assert store.save_audit(run_id, {"model_name": "m"}) == 0
    rows = store.audit("m")
    assert all(isinstance(r, AuditRow) for r in rows)
    assert [(r.feature, r.prohibited, r.value, r.ci_high) for r in rows] == [
        ("age", False, None, None),
        ("sex", True, 0.05, None),
    ]
    assert list(rows[0].to_dict()) == AUDIT_COLUMNS == [f.name for f in fields(AuditRow)]
    assert [r.feature for r in store.audit("m", feature="sex")] == ["sex"]
    assert store.audit("other") == [] and len(store.audit(limit=1)) == 1


def test_model_versions_counts_and_times(store: Store) -> None:
    store.log_predictions([_rec(i) for i in range(3)] + [_rec(10, version="2")]
                          + [_rec(20, model="a")])  # fmt: skip
    got = store.model_versions()
    assert got == [
        ServedVersion("a", "1", 1, T0 + timedelta(seconds=20), T0 + timedelta(seconds=20)),
        ServedVersion("m", "1", 3, T0, T0 + timedelta(seconds=2)),
        ServedVersion("m", "2", 1, T0 + timedelta(seconds=10), T0 + timedelta(seconds=10)),
    ]
    assert got[1].to_dict()["last_ts"] == "2026-01-01T00:00:02+00:00"


def test_window_bounds_in_other_time_zones_mean_the_same_instant(store: Store) -> None:
    store.log_predictions([_rec(i) for i in range(10)])
    plus2 = timezone(timedelta(hours=2))
    start = (T0 + timedelta(seconds=2)).astimezone(plus2)
    end = (T0 + timedelta(seconds=7)).astimezone(plus2)
    assert len(store.read_window("m", start=start, end=end)) == 5


def test_iter_window_pages_through_every_row_once_in_order(store: Store) -> None:
    store.log_predictions([_rec(i) for i in range(23)] + [_rec(500, model="other")])
    pages = list(store.iter_window("m", chunk_rows=5))
    assert [len(p) for p in pages] == [5, 5, 5, 5, 3]
    ids = [r for p in pages for r in p["request_id"]]
    assert ids == [f"r{i:04d}" for i in range(23)]
    ranged = list(store.iter_window("m", start=T0 + timedelta(seconds=20), chunk_rows=5))
    assert [len(p) for p in ranged] == [3]


def test_profile_from_store_equals_profile_of_the_whole_window(store: Store) -> None:
    from driftlab.config import Feature, FeatureKind
    from driftlab.monitor.stream import profile_from_store
    from driftlab.profile import build_profile
    from driftlab.schema import coerce_frame

    feats = [Feature(name="x"), Feature(name="c", kind=FeatureKind.CATEGORICAL)]
    store.log_predictions([_rec(i) for i in range(40)])
    whole = coerce_frame(store.read_window("m"), feats)
    ref = build_profile(whole.head(10), feats)
    streamed = profile_from_store(store, "m", feats, ref, chunk_rows=7, sample_size=5)
    direct = build_profile(whole, feats, reference=ref, sample_size=5)
    assert streamed.to_dict() == direct.to_dict()


def test_non_finite_numbers_and_offset_times_read_back_alike(store: Store) -> None:
    plus2 = timezone(timedelta(hours=2))
    when = datetime(2026, 1, 1, 3, 4, tzinfo=plus2)
    recs = [
        PredictionRecord("nan", when, "m", "1", {"x": float("nan")}, "a", float("nan"), 1.0),
        PredictionRecord("inf", when, "m", "1", {"x": 1.0}, "a", float("inf"), 1.0, None,
                         {"sex": "f"}),
    ]  # fmt: skip
    assert store.log_predictions(recs) == 2
    frame = store.read_window("m").set_index("request_id")
    assert frame["probability"].isna().all()
    assert frame.loc["nan", "x"] is None or frame["x"].isna()["nan"]
    assert frame.loc["inf", "sex"] == "f"
    assert {t.isoformat() for t in frame["ts"]} == {"2026-01-01T01:04:00+00:00"}


def test_a_value_that_cannot_be_stored_is_a_rejected_record(store: Store) -> None:
    bad = PredictionRecord("bad", T0, "m", "1", {"x": object()}, "a", 0.5, 1.0)
    with pytest.raises(RecordRejectedError, match="log_predictions failed on "):
        store.log_predictions([bad])
    assert store.read_window("m").empty
    store.log_predictions([_rec(1)])
    with pytest.raises(RecordRejectedError, match="add_labels failed on "):
        store.add_labels([LabelRecord("r0001", object(), T0)])


# -- the alert cooldown and the jobs' locks: what two runs at once may do --------------------
def test_claim_alert_is_the_cooldown(store: Store) -> None:
    hour = timedelta(hours=1)
    assert store.claim_alert("m:x", T0, hour)
    assert not store.claim_alert("m:x", T0 + timedelta(minutes=59), hour)
    assert store.claim_alert("m:y", T0, hour)  # per fingerprint
    assert store.claim_alert("m:x", T0 + hour, hour)
    # A claim whose alert no channel took is released: the next run may send it.
    store.release_alert("m:x", T0 + hour)
    assert store.claim_alert("m:x", T0 + hour + timedelta(minutes=1), hour)


def test_released_claim_falls_back_to_the_last_stored_send(store: Store) -> None:
    run = store.save_run("m", "1", {"n_rows": 1, "alerts": []})
    store.save_alerts(run, [{"fingerprint": "m:x", "kind": "k", "severity": "warning",
                             "message": "m", "sent": True}])  # fmt: skip
    sent = store.last_alert_sent("m:x")
    assert sent is not None
    assert not store.claim_alert("m:x", sent + timedelta(minutes=30), timedelta(hours=1))
    later = sent + timedelta(hours=2)
    assert store.claim_alert("m:x", later, timedelta(hours=1))
    store.release_alert("m:x", later)
    assert not store.claim_alert("m:x", sent + timedelta(minutes=30), timedelta(hours=1))


def test_two_claims_at_once_exactly_one_wins(store: Store) -> None:
    # Fails on the check-then-record cooldown: both runs read "never sent", both send.
    import threading

    for attempt in range(5):
        fingerprint = f"m:race{attempt}"
        start = threading.Barrier(8)
        wins: list[bool] = []

        def claim(
            fp: str = fingerprint, go: threading.Barrier = start, out: list[bool] = wins
        ) -> None:
            go.wait()
            out.append(store.claim_alert(fp, T0, timedelta(hours=1)))

        threads = [threading.Thread(target=claim) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(wins) == [False] * 7 + [True]


def test_a_job_lock_admits_one_run_per_model_and_job(store: Store) -> None:
    import threading

    from driftlab.errors import JobLockedError

    with store.lock("m", "monitor"):
        refused: list[BaseException] = []

        def second() -> None:
            try:
                with store.lock("m", "monitor"):
                    pass
            except JobLockedError as e:
                refused.append(e)

        t = threading.Thread(target=second)
        t.start()
        t.join()
        [err] = refused
        assert isinstance(err, StoreError)
        assert (err.model_name, err.job) == ("m", "monitor")
        assert re.search(r"another 'monitor' of model 'm' is running \(.*pid \d+", str(err))
        with store.lock("m", "retrain"), store.lock("other", "monitor"):
            pass  # other jobs, other models: not blocked
    with store.lock("m", "monitor"):  # released
        pass


def test_a_waiting_run_gets_the_lock_once_it_is_released(store: Store) -> None:
    import threading

    held, release, got = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with store.lock("m", "retrain"):
            held.set()
            release.wait(10)

    t = threading.Thread(target=first)
    t.start()
    assert held.wait(10)
    release.set()
    with store.lock("m", "retrain", wait_s=10):
        got.set()
    t.join()
    assert got.is_set()


_HOLD_LOCK = """
import sys
from driftlab.store.sql import SqlStore
store = SqlStore(sys.argv[1], create=False)
with store.lock("m", "monitor"):
    print("held", flush=True)
    sys.stdin.readline()
"""


def test_a_job_lock_holds_across_processes_and_dies_with_its_holder(
    store: Store, tmp_path: Path
) -> None:
    # The SQLite lock is an flock next to the file, PostgreSQL's an advisory lock: both are
    # dropped by the kernel or the server when the holding process dies.
    import subprocess
    import sys

    from driftlab.errors import JobLockedError

    if isinstance(store, MemoryStore):
        pytest.skip("one process by definition")
    child = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, store.url],  # type: ignore[attr-defined]
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        with pytest.raises(JobLockedError, match=rf"pid {child.pid}\b"), store.lock("m", "monitor"):
            pass
    finally:
        child.kill()
        child.wait()
        for f in (child.stdin, child.stdout):
            if f is not None:
                f.close()
    with store.lock("m", "monitor", wait_s=10):
        pass


def test_window_span_is_where_the_last_n_window_lies(store: Store) -> None:
    store.log_predictions([_rec(i, version="1" if i < 12 else "2") for i in range(30)])
    store.log_predictions([_rec(900, model="other")])
    span = store.window_span("m", last_n=20)
    assert (span.n_rows, span.versions, span.main_version()) == (20, {"1": 2, "2": 18}, "2")
    assert span.first == (T0 + timedelta(seconds=10), "r0010")
    assert span.last == (T0 + timedelta(seconds=29), "r0029")
    assert store.window_span("m", last_n=100).n_rows == 30  # fewer rows than asked: all
    assert store.window_span("m", last_n=5, model_version="1").first == (
        T0 + timedelta(seconds=7), "r0007",
    )  # fmt: skip
    ranged = store.window_span("m", start=T0 + timedelta(seconds=3), end=T0 + timedelta(seconds=8))
    assert (ranged.n_rows, ranged.start, ranged.end) == (
        5, T0 + timedelta(seconds=3), T0 + timedelta(seconds=7),
    )  # fmt: skip
    empty = store.window_span("nobody", last_n=10)
    assert (empty.n_rows, empty.first, empty.main_version()) == (0, None, None)
    assert list(store.iter_window("nobody", span=empty)) == []


def test_iter_window_with_a_span_streams_that_window_only(store: Store) -> None:
    store.log_predictions([_rec(i) for i in range(40)])
    span = store.window_span("m", last_n=23)
    pages = store.iter_window("m", chunk_rows=5, span=span)
    first = next(pages)
    # Pages are read on demand: rows logged after the first page was read come later in a
    # stream without a span, never into the span's window.
    store.log_predictions([_rec(i) for i in range(40, 45)])
    rest = list(pages)
    assert [len(p) for p in [first, *rest]] == [5, 5, 5, 5, 3]
    ids = [r for p in [first, *rest] for r in p["request_id"]]
    assert ids == [f"r{i:04d}" for i in range(17, 40)]
    assert sum(len(p) for p in store.iter_window("m", chunk_rows=5)) == 45
    lazy = store.iter_window("m", chunk_rows=10)
    next(lazy)
    store.log_predictions([_rec(i) for i in range(45, 50)])
    assert sum(len(p) for p in lazy) == 40  # 50 rows, the first 10 read before the last 5
