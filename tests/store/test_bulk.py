"""The bulk paths of the store (a batch job's chunks, a label file in one load) on SQLite,
PostgreSQL (when configured) and the in-memory store: every row once, duplicates skipped as
by the small paths, labels joined, bad rows named and nothing half-written."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from driftlab.errors import DataError, RecordRejectedError, UnknownRequestError
from driftlab.store import LabelRecord, MemoryStore, PredictionGroup, Store
from driftlab.store.sql.ingest import BULK_ROWS
from tests.conftest import POSTGRES_ENV, _store_params, postgres_schema

T0 = datetime(2026, 1, 1, tzinfo=UTC)
N = BULK_ROWS + 500  # a chunk as batch jobs write it: COPY on PostgreSQL


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


def _group(lo: int, hi: int, *, bad: int | None = None) -> PredictionGroup:
    ids = [f"b{i:06d}" for i in range(lo, hi)]
    feats = [{"x": float(i), "c": "a" if i % 2 else None, "n": float("nan")} for i in range(lo, hi)]
    if bad is not None:
        feats[bad - lo]["x"] = object()  # nothing JSON can hold
    return PredictionGroup(
        ts=T0, model_name="m", model_version="1", latency_ms=0.5, request_ids=ids,
        features=feats, predictions=["yes" if i % 3 else "no" for i in range(lo, hi)],
        probability=[0.75] * len(ids),
        probabilities=[{"no": 0.25, "yes": 0.75}] * len(ids),
        attributes=[{"sex": "f"} if i % 2 else None for i in range(lo, hi)],
    )  # fmt: skip


def test_a_chunk_is_stored_once_and_a_replay_adds_only_new_ids(store: Store) -> None:
    assert store.log_predictions(_group(0, N)) == N
    # A re-run of the job with more rows: stored ids are skipped (on PostgreSQL, COPY meets
    # a stored id and the rows go through a staging table instead).
    assert store.log_predictions(_group(N - 100, N + 50)) == 50
    frame = store.read_window("m")
    assert len(frame) == N + 50 and frame["request_id"].is_unique
    row = frame.set_index("request_id").loc["b000007"]
    assert (row["x"], row["c"], row["sex"], row["prediction"]) == (7.0, "a", "f", "yes")
    assert row["probability"] == 0.75 and pd.isna(row["n"])  # NaN is stored as null
    assert pd.isna(frame.set_index("request_id").loc["b000008", "c"])


def test_a_value_json_cannot_hold_names_its_row_and_field_and_loses_the_chunk_only(
    store: Store,
) -> None:
    assert store.log_predictions(_group(0, 10)) == 10
    with pytest.raises(RecordRejectedError, match=r"request 'b000123': features 'x' value"):
        store.log_predictions(_group(10, N, bad=123))
    # What was acknowledged before stays; nothing of the refused chunk was written.
    assert sorted(store.read_window("m")["request_id"]) == [f"b{i:06d}" for i in range(10)]


def _labels(ids: range, label: str, ts: datetime = T0) -> list[LabelRecord]:
    return [LabelRecord(f"b{i:06d}", label, ts) for i in ids]


def test_load_labels_joins_by_request_id_like_add_labels(store: Store) -> None:
    store.log_predictions(_group(0, N))
    oracle = MemoryStore()
    oracle.log_predictions(_group(0, N))
    first = _labels(range(0, 1000), "no")
    for s in (store, oracle):
        assert s.add_labels(first).new == 1000
    # Replays (unchanged), corrections (changed, and the later one within the load wins)
    # and new labels, in three chunks.
    chunks = [
        _labels(range(0, 600), "no"),
        _labels(range(500, 1000), "yes", T0 + timedelta(hours=1))
        + _labels(range(1000, 3000), "no"),
        _labels(range(900, 950), "no", T0 + timedelta(hours=2)),
    ]  # fmt: skip
    got, want = store.load_labels(iter(chunks)), oracle.load_labels(iter(chunks))
    assert (got.new, got.changed, got.unchanged) == (want.new, want.changed, want.unchanged)
    assert (got.new, got.changed, got.unchanged) == (2000, 450, 550)
    frame = store.read_window("m", labeled_only=True).set_index("request_id")
    expected = oracle.read_window("m", labeled_only=True).set_index("request_id")
    assert len(frame) == 3000
    assert frame["label"].to_dict() == expected["label"].to_dict()
    assert frame.loc["b000920", "label"] == "no" and frame.loc["b000960", "label"] == "yes"
    assert frame.loc["b000100", "label_ts"] == T0  # a replay keeps its first time
    assert frame.loc["b000960", "label_ts"] == T0 + timedelta(hours=1)


def test_load_labels_beyond_postgresql_parameter_limit(store: Store) -> None:
    n = 70_000  # an IN list of every id stopped at 65,535 parameters
    for lo in range(0, n, N):
        store.log_predictions(_group(lo, min(lo + N, n)))
    out = store.load_labels(
        _labels(range(lo, min(lo + 20_000, n)), "yes") for lo in range(0, n, 20_000)
    )
    assert (out.new, out.changed, out.unchanged) == (n, 0, 0)
    assert len(store.read_window("m", labeled_only=True)) == n
    # The same file again through add_labels, which hands large lists to the bulk path.
    again = store.add_labels(_labels(range(n), "yes"))
    assert (again.new, again.changed, again.unchanged) == (0, 0, n)


def test_an_unknown_id_anywhere_loads_nothing_and_says_where(store: Store) -> None:
    store.log_predictions(_group(0, 100))
    chunks = [
        _labels(range(0, 50), "yes"),
        _labels(range(50, 100), "yes") + _labels(range(500, 503), "no"),
    ]
    with pytest.raises(
        UnknownRequestError, match=r"3 request id\(s\) were never logged: b000500"
    ) as e:
        store.load_labels(chunks)
    assert e.value.unknown == [(100, "b000500"), (101, "b000501"), (102, "b000502")]
    assert e.value.count == 3
    assert store.read_window("m", labeled_only=True).empty


def test_an_error_of_the_source_passes_through_and_loads_nothing(store: Store) -> None:
    store.log_predictions(_group(0, 100))

    def chunks() -> Iterator[list[LabelRecord]]:
        yield _labels(range(0, 50), "yes")
        raise DataError("label file x.csv has an empty label on line 60")

    with pytest.raises(DataError, match="empty label on line 60"):
        store.load_labels(chunks())
    assert store.read_window("m", labeled_only=True).empty
    # The store is usable after the failed load (no staging table left behind).
    assert store.load_labels([_labels(range(0, 10), "yes")]).new == 10
