"""Bodies and ids a client can send to make the server fail or stall, over real HTTP on
127.0.0.1: each is answered with a 4xx JSON body naming the problem, never a 500; the work a
bad body causes is bounded; none of them is counted or stored as a 5xx."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from driftlab.config import Project
from driftlab.model import ModelBundle
from driftlab.registry import CHAMPION, MemoryRegistry
from driftlab.scenarios.ames import AmesScenario
from driftlab.serve import create_app
from driftlab.store.sql import SqlStore
from tests.live import LiveServer
from tests.serve.test_api import _record

JSON = {"content-type": "application/json"}
ROUTES = ["/v1/predict", "/v1/feedback"]
LISTED = 20  # problems listed in one 422 (serve/bounds.py MAX_PROBLEMS)


class CountingAdapter:
    """A TypeAdapter that counts the bodies it validates (to show work is bounded)."""

    def __init__(self, adapter: Any) -> None:
        self.adapter = adapter
        self.calls = 0

    def validate_python(self, value: Any) -> Any:
        self.calls += 1
        return self.adapter.validate_python(value)

    def dump_python(self, value: Any) -> Any:
        return self.adapter.dump_python(value)


@pytest.fixture(scope="module")
def served(
    project: Project, bundle: ModelBundle, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[httpx.Client, FastAPI, SqlStore]]:
    registry = MemoryRegistry()
    registry.set_alias(bundle.info.name, CHAMPION, registry.register(bundle))
    # The default body limit (1 MiB): the 80,000-key body is just under it.
    p = project.model_copy(
        update={"serve": project.serve.model_copy(update={"reload_interval_s": 0})}
    )
    store = SqlStore(f"sqlite:///{tmp_path_factory.mktemp('hardening') / 'store.db'}")
    app = create_app(p, store, registry)
    with (
        LiveServer(app) as live,
        httpx.Client(base_url=live.url, timeout=60) as client,
    ):
        yield client, app, store


@pytest.fixture
def counting(served) -> Iterator[tuple[CountingAdapter, CountingAdapter]]:
    _, app, _ = served
    one, many = app.state.record_adapter, app.state.records_adapter
    app.state.record_adapter, app.state.records_adapter = (
        CountingAdapter(one),
        CountingAdapter(many),
    )
    try:
        yield app.state.record_adapter, app.state.records_adapter
    finally:
        app.state.record_adapter, app.state.records_adapter = one, many


def _post(client: httpx.Client, route: str, body: str | bytes) -> httpx.Response:
    raw = body.encode() if isinstance(body, str) else body
    return client.post(route, content=raw, headers=JSON)


def _with(ames: AmesScenario, field: str, raw_value: str) -> str:
    """A valid record as JSON text with ``field``'s value replaced by ``raw_value``."""
    rec = _record(ames)
    rec[field] = "__VALUE__"
    return json.dumps(rec).replace('"__VALUE__"', raw_value)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("sign", ["", "-"])
def test_integer_of_5000_digits_is_400_naming_the_limit(served, ames, route, sign) -> None:
    client, _, _ = served
    resp = _post(client, route, _with(ames, "Gr_Liv_Area", sign + "9" * 5000))
    assert resp.status_code == 400, resp.text
    assert "5,000 digits; the limit is 4,300" in resp.json()["error"]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    "body",
    [
        "[" * 1100 + "]" * 1100,  # past orjson's limit: parsed by the json module, which recurses
        '{"a":' * 1100 + "1" + "}" * 1100,
        '{"Gr_Liv_Area": ' + "[" * 1000 + "]" * 1000 + "}",  # orjson takes it; the echo recursed
        '[{"Gr_Liv_Area": ' + "[" * 200 + "]" * 200 + "}]",
    ],
    ids=["array-1100", "object-1100", "field-1000", "in-list-200"],
)
def test_deep_nesting_is_400(served, route: str, body: str) -> None:
    client, _, _ = served
    resp = _post(client, route, body)
    assert resp.status_code == 400, resp.text[:300]
    assert "more than 64 levels deep" in resp.json()["error"]


def test_non_finite_number_inside_an_echoed_value_is_422(served, ames) -> None:
    client, _, _ = served
    # 1e999 is infinity to the json module; the echo of [inf] could not be written as JSON.
    resp = _post(client, "/v1/predict", _with(ames, "Gr_Liv_Area", "[1e999]"))
    assert resp.status_code == 422, resp.text
    problem = resp.json()["problems"][0]
    assert problem["field"] == "Gr_Liv_Area" and problem["input"] == ["inf"]


