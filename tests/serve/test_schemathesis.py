"""Property tests of the real server against its own OpenAPI spec (schemathesis).

Schemathesis generates requests from the spec, valid ones and invalid ones (wrong types,
missing or extra fields, odd strings), and sends them to a uvicorn server on 127.0.0.1 with
token auth on. Whatever it sends: never a 5xx, every 4xx carries a JSON body with an
``error``, and the token-protected routes answer 401 to a request without a token. Bounded:
40 examples per operation and mode, well under a minute in all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from driftlab.serve import create_app
from driftlab.store.sql import SqlStore
from tests.live import LiveServer

TOKEN = "tok-schemathesis-5a1"
PROTECTED = {("POST", "/v1/feedback"), ("POST", "/v1/model/reload")}
EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,  # no example database: runs are independent and leave no files behind
)


@pytest.fixture(scope="module")
def server(project, bundle, tmp_path_factory) -> Iterator[str]:
    from driftlab.registry import CHAMPION, MemoryRegistry

    mp = pytest.MonkeyPatch()
    mp.setenv("DRIFTLAB_API_TOKEN", TOKEN)
    registry = MemoryRegistry()
    registry.set_alias(bundle.info.name, CHAMPION, registry.register(bundle))
    # Reload polling off: every request is answered by the same model.
    p = project.model_copy(
        update={"serve": project.serve.model_copy(update={"reload_interval_s": 0})}
    )
    store = SqlStore(f"sqlite:///{tmp_path_factory.mktemp('st') / 'store.db'}")
    with LiveServer(create_app(p, store, registry)) as live:
        yield live.url
    mp.undo()


@pytest.fixture(scope="module")
def api_schema(server: str) -> Any:
    return schemathesis.openapi.from_url(f"{server}/openapi.json")


def _run_all(api_schema: Any, mode: GenerationMode, check: Callable[[Any], None]) -> set[str]:
    """Run ``check`` on generated cases of every operation; the operations it ran on.

    Driven through hypothesis directly rather than schemathesis' pytest plugin, whose lazy
    fixture loader reads a pytest-internal attribute that pytest 9 removed. An operation with
    nothing to make invalid (GET /health in negative mode) is skipped.
    """
    ran = set()
    for result in api_schema.get_all_operations():
        operation = result.ok()

        def one(case: Any) -> None:  # a fresh function per operation: settings apply once
            check(case)

        test = given(case=operation.as_strategy(generation_mode=mode))(EXAMPLES(one))
        try:
            test()
        except Unsatisfiable:
            if mode is GenerationMode.POSITIVE:
                raise
            continue
        ran.add(f"{operation.method.upper()} {operation.path}")
    return ran


def _assert_client_error_shape(response: Any) -> None:
    assert response.status_code < 500, (response.status_code, response.text[:500])
    if response.status_code >= 400:
        body = response.json()  # a JSON body, never a traceback or an HTML page
        assert isinstance(body, dict) and isinstance(body.get("error"), str), body


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_server_error_and_json_errors_with_a_token(api_schema: Any, mode: Any) -> None:
    def check(case: Any) -> None:
        response = case.call(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
        _assert_client_error_shape(response)

    ran = _run_all(api_schema, mode, check)
    assert {"POST /v1/predict", "POST /v1/feedback"} <= ran


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_protected_routes_refuse_requests_without_a_token(api_schema: Any, mode: Any) -> None:
    def check(case: Any) -> None:
        # The spec declares the bearer scheme, so schemathesis may invent a token: drop it.
        case.headers = {k: v for k, v in (case.headers or {}).items()
                        if k.lower() != "authorization"}  # fmt: skip
        response = case.call(timeout=30)
        _assert_client_error_shape(response)
        if (case.method.upper(), case.path) in PROTECTED:
            assert response.status_code == 401, response.text
            assert response.headers["www-authenticate"][0].startswith("Bearer")

    ran = _run_all(api_schema, mode, check)
    assert {"POST /v1/feedback", "POST /v1/model/reload"} & ran


def test_spec_documents_the_bearer_scheme(server: str) -> None:
    spec = httpx.get(f"{server}/openapi.json").json()
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    for method, path in PROTECTED:
        assert "401" in spec["paths"][path][method.lower()]["responses"]
