"""The SQLAlchemy store on real SQLite and (when configured) real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from driftlab.errors import StoreError, UnknownRequestError
from driftlab.store import LabelRecord, PredictionRecord, SqlStore
from driftlab.store.sql import label_changes

T0 = datetime(2026, 1, 1, tzinfo=UTC)


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


def test_log_is_idempotent_by_request_id(store: SqlStore) -> None:
    assert store.log_predictions([_rec(i) for i in range(10)]) == 10
    # A replay of the same batch plus two new rows adds only the new ones.
    assert store.log_predictions([_rec(i) for i in range(12)]) == 2
    frame = store.read_window("m")
    assert len(frame) == 12
    assert frame["request_id"].is_unique


def test_read_window_last_n_and_time_range_oldest_first(store: SqlStore) -> None:
    store.log_predictions([_rec(i) for i in range(20)] + [_rec(100, model="other")])
    last = store.read_window("m", last_n=5)
    assert last["request_id"].tolist() == [f"r{i:04d}" for i in range(15, 20)]
    assert last["x"].tolist() == [15.0, 16.0, 17.0, 18.0, 19.0]
    ranged = store.read_window("m", start=T0 + timedelta(seconds=3), end=T0 + timedelta(seconds=6))
    assert ranged["request_id"].tolist() == ["r0003", "r0004", "r0005"]
    assert ranged["ts"].iloc[0] == T0 + timedelta(seconds=3)


def test_labels_join_by_request_id_and_last_label_wins(store: SqlStore) -> None:
    store.log_predictions([_rec(i) for i in range(5)])
    first = store.add_labels([LabelRecord("r0001", "low", T0), LabelRecord("r0002", "high", T0)])
    assert (first.new, first.changed, first.unchanged) == (2, 0, 0)
    again = store.add_labels([LabelRecord("r0001", "high", T0 + timedelta(hours=1)),
                              LabelRecord("r0002", "high", T0 + timedelta(hours=5))])  # fmt: skip
    assert (again.new, again.changed, again.unchanged) == (0, 1, 1)
    # The replayed label kept its first time; the corrected one is in the change log.
    stamps = store.read_window("m").set_index("request_id")["label_ts"]
    assert stamps["r0002"] == T0
    with store.engine.connect() as conn:
        log = conn.execute(sa.select(label_changes.c.old_label, label_changes.c.new_label)).all()
    assert [tuple(r) for r in log] == [("low", "high")]
    frame = store.read_window("m").set_index("request_id")
    assert frame.loc["r0001", "label"] == "high"
    assert frame.loc["r0002", "label"] == "high"
    assert frame["label"].isna().sum() == 3
    assert len(store.read_window("m", labeled_only=True)) == 2


def test_unknown_request_id_rejects_whole_batch(store: SqlStore) -> None:
    store.log_predictions([_rec(1)])
    with pytest.raises(UnknownRequestError, match=r"1 request id\(s\) were never logged: nope"):
        store.add_labels([LabelRecord("r0001", "low", T0), LabelRecord("nope", "low", T0)])
    assert store.read_window("m", labeled_only=True).empty  # nothing half-written


def test_runs_alerts_and_decisions(store: SqlStore) -> None:
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
    assert store.decisions("m")[0]["reason"] == "better"
    with pytest.raises(StoreError, match="no monitoring run with id 999"):
        store.get_run(999)


def test_unwritable_sqlite_path_is_a_clear_error(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="cannot create the folder for the SQLite store"):
        SqlStore(f"sqlite:///{blocker}/sub/store.db")


def test_password_never_in_error(tmp_path) -> None:
    with pytest.raises(StoreError) as info:
        SqlStore("postgresql+psycopg://user:s3cret@127.0.0.1:1/nowhere")
    assert "s3cret" not in str(info.value)


def test_window_bounds_in_other_time_zones_mean_the_same_instant(store: SqlStore) -> None:
    store.log_predictions([_rec(i) for i in range(10)])
    plus2 = timezone(timedelta(hours=2))
    start = (T0 + timedelta(seconds=2)).astimezone(plus2)
    end = (T0 + timedelta(seconds=7)).astimezone(plus2)
    assert len(store.read_window("m", start=start, end=end)) == 5


def test_iter_window_pages_through_every_row_once_in_order(store: SqlStore) -> None:
    store.log_predictions([_rec(i) for i in range(23)] + [_rec(500, model="other")])
    pages = list(store.iter_window("m", chunk_rows=5))
    assert [len(p) for p in pages] == [5, 5, 5, 5, 3]
    ids = [r for p in pages for r in p["request_id"]]
    assert ids == [f"r{i:04d}" for i in range(23)]
    ranged = list(store.iter_window("m", start=T0 + timedelta(seconds=20), chunk_rows=5))
    assert [len(p) for p in ranged] == [3]


def test_profile_from_store_equals_profile_of_the_whole_window(store: SqlStore) -> None:
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


def test_non_finite_probability_and_offset_times_are_stored_alike(store: SqlStore) -> None:
    # The same records on SQLite and PostgreSQL: NaN and inf become null (not NaN on one and
    # null on the other), and a time with an offset is the same instant on both.
    from driftlab.store.base import PredictionRecord

    plus2 = timezone(timedelta(hours=2))
    when = datetime(2026, 1, 1, 3, 4, tzinfo=plus2)
    recs = [
        PredictionRecord("nan", when, "m", "1", {"x": 1.0}, "a", float("nan"), 1.0),
        PredictionRecord("inf", when, "m", "1", {"x": 1.0}, "a", float("inf"), 1.0),
    ]
    assert store.log_predictions(recs) == 2
    with store.engine.connect() as conn:
        nulls = conn.execute(sa.text("SELECT count(*) FROM predictions WHERE probability IS NULL"))
        assert nulls.scalar() == 2
    frame = store.read_window("m").set_index("request_id")
    assert {t.isoformat() for t in frame["ts"]} == {"2026-01-01T01:04:00+00:00"}


def test_json_columns_hold_the_same_text_on_every_database(store: SqlStore) -> None:
    # Each database has its own fast insert (an executemany on SQLite, arrays on PostgreSQL):
    # both must write what SQLAlchemy's JSON type writes (non-finite numbers as null, None as
    # JSON null, text as UTF-8), and count only the rows they inserted.
    from driftlab.store.base import PredictionRecord

    recs = [
        PredictionRecord("a", T0, "m", "1", {"x": float("nan"), "c": "é \"q\""}, 3.5, None,
                         1.0, None, {"sex": "f"}),
        PredictionRecord("b", T0, "m", "1", {"x": 2}, "yes", 0.5, 1.0, {"yes": 0.5}, None),
    ]  # fmt: skip
    assert store.log_predictions(recs) == 2
    assert store.log_predictions([*recs, _rec(1)]) == 1
    # As text: SQLite gives a JSON number back as a number (the column's numeric affinity).
    names = ("features", "prediction", "probabilities", "attributes")
    cols = ", ".join(f"CAST({c} AS TEXT)" for c in names)
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text(f"SELECT {cols} FROM predictions ORDER BY request_id"))
        got = [tuple(r) for r in rows][:2]
    assert got == [
        ('{"x":null,"c":"é \\"q\\""}', "3.5", "null", '{"sex":"f"}'),
        ('{"x":2}', '"yes"', '{"yes":0.5}', "null"),
    ]
