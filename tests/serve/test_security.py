"""Bearer tokens, rate limit, CORS and secrets kept out of logs, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from driftlab.alerts import WebhookSink, dispatch
from driftlab.alerts.retry import NO_RETRY
from driftlab.config import Project
from driftlab.errors import ConfigError
from driftlab.monitor import Alert
from driftlab.scenarios.ames import TARGET, AmesScenario
from driftlab.serve import create_app
from driftlab.serve.security import RateLimitMiddleware
from driftlab.store.sql import SqlStore
from tests.live import LiveServer
from tests.receivers import WebhookReceiver

GOOD, ROTATED = "tok-3f9a1c-good", "tok-77b2e0-next"


def _serve(project: Project, **settings: Any) -> Project:
    return project.model_copy(update={"serve": project.serve.model_copy(update=settings)})


def _record(ames: AmesScenario) -> dict[str, Any]:
    rec = ames.normal.drop(columns=[TARGET]).iloc[0].to_dict()
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in rec.items()}


@pytest.fixture
def live(project, registry, tmp_path, monkeypatch) -> Iterator[Any]:
    """A server factory: ``live(**serve_settings)`` -> an httpx client on a real server."""
    monkeypatch.setenv("DRIFTLAB_API_TOKEN", f"{GOOD}, {ROTATED}")
    stack: list[Any] = []

    def start(**settings: Any) -> httpx.Client:
        store = SqlStore(f"sqlite:///{tmp_path / f'store{len(stack)}.db'}")
        server = LiveServer(create_app(_serve(project, **settings), store, registry)).__enter__()
        client = httpx.Client(base_url=server.url, timeout=30)
        stack.append((server, client))
        return client

    yield start
    for server, client in stack:
        client.close()
        server.__exit__(None, None, None)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("POST", "/v1/feedback", {"request_id": "x", "label": "high"}),
     ("POST", "/v1/model/reload", None)],
)  # fmt: skip
def test_admin_routes_need_a_valid_token(live, method, path, body) -> None:
    client = live()
    kwargs = {"json": body} if body is not None else {}
    resp = client.request(method, path, **kwargs)
    assert resp.status_code == 401 and "authorization missing" in resp.json()["error"]
    assert resp.headers["www-authenticate"].startswith("Bearer")
    for bad in ("Basic dXNlcjpwdw==", "Bearer", "Bearer a b", "token " + GOOD):
        resp = client.request(method, path, headers={"Authorization": bad}, **kwargs)
        assert resp.status_code == 401 and "malformed" in resp.json()["error"], bad
    resp = client.request(method, path, headers=_bearer("tok-wrong"), **kwargs)
    assert resp.status_code == 403 and resp.json() == {
        "error": "the token is not valid for this server"
    }
    for token in (GOOD, ROTATED):  # both tokens of the comma-separated variable work
        resp = client.request(method, path, headers=_bearer(token), **kwargs)
        # Authenticated: the route itself answers (an unknown request id is its own 404).
        assert resp.status_code == (404 if body else 200), resp.text


def test_metrics_need_the_token_by_default(live) -> None:
    # /metrics shows per-feature drift and fairness gauges, like the dashboard.
    client = live()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=_bearer(GOOD)).status_code == 200


def test_predict_and_metrics_are_open_unless_configured(live, ames) -> None:
    client = live(auth_metrics=False)
    assert client.post("/v1/predict", json=_record(ames)).status_code == 200
    assert client.get("/metrics").status_code == 200
    assert client.get("/v1/model").status_code == 200
    locked = live(auth_predict=True, auth_metrics=True)
    assert locked.post("/v1/predict", json=_record(ames)).status_code == 401
    assert locked.get("/v1/model").status_code == 401
    assert locked.get("/metrics").status_code == 401
    assert locked.get("/health").status_code == 200  # probes never need a token
    ok = locked.post("/v1/predict", json=_record(ames), headers=_bearer(GOOD))
    assert ok.status_code == 200
    assert locked.get("/metrics", headers=_bearer(GOOD)).status_code == 200


def test_auth_on_without_a_token_refuses_to_start(project, registry, tmp_path, monkeypatch):
    monkeypatch.delenv("DRIFTLAB_API_TOKEN", raising=False)
    store = SqlStore(f"sqlite:///{tmp_path / 's.db'}")
    with pytest.raises(ConfigError, match="no token is set; export one of DRIFTLAB_API_TOKEN"):
        create_app(_serve(project, auth="on"), store, registry)
    # "auto" without a token: open, as before (local use and the demo).
    create_app(project, store, registry)


def test_auth_off_ignores_tokens(live, ames) -> None:
    client = live(auth="off")
    assert client.post("/v1/model/reload").status_code == 200


def test_tokens_and_headers_never_reach_the_logs(live, ames, caplog) -> None:
    client = live(auth_predict=True)
    with caplog.at_level(logging.DEBUG):
        client.post("/v1/predict", json=_record(ames), headers=_bearer(GOOD))
        client.post("/v1/predict", json=_record(ames), headers=_bearer("tok-guess-123"))
        client.post("/v1/model/reload", headers=_bearer(ROTATED))
    text = caplog.text
    assert "tok-" not in text and "Bearer" not in text


def test_token_names_in_settings_refuse_a_pasted_token(project) -> None:
    from driftlab.config import project_from_dict

    raw = project.model_dump(mode="json", exclude={"root"})
    raw["serve"]["token_envs"] = ["sk-live-0123456789"]
    with pytest.raises(ConfigError, match="not tokens") as info:
        project_from_dict(raw, project.root)
    assert "sk-live" not in str(info.value)  # the pasted secret is not echoed


def test_rate_limit_answers_429_with_retry_after(live, ames) -> None:
    client = live(rate_limit_per_s=0.5, rate_limit_burst=3)
    codes = [client.post("/v1/predict", json=_record(ames)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    resp = client.get("/v1/model")
    assert resp.status_code == 429 and int(resp.headers["retry-after"]) == 2
    assert "too many requests" in resp.json()["error"]
    assert client.get("/health").status_code == 200  # exempt
    # A client with a valid token has its own bucket, not the IP's.
    assert client.get("/v1/model", headers=_bearer(GOOD)).status_code == 200


def test_token_bucket_refills_at_the_rate() -> None:
    from driftlab.serve.security import Authenticator

    limiter = RateLimitMiddleware(None, rate=2.0, burst=2, auth=Authenticator([]))  # type: ignore[arg-type]
    assert [limiter.take("a", 0.0) for _ in range(3)] == [0.0, 0.0, 0.5]
    assert limiter.take("a", 0.25) == pytest.approx(0.25)  # half refilled; refusals take none
    assert limiter.take("a", 0.5) == 0.0  # one token back after 1/rate seconds
    assert limiter.take("b", 0.5) == 0.0  # another client is not affected


def test_cors_is_off_by_default_and_lists_origins_when_set(live) -> None:
    origin = {"Origin": "https://dashboard.example"}
    assert "access-control-allow-origin" not in live().get("/health", headers=origin).headers
    client = live(cors_origins=["https://dashboard.example"])
    resp = client.get("/health", headers=origin)
    assert resp.headers["access-control-allow-origin"] == "https://dashboard.example"
    preflight = client.options(
        "/v1/predict",
        headers={**origin, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization,content-type"},
    )  # fmt: skip
    assert preflight.status_code == 200
    other = client.get("/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_chunked_feedback_over_the_limit_is_413(live) -> None:
    client = live(max_body_bytes=2048)

    def chunks() -> Iterator[bytes]:
        yield b'[{"request_id": "x", "label": "high"}'
        for _ in range(10):
            yield b", " + b" " * 500  # no Content-Length: sent chunked

    resp = client.post(
        "/v1/feedback", content=chunks(),
        headers={"content-type": "application/json", **_bearer(GOOD)},
    )  # fmt: skip
    assert resp.status_code == 413 and "too large" in resp.json()["error"]


def test_webhook_url_and_secret_stay_out_of_debug_logs(tmp_path, caplog) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 's.db'}")
    alert = Alert("data_drift", "warning", "x", "Data drift on x", "m:data_drift:x")
    with caplog.at_level(logging.DEBUG):
        for status in (200, 500):
            with WebhookReceiver(status=status) as rx:  # its URL carries token=s3cret
                sink = WebhookSink(rx.url, secret="hmac-k3y", retry=NO_RETRY)
                dispatch([alert], [sink], store, cooldown=timedelta(0), context={})
    assert caplog.text  # something was logged at all
    assert "s3cret" not in caplog.text and "hmac-k3y" not in caplog.text


def test_dashboard_needs_the_token_and_a_browser_can_log_in_with_it(live, project, tmp_path):
    import base64

    from driftlab.dashboard import create_dashboard_app
    from driftlab.serve.security import Authenticator, require_token

    def basic(user: str, password: str) -> dict[str, str]:
        raw = base64.b64encode(f"{user}:{password}".encode()).decode()
        return {"Authorization": f"Basic {raw}"}

    client = live()
    resp = client.get("/dashboard")
    # A browser shows its login box on this challenge; the JSON says what to do.
    assert resp.status_code == 401
    assert resp.headers["www-authenticate"].startswith('Basic realm="driftlab dashboard"')
    assert "API token as the password" in resp.json()["error"]
    wrong = client.get("/dashboard", headers=basic("me", "tok-wrong"))
    assert wrong.status_code == 401 and "not valid" in wrong.json()["error"]
    assert client.get("/dashboard", headers=basic("me", GOOD)).status_code == 200
    assert client.get("/dashboard", headers=basic("", ROTATED)).status_code == 200
    assert client.get("/dashboard", headers=_bearer(GOOD)).status_code == 200
    assert client.get("/dashboard/static/plotly.min.js").status_code == 401
    # Basic is for the browser pages only: the API still wants a bearer token.
    assert client.post("/v1/model/reload", headers=basic("me", GOOD)).status_code == 401
    # Opt out, and the standalone dashboard takes the same settings.
    assert live(auth_dashboard=False).get("/dashboard").status_code == 200
    store = SqlStore(f"sqlite:///{tmp_path / 'standalone.db'}")
    app = create_dashboard_app(  # as `driftlab dashboard` builds it
        store,
        dependencies=[require_token("dashboard")],
        state={"auth": Authenticator.from_settings(project.serve)},
    )
    with LiveServer(app) as server, httpx.Client(base_url=server.url) as c:
        assert c.get("/dashboard").status_code == 401
        assert c.get("/dashboard", headers=basic("me", GOOD)).status_code == 200


def test_health_shows_no_paths_or_pids_without_the_token(
    project, registry, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("DRIFTLAB_API_TOKEN", GOOD)
    app = create_app(project, SqlStore(f"sqlite:///{tmp_path / 'store.db'}"), registry)
    damaged = str(tmp_path / "spool" / "owner" / "000001.seg.corrupt")
    app.state.logger.health.corrupt_files.append(damaged)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        public = client.get("/health")
        assert public.status_code == 200
        assert "worker_pid" not in public.json() and str(tmp_path) not in public.text
        assert public.json()["log"]["corrupt_files"] == ["000001.seg.corrupt"]
        full = client.get("/health", headers=_bearer(GOOD)).json()
        assert full["worker_pid"] > 0 and full["log"]["corrupt_files"] == [damaged]
