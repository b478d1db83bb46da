"""The SQLAlchemy store on real SQLite and (when configured) real PostgreSQL: what only a
database does (its schema, its text, its failures). What every store does is in
test_contract.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa

from driftlab.errors import RecordRejectedError, StoreError, StoreUnavailableError
from driftlab.store import ErrorRecord, LabelRecord, PredictionRecord
from driftlab.store.sql import SqlStore

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


def test_unwritable_sqlite_path_is_a_clear_error(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="cannot create the folder for the SQLite store"):
        SqlStore(f"sqlite:///{blocker}/sub/store.db")


def test_password_never_in_error(tmp_path) -> None:
    with pytest.raises(StoreError) as info:
        SqlStore("postgresql+psycopg://user:s3cret@127.0.0.1:1/nowhere")
    assert "s3cret" not in str(info.value)


def test_non_finite_probability_and_offset_times_are_stored_alike(store: SqlStore) -> None:
    # The same records on SQLite and PostgreSQL: NaN and inf become null (not NaN on one and
    # null on the other), and a time with an offset is the same instant on both.
    from driftlab.store import PredictionRecord

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
    from driftlab.store import PredictionRecord

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


def test_a_record_the_database_refuses_is_a_rejected_record(store: SqlStore) -> None:
    # model_name is NOT NULL: an IntegrityError on both databases, whichever insert runs.
    bad = PredictionRecord("bad", T0, None, "1", {"x": 1.0}, "a", 0.5, 1.0)  # type: ignore[arg-type]
    with pytest.raises(RecordRejectedError, match=r"^log_predictions failed on \S+: ") as info:
        store.log_predictions([_rec(1), bad])
    assert isinstance(info.value.__cause__, sa.exc.IntegrityError)
    assert store.known_requests(["r0001"]) == set()  # the batch is one transaction
    with pytest.raises(RecordRejectedError, match="log_errors failed on"):
        store.log_errors([ErrorRecord(T0, None, "/v1/predict", 500)])  # type: ignore[arg-type]
    if store.dialect == "postgresql":  # SQLite does not enforce VARCHAR lengths
        with pytest.raises(RecordRejectedError) as info:
            store.log_predictions([replace(_rec(2), request_id="x" * 65)])
        assert isinstance(info.value.__cause__, sa.exc.DataError)


def test_a_store_that_cannot_write_now_is_unavailable(tmp_path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'store.db'}")
    store.log_predictions([_rec(1)])

    @sa.event.listens_for(store.engine, "connect")
    def _read_only(dbapi_conn: Any, _: Any) -> None:
        dbapi_conn.execute("PRAGMA query_only = ON")

    store.engine.dispose()
    calls = {
        "log_predictions": lambda: store.log_predictions([_rec(2)]),
        "add_labels": lambda: store.add_labels([LabelRecord("r0001", "low", T0)]),
        "log_errors": lambda: store.log_errors([ErrorRecord(T0, "m", "/v1/predict", 500)]),
    }
    for name, call in calls.items():
        with pytest.raises(StoreUnavailableError, match=f"^{name} failed on sqlite:///") as info:
            call()
        assert isinstance(info.value.__cause__, sa.exc.OperationalError)
    assert store.known_requests(["r0001"]) == {"r0001"}  # reads still work
    store.close()


def test_an_unreachable_server_is_unavailable_and_hides_the_password() -> None:
    store = SqlStore("postgresql+psycopg://user:s3cret@127.0.0.1:1/nowhere", create=False)
    for call in (lambda: store.log_predictions([_rec(1)]), lambda: store.read_window("m")):
        with pytest.raises(StoreUnavailableError) as info:
            call()
        assert "s3cret" not in str(info.value)
    store.close()
