"""The API over real HTTP on 127.0.0.1: validation, logging, feedback, limits, hot reload."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from driftlab.config import Project
from driftlab.model import ModelBundle
from driftlab.registry import CHAMPION, MemoryRegistry
from driftlab.scenarios.ames import TARGET, AmesScenario
from driftlab.serve import create_app
from driftlab.store.sql import SqlStore
from tests.live import LiveServer
from tests.waiting import wait_for


@pytest.fixture
def api(
    project: Project, registry: MemoryRegistry, tmp_path
) -> Iterator[tuple[httpx.Client, SqlStore, MemoryRegistry]]:
    store = SqlStore(f"sqlite:///{tmp_path / 'store.db'}")
    fast = project.model_copy(
        update={
            "serve": project.serve.model_copy(
                update={"reload_interval_s": 0.2, "max_body_bytes": 64_000}
            )
        }
    )
    with (
        LiveServer(create_app(fast, store, registry)) as live,
        httpx.Client(base_url=live.url, timeout=30) as client,
    ):
        yield client, store, registry


def _record(ames: AmesScenario, i: int = 0) -> dict[str, Any]:
    rec = ames.normal.drop(columns=[TARGET]).iloc[i].to_dict()
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in rec.items()}


def test_predict_one_record_is_answered_and_logged(api, ames: AmesScenario) -> None:
    client, store, _ = api
    resp = client.post("/v1/predict", json=_record(ames))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["prediction"] in ("high", "low")
    assert 0.5 <= body["probability"] <= 1.0
    assert set(body["probabilities"]) == {"high", "low"}
    assert body["model_version"] == "1" and len(body["request_id"]) == 32
    # Written off the request path: wait for the drain (its child may still be starting).
    frame = wait_for(
        lambda: store.read_window("ames-housing"), lambda f: not f.empty, what="the row logged"
    )
    row = frame.iloc[0]
    assert row["request_id"] == body["request_id"]
    assert row["Gr_Liv_Area"] == _record(ames)["Gr_Liv_Area"]
    assert row["latency_ms"] > 0


def test_predict_list_gives_one_answer_per_record(api, ames: AmesScenario) -> None:
    client, _, _ = api
    resp = client.post("/v1/predict", json=[_record(ames, i) for i in range(5)])
    assert resp.status_code == 200
    preds = resp.json()["predictions"]
    assert len(preds) == 5 and len({p["request_id"] for p in preds}) == 5


@pytest.mark.parametrize(
    ("mutate", "field", "problem"),
    [
        (lambda r: r.pop("Gr_Liv_Area"), "Gr_Liv_Area", "required field is missing"),
        (lambda r: r.update(Pool_Size=3), "Pool_Size", "unknown field"),
        (lambda r: r.update(Gr_Liv_Area="big"), "Gr_Liv_Area", "valid"),
        (lambda r: r.update(Neighborhood=12), "Neighborhood", "valid string"),
        (lambda r: r.update(Gr_Liv_Area=True), "Gr_Liv_Area", "valid"),
    ],
)
def test_bad_record_is_422_naming_the_field(api, ames, mutate, field, problem) -> None:
    client, store, _ = api
    rec = _record(ames)
    mutate(rec)
    resp = client.post("/v1/predict", json=rec)
    assert resp.status_code == 422
    body = resp.json()
    assert body["error"] == "request body is not valid"
    assert any(p["field"] == field and problem in p["problem"] for p in body["problems"]), body
    assert store.read_window("ames-housing").empty  # nothing half-written


def test_bad_record_in_a_list_names_its_index(api, ames) -> None:
    client, _, _ = api
    recs = [_record(ames, 0), _record(ames, 1)]
    recs[1].pop("Lot_Area")
    body = client.post("/v1/predict", json=recs).json()
    assert body["problems"] == [
        {"field": "Lot_Area", "problem": "required field is missing", "record": 1}
    ]


@pytest.mark.parametrize(
    ("content", "status", "fragment"),
    [
        (b"", 400, "request body is empty"),
        (b"{not json", 400, "not valid JSON"),
        (b"[]", 422, "list of records is empty"),
        (b"42", 422, "send one record as a JSON object"),
    ],
)
def test_empty_or_non_json_body(api, content: bytes, status: int, fragment: str) -> None:
    client, _, _ = api
    resp = client.post("/v1/predict", content=content, headers={"content-type": "application/json"})
    assert resp.status_code == status
    assert fragment in resp.json()["error"]


def test_body_over_limit_is_413_declared_or_chunked(api) -> None:
    client, _, _ = api
    big = json.dumps({"x": "y" * 100_000}).encode()
    resp = client.post("/v1/predict", content=big, headers={"content-type": "application/json"})
    assert resp.status_code == 413 and resp.json()["limit_bytes"] == 64_000

    def chunks() -> Iterator[bytes]:
        for _ in range(20):
            yield b" " * 8_000  # no Content-Length: sent chunked

    resp = client.post(
        "/v1/predict", content=chunks(), headers={"content-type": "application/json"}
    )
    assert resp.status_code == 413
    assert "too large" in resp.json()["error"]


def test_feedback_joins_by_request_id_and_unknown_is_404(api, ames) -> None:
    client, store, _ = api
    rid = client.post("/v1/predict", json=_record(ames)).json()["request_id"]
    # Sent immediately: the prediction may still be queued; feedback must still find it.
    first = client.post("/v1/feedback", json={"request_id": rid, "label": "high"}).json()
    assert first == {"accepted": 1, "new": 1, "changed": 0, "unchanged": 0}
    labeled = store.read_window("ames-housing", labeled_only=True)
    assert labeled["label"].tolist() == ["high"]
    # A replay is idempotent; a different label is a correction, recorded as such.
    replay = client.post("/v1/feedback", json=[{"request_id": rid, "label": "high"}]).json()
    assert replay == {"accepted": 1, "new": 0, "changed": 0, "unchanged": 1}
    fixed = client.post("/v1/feedback", json={"request_id": rid, "label": "low"}).json()
    assert fixed["changed"] == 1
    assert store.read_window("ames-housing", labeled_only=True)["label"].tolist() == ["low"]
    resp = client.post("/v1/feedback", json=[{"request_id": "nope", "label": "low"}])
    assert resp.status_code == 404 and "never logged: nope" in resp.json()["error"]
    resp = client.post("/v1/feedback", json={"request_id": rid})
    assert resp.status_code == 422 and resp.json()["problems"][0]["field"] == "label"


def test_error_answers_are_logged_for_the_error_rate(api, ames) -> None:
    client, store, _ = api
    client.post("/v1/predict", json={"nope": 1})
    client.post("/v1/feedback", json={"request_id": "unknown", "label": "high"})
    counts = wait_for(
        lambda: store.count_errors("ames-housing"), lambda c: c["4xx"] >= 2, what="errors logged"
    )
    assert counts == {"4xx": 2, "5xx": 0}


def test_model_health_metrics(api, ames) -> None:
    client, _, _ = api
    client.post("/v1/predict", json=_record(ames))
    model = client.get("/v1/model").json()
    assert model["version"] == "1" and model["positive_class"] == "high"
    assert client.get("/health").json()["status"] == "ok"
    text = client.get("/metrics").text
    assert 'driftlab_predictions_total{model_version="1"} 1.0' in text
    assert "driftlab_prediction_latency_seconds_bucket" in text
    assert 'driftlab_http_requests_total{route="/v1/predict",status="200"}' in text


def test_new_champion_is_picked_up_without_restart(api, ames, bundle: ModelBundle) -> None:
    client, _, registry = api
    assert client.post("/v1/predict", json=_record(ames)).json()["model_version"] == "1"
    v2 = registry.register(bundle)
    registry.set_alias(bundle.info.name, CHAMPION, v2)
    version = wait_for(
        lambda: client.post("/v1/predict", json=_record(ames)).json()["model_version"],
        lambda v: v == v2,
        what="the new champion served",
        interval_s=0.1,
    )
    assert version == "2"


def test_openapi_documents_record_schema(api) -> None:
    client, _, _ = api
    spec = client.get("/openapi.json").json()
    schema = spec["paths"]["/v1/predict"]["post"]["requestBody"]["content"]["application/json"]
    props = schema["schema"]["oneOf"][0]["properties"]
    assert "Gr_Liv_Area" in props and "Neighborhood" in props


def test_no_champion_answers_503(project: Project, tmp_path, ames) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'store.db'}")
    with LiveServer(create_app(project, store, MemoryRegistry())) as live:
        resp = httpx.post(f"{live.url}/v1/predict", json=_record(ames))
        assert resp.status_code == 503 and "no champion" in resp.json()["error"]
        assert httpx.get(f"{live.url}/health").status_code == 503


@pytest.mark.parametrize(
    ("content", "status"),
    [
        (b'{"Gr_Liv_Area": NaN}', 400),
        (b'{"Gr_Liv_Area": Infinity}', 400),
        (b'["\\ud800"]', 400),
        (b'["\xed\xa0\x80"]', 400),  # the same lone surrogate, UTF-8-encoded, not escaped
    ],
)
def test_non_finite_numbers_and_broken_text_are_refused(api, content: bytes, status: int) -> None:
    client, _, _ = api
    resp = client.post("/v1/predict", content=content, headers={"content-type": "application/json"})
    assert resp.status_code == status and "error" in resp.json()


def test_overflowing_number_is_a_422_naming_the_field(api, ames) -> None:
    client, _, _ = api
    rec = _record(ames)
    rec["Gr_Liv_Area"] = 1e400  # json.dumps writes Infinity; send the literal digits instead
    body = json.dumps(rec).replace("Infinity", "1e400").encode()
    resp = client.post("/v1/predict", content=body, headers={"content-type": "application/json"})
    assert resp.status_code == 422
    assert resp.json()["problems"][0]["field"] == "Gr_Liv_Area"


def test_label_outside_the_model_classes_is_refused(api, ames) -> None:
    client, store, _ = api
    rid = client.post("/v1/predict", json=_record(ames)).json()["request_id"]
    resp = client.post("/v1/feedback", json={"request_id": rid, "label": "medium"})
    assert resp.status_code == 422
    assert "not one of the model's classes: high, low" in resp.json()["problems"][0]["problem"]
    assert store.read_window("ames-housing", labeled_only=True).empty


def test_latest_monitoring_run_is_exported_as_gauges(api) -> None:
    client, store, _ = api
    result = {
        "n_rows": 400, "drift_share": 0.5, "status": "drift",
        "features": [{"feature": "Gr_Liv_Area", "test": "ks", "psi": 2.11, "p_adjusted": 1e-9,
                      "drifted": True}],
        "performance": {"metrics": {"roc_auc": 0.95}, "reference_metrics": {"roc_auc": 0.98}},
        "estimated": {"metrics": {"roc_auc": 0.96}},
        "alerts": [{"kind": "data_drift"}, {"kind": "data_drift"}],
    }  # fmt: skip
    store.save_run("ames-housing", "1", result)
    text = client.get("/metrics").text
    assert 'driftlab_feature_psi{feature="Gr_Liv_Area"} 2.11' in text
    assert 'driftlab_feature_drifted{feature="Gr_Liv_Area"} 1.0' in text
    assert "driftlab_drift_share 0.5" in text
    assert 'driftlab_model_metric{metric="roc_auc",source="estimated"} 0.96' in text
    assert 'driftlab_monitor_alerts{kind="data_drift"} 2.0' in text


def test_a_label_for_a_stored_prediction_does_not_wait_for_the_log(
    project: Project, registry: MemoryRegistry, ames: AmesScenario, tmp_path
) -> None:
    """Feedback writes the log's queue first only when a label names a prediction that is
    not yet in the store; otherwise it must not wait on the drain (a drain child starting on
    a busy machine held the first feedback for seconds)."""
    store = SqlStore(f"sqlite:///{tmp_path / 'store.db'}")
    app = create_app(project, store, registry)
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=30) as client:
        rid = client.post("/v1/predict", json=_record(ames)).json()["request_id"]
        wait_for(lambda: store.known_requests([rid]), what="the prediction stored")
        flushes = []
        original = app.state.logger.flush

        async def counted() -> None:
            flushes.append(1)
            await original()

        app.state.logger.flush = counted
        assert (
            client.post("/v1/feedback", json={"request_id": rid, "label": "low"}).status_code == 200
        )
        assert flushes == []
        # A label for a prediction still queued: the queue is written first, then it is taken.
        app.state.logger.drainer.wake.clear()
        late = client.post("/v1/predict", json=_record(ames, 1)).json()["request_id"]
        resp = client.post("/v1/feedback", json={"request_id": late, "label": "high"})
        assert resp.status_code == 200, resp.text
        assert len(flushes) <= 1
