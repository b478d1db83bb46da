"""The HTTP layer below the routes, over raw sockets to a real uvicorn on 127.0.0.1 started
with the options ``driftlab serve`` uses: an ambiguous body length is refused and the
connection closed; an oversized request head is refused."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from driftlab.serve import create_app
from driftlab.serve.http_limits import MAX_HEADER_BYTES, UVICORN_OPTIONS
from driftlab.store.sql import SqlStore
from tests.live import LiveServer


@pytest.fixture
def server(project, registry, tmp_path, monkeypatch) -> Iterator[tuple[str, int]]:
    monkeypatch.delenv("DRIFTLAB_API_TOKEN", raising=False)
    app = create_app(project, SqlStore(f"sqlite:///{tmp_path / 'store.db'}"), registry)
    with LiveServer(app, **UVICORN_OPTIONS) as live:
        host, port = live.url.removeprefix("http://").split(":")
        yield host, int(port)


def _exchange(address: tuple[str, int], request: bytes) -> tuple[bytes, bool]:
    """The server's answer and whether it then closed the connection (within 2 s)."""
    with socket.create_connection(address, timeout=5) as s:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            s.sendall(request)  # refused mid-send: the answer may still be readable
        answer, closed = b"", False
        s.settimeout(2)
        try:
            while chunk := s.recv(65536):
                answer += chunk
            closed = True
        except TimeoutError:
            pass
        except ConnectionResetError:
            closed = True
        return answer, closed


def _status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def test_content_length_with_transfer_encoding_is_refused_and_closed(server) -> None:
    request = (
        b"POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
    )
    answer, closed = _exchange(server, request)
    head = answer.split(b"\r\n\r\n")[0].lower()
    assert _status(answer) == 400 and b"connection: close" in head
    assert b"Content-Length and Transfer-Encoding" in answer
    assert closed


def test_a_plain_request_keeps_its_connection(server) -> None:
    answer, closed = _exchange(server, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    assert _status(answer) in (200, 503) and not closed


@pytest.mark.parametrize("size", [2 * MAX_HEADER_BYTES, 1_000_000])
def test_an_oversized_request_head_is_refused(server, size: int) -> None:
    request = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * size + b"\r\n\r\n"
    answer, closed = _exchange(server, request)
    # h11 answers 400 and closes; unread bytes may turn the close into a reset first.
    assert (answer == b"" or _status(answer) in (400, 431)) and closed
    assert b"200 OK" not in answer


def test_driftlab_serve_runs_uvicorn_with_these_options(ames, monkeypatch) -> None:
    import uvicorn

    from driftlab.cli.serve import serve

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    monkeypatch.delenv("DRIFTLAB_API_TOKEN", raising=False)
    serve(config=ames.project_file, host=None, port=None, workers=1, verbose=False)
    assert calls and calls[0].items() >= UVICORN_OPTIONS.items()
