"""The store's read-only views behind the dashboard and the report, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import driftlab.dashboard
import driftlab.report
from driftlab.errors import StoreError, UnknownRunError
from driftlab.store import PredictionRecord
from driftlab.store.sql import SqlStore


def _predict(store: SqlStore, model: str, version: str, n: int, start: datetime) -> None:
    store.log_predictions([
        PredictionRecord(f"{model}-{version}-{i}", start + timedelta(minutes=i), model, version,
                         {"x": i}, "a", 0.5, 1.0)
        for i in range(n)
    ])  # fmt: skip


def test_model_versions_count_predictions_per_model_and_version(store: SqlStore) -> None:
    t0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    _predict(store, "m", "1", 3, t0)
    _predict(store, "m", "2", 2, t0 + timedelta(days=1))
    _predict(store, "other", "1", 1, t0)
    assert [v.to_dict() for v in store.model_versions()] == [
        {"model_name": "m", "model_version": "1", "n_predictions": 3,
         "first_ts": "2026-11-01T12:00:00+00:00", "last_ts": "2026-11-01T12:02:00+00:00"},
        {"model_name": "m", "model_version": "2", "n_predictions": 2,
         "first_ts": "2026-11-02T12:00:00+00:00", "last_ts": "2026-11-02T12:01:00+00:00"},
        {"model_name": "other", "model_version": "1", "n_predictions": 1,
         "first_ts": "2026-11-01T12:00:00+00:00", "last_ts": "2026-11-01T12:00:00+00:00"},
    ]  # fmt: skip


def test_alert_log_is_per_model_newest_first_with_delivery(store: SqlStore) -> None:
    def alert(kind: str, subject: str, sent: bool) -> dict:
        return {"kind": kind, "severity": "warning", "subject": subject, "message": kind,
                "fingerprint": f"m:{kind}:{subject}", "sent": sent}  # fmt: skip

    first = store.save_run("m", "1", {"n_rows": 1, "alerts": []})
    store.save_alerts(first, [alert("data_drift", "x", True)])
    other = store.save_run("other", "1", {"n_rows": 1, "alerts": []})
    store.save_alerts(other, [alert("data_drift", "y", True)])
    second = store.save_run("m", "1", {"n_rows": 1, "alerts": []})
    store.save_alerts(second, [alert("data_drift", "x", False), alert("resolved", "z", True)])
    log = [a.to_dict() for a in store.alert_log("m")]
    assert [(a["run_id"], a["kind"], a["sent"]) for a in log] == [
        (second, "resolved", True), (second, "data_drift", False), (first, "data_drift", True)
    ]  # fmt: skip
    assert set(log[0]) == {"id", "run_id", "ts", "fingerprint", "kind", "severity", "subject",
                           "message", "sent"}  # fmt: skip
    assert datetime.fromisoformat(log[0]["ts"]).tzinfo is not None
    assert len(store.alert_log("m", limit=1)) == 1


def test_runs_until_an_id_give_a_run_and_its_past(store: SqlStore) -> None:
    ids = [store.save_run(m, "1", {"n_rows": 1, "alerts": []}) for m in ("m", "x", "m", "m")]
    assert [r.id for r in store.runs("m", until_id=ids[2])] == [ids[2], ids[0]]
    assert [r.id for r in store.runs("m", limit=1, until_id=ids[3])] == [ids[3]]
    assert [r.id for r in store.runs(until_id=ids[1])] == [ids[1], ids[0]]


def test_an_unknown_run_is_a_lookup_error(store: SqlStore) -> None:
    with pytest.raises(UnknownRunError, match="no monitoring run with id 7") as info:
        store.get_run(7)
    assert isinstance(info.value, StoreError) and isinstance(info.value, LookupError)


def test_exported_names_are_exactly_the_intended_ones() -> None:
    assert set(driftlab.dashboard.__all__) == {"PREFIX", "build_router", "create_dashboard_app"}
    assert set(driftlab.report.__all__) == {
        "SCHEMA_VERSION", "ReportData", "load_report", "render_json", "render_report",
        "write_report",
    }  # fmt: skip
    for mod in (driftlab.dashboard, driftlab.report):
        for name in mod.__all__:
            assert hasattr(mod, name)