@pytest.mark.parametrize("route", ROUTES)
def test_80000_unknown_keys_are_refused_before_validation(served, counting, route) -> None:
    client, _, _ = served
    one, many = counting
    body = json.dumps({f"k{i}": 1 for i in range(80_000)})
    assert 1_000_000 < len(body) < 1_048_576  # an 8.5 MB answer before
    resp = _post(client, route, body)
    assert resp.status_code == 422
    assert len(resp.content) < 4_000
    answer = resp.json()
    assert answer["error"] == "request body is not valid"
    assert len(answer["problems"]) == LISTED
    assert answer["problems"][0] == {
        "field": "k0",
        "problem": "unknown field; remove it or add it to the project's [[features]]",
        "input": 1,
    }
    assert answer["problems_not_shown"] == 80_000 - LISTED
    if route == "/v1/predict":  # refused on the key count alone: no error object built
        assert one.calls == 0 and many.calls == 0


def test_a_list_of_empty_records_builds_only_the_listed_problems(served, counting) -> None:
    client, _, _ = served
    one, many = counting
    resp = _post(client, "/v1/predict", "[" + ",".join(["{}"] * 1000) + "]")
    assert resp.status_code == 422
    answer = resp.json()
    assert len(resp.content) < 4_000 and len(answer["problems"]) == LISTED
    # 16 required fields in each of 1,000 records: 16,000 problems, 20 of them built.
    assert answer["problems"][LISTED - 1]["record"] == 1
    assert answer["problems_not_shown"] == 16_000 - LISTED
    assert many.calls == 1 and one.calls == 2  # the list, then records 0 and 1 alone


def test_a_long_list_of_bad_labels_stops_at_the_first_bad_chunk(served) -> None:
    client, _, _ = served
    resp = _post(client, "/v1/feedback", "[" + ",".join(["{}"] * 5000) + "]")
    assert resp.status_code == 422
    answer = resp.json()
    assert len(answer["problems"]) == LISTED and answer["problems"][0]["record"] == 0
    assert answer["problems_not_shown"] == 2 * 1000 - LISTED  # request_id, label × 1,000
    assert answer["records_not_checked"] == 4000


@pytest.mark.parametrize("route", ROUTES)
def test_echoes_are_truncated(served, ames, route) -> None:
    client, _, _ = served
    body = _with(ames, "Neighborhood", json.dumps(list(range(50_000))))
    if route == "/v1/feedback":  # a valid string, but not one of the model's classes
        body = json.dumps({"request_id": "r", "label": "x" * 100_000})
    resp = _post(client, route, body)
    assert resp.status_code == 422, resp.text[:300]
    assert len(resp.content) < 2_000
    echoed = resp.json()["problems"][0]["input"]
    assert isinstance(echoed, str) and len(echoed) == 201 and echoed.endswith("…")


@pytest.mark.parametrize("run_id", [2**63, 2**70, -(2**63) - 1])
@pytest.mark.parametrize("suffix", ["", "/export.json"])
def test_dashboard_run_id_past_64_bits_is_404(served, run_id: int, suffix: str) -> None:
    client, _, _ = served
    resp = client.get(f"/dashboard/runs/{run_id}{suffix}")
    assert resp.status_code == 404, resp.text[:300]
    assert f"no monitoring run with id {run_id}" in resp.json()["error"]


def test_none_of_them_is_counted_or_stored_as_a_5xx(served, ames) -> None:
    client, _, store = served
    bodies = [
        _with(ames, "Gr_Liv_Area", "9" * 5000),
        "[" * 1100 + "]" * 1100,
        '{"Gr_Liv_Area": ' + "[" * 1000 + "]" * 1000 + "}",
        _with(ames, "Gr_Liv_Area", "[1e999]"),
        json.dumps({f"k{i}": 1 for i in range(80_000)}),
    ]
    before = store.count_errors("ames-housing")["4xx"]
    for route in ROUTES:
        for body in bodies:
            assert 400 <= _post(client, route, body).status_code < 500
    for run_id in (2**63, 2**70):
        assert client.get(f"/dashboard/runs/{run_id}").status_code == 404
    metrics = client.get("/metrics").text
    statuses = [
        line for line in metrics.splitlines() if line.startswith("driftlab_http_requests_total{")
    ]
    assert statuses and not [s for s in statuses if 'status="5' in s], statuses
    # The error-rate SLO reads the stored errors: all of these are 4xx.
    want = before + 2 * len(bodies)
    deadline = time.monotonic() + 10
    counts = store.count_errors("ames-housing")
    while counts["4xx"] < want and time.monotonic() < deadline:
        time.sleep(0.05)
        counts = store.count_errors("ames-housing")
    assert counts["4xx"] >= want and counts["5xx"] == 0, counts
