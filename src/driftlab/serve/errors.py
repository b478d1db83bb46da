"""Every error a client can cause becomes a 4xx with a JSON body naming the problem."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import orjson
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from driftlab.errors import (
    DriftlabError,
    LogFrameTooLargeError,
    SchemaError,
    SpoolError,
    UnknownRequestError,
)
from driftlab.serve.bounds import (
    NESTED_TOO_DEEP,
    NumberTooLongError,
    bounded_int,
    problem_detail,
    problems,
)

__all__ = ["BodyLimitMiddleware", "error_body", "install_error_handlers", "read_json"]

log = logging.getLogger(__name__)
# An escaped surrogate (\ud800) or a UTF-8-encoded one (bytes ED A0..BF), which json.loads
# decodes with "surrogatepass".
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")


def error_body(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        detail = problem_detail(problems(exc, list_body=False), len(exc.errors()))
        return error_body(422, "request body is not valid", **detail)

    @app.exception_handler(UnknownRequestError)
    async def _unknown(request: Request, exc: UnknownRequestError) -> JSONResponse:
        return error_body(404, str(exc))

    @app.exception_handler(SchemaError)
    async def _schema(request: Request, exc: SchemaError) -> JSONResponse:
        return error_body(422, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc.detail, dict):  # structured detail, e.g. {"problems": [...]}
            response = error_body(exc.status_code, "request body is not valid", **exc.detail)
        else:
            response = error_body(exc.status_code, str(exc.detail))
        if exc.headers:  # e.g. WWW-Authenticate on a 401
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(LogFrameTooLargeError)
    async def _too_large(request: Request, exc: LogFrameTooLargeError) -> JSONResponse:
        # A retry cannot help (unlike a full spool's 503): the client must send less.
        return error_body(413, str(exc))

    @app.exception_handler(SpoolError)
    async def _spool(request: Request, exc: SpoolError) -> JSONResponse:
        # Logged (once per episode) by the prediction logger; the reason is safe to show.
        response = error_body(503, str(exc))
        response.headers["Retry-After"] = "5"
        return response

    @app.exception_handler(DriftlabError)
    async def _driftlab(request: Request, exc: DriftlabError) -> JSONResponse:
        log.error("request failed: %s", exc)
        return error_body(503, "the service cannot answer right now; retry later")


class BodyLimitMiddleware:
    """Refuse bodies whose declared Content-Length is over ``max_bytes`` with 413, before the
    app reads anything. Chunked bodies (no length declared) are counted while read, by
    :func:`read_json`."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            declared = dict(scope.get("headers", [])).get(b"content-length")
            if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
                response = error_body(413, "request body too large", limit_bytes=self.max_bytes)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def read_json(request: Request, max_bytes: int) -> Any:
    """The request body parsed as JSON, counted while streamed so chunked bodies obey the
    limit too. Raises HTTP 413 over the limit and 400 for an empty or non-JSON body."""
    chunks: list[bytes] = []
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > max_bytes:
            raise HTTPException(413, f"request body too large (limit {max_bytes} bytes)")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        raise HTTPException(400, "request body is empty; send a JSON object or a JSON array")
    try:
        # orjson takes strict JSON only (no NaN, no lone surrogate) and is several times
        # faster on 1,000-record bodies; what it refuses gets the json module's checks and
        # messages below. (An integer past 64 bits arrives as a float: as the model reads it.)
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    try:
        body = json.loads(raw, parse_constant=_no_constants, parse_int=bounded_int)
        # A lone surrogate (e.g. "\ud800") is valid JSON but no valid text. The (costly)
        # re-encoding check runs only when the raw bytes could hold one.
        maybe = b"\\u" in raw or b"\xed" in raw  # memchr-fast; the regex scans slowly
        if maybe and _SURROGATE_ESCAPE.search(raw):
            json.dumps(body, ensure_ascii=False).encode("utf-8")
    except (json.JSONDecodeError, UnicodeError) as e:
        raise HTTPException(400, f"request body is not valid JSON: {e}") from None
    except NumberTooLongError as e:
        raise HTTPException(400, str(e)) from None
    except RecursionError:  # orjson refuses past 1,024 levels; the json module recurses
        raise HTTPException(400, NESTED_TOO_DEEP) from None
    return body


def _no_constants(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not a number in JSON; send null for a missing value",
                               name, 0)  # fmt: skip
