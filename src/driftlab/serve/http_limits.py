"""Limits on the HTTP layer itself, below the routes: what uvicorn is told, and the requests
refused before the app sees them.

- **One HTTP parser, with a header cap.** uvicorn picks httptools when it is installed,
  which has no limit on the size of the request head; h11 refuses a head over
  ``h11_max_incomplete_event_size`` with 400 and closes. :data:`UVICORN_OPTIONS` pins h11
  and the cap for every server driftlab starts, whatever else is installed.
- **No ambiguous body length.** A request with both ``Content-Length`` and
  ``Transfer-Encoding`` is read one way by some proxies and the other way by the server: the
  building block of request smuggling. h11 accepts it (chunked wins) and keeps the
  connection; :class:`RequestHeadMiddleware` answers 400 and closes it, and answers 431 to
  headers over the cap that h11 let through (its cap holds for an incomplete head only).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["MAX_HEADER_BYTES", "UVICORN_OPTIONS", "RequestHeadMiddleware"]

# A bearer token, Basic credentials and a browser's usual headers fit many times over;
# nginx's default for a whole request head is 32 KiB too (4 buffers of 8 KiB).
MAX_HEADER_BYTES = 32 * 1024

UVICORN_OPTIONS: dict[str, Any] = {"http": "h11", "h11_max_incomplete_event_size": MAX_HEADER_BYTES}


async def _refuse(send: Send, status: int, message: str) -> None:
    body = json.dumps({"error": message}).encode()
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            # uvicorn closes the connection after a response that says so: nothing after
            # this request's head is read as a next request.
            (b"connection", b"close"),
        ],
    })  # fmt: skip
    await send({"type": "http.response.body", "body": body})


class RequestHeadMiddleware:
    """Refuse, with ``Connection: close``, a request whose head is unsafe to serve:

    - both Content-Length and Transfer-Encoding: 400 (RFC 9112 §6.1: a server ought to treat
      it as an error and close);
    - headers over ``max_bytes`` in total: 431. h11's cap counts only a head that is still
      incomplete, so a large head that arrives in one read would pass it.
    """

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_HEADER_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = scope.get("headers", [])
            size = sum(len(name) + len(value) + 4 for name, value in headers)  # ": ", CRLF
            if size > self.max_bytes:
                await _refuse(send, 431, f"request headers too large: {size} bytes, limit "
                              f"{self.max_bytes}")  # fmt: skip
                return
            names = {name.lower() for name, _ in headers}
            if b"content-length" in names and b"transfer-encoding" in names:
                await _refuse(send, 400, "request has both Content-Length and "
                              "Transfer-Encoding; send one of them")  # fmt: skip
                return
        await self.app(scope, receive, send)
