"""``/docs`` renders from assets the package ships: no URL outside the server in its HTML,
so a server without internet access shows the page."""

from __future__ import annotations

import re

import httpx
import pytest

from driftlab.serve import create_app
from driftlab.store.sql import SqlStore
from tests.live import LiveServer


@pytest.fixture
def client(project, registry, tmp_path, monkeypatch):
    monkeypatch.delenv("DRIFTLAB_API_TOKEN", raising=False)
    app = create_app(project, SqlStore(f"sqlite:///{tmp_path / 'store.db'}"), registry)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as c:
        yield c


def test_docs_load_nothing_from_outside_the_server(client) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", page.text)
    assert refs and not [r for r in refs if re.match(r"(https?:)?//", r)], refs
    assert not re.search(r"https?://", page.text)  # no CDN, no favicon, no validator
    for ref in refs:  # each asset the page names is served, with a usable type
        asset = client.get(ref)
        assert asset.status_code == 200 and len(asset.content) > 0, ref
    assert (
        client.get(next(r for r in refs if r.endswith(".js")))
        .headers["content-type"]
        .startswith(("application/javascript", "text/javascript"))
    )
    assert "SwaggerUIBundle" in page.text and "/openapi.json" in page.text
    assert client.get("/openapi.json").status_code == 200
