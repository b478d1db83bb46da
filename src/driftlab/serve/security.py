"""Bearer-token auth and a per-client rate limit.

Tokens come from environment variables named in ``serve.token_envs`` (never from the project
file) and are kept only as sha256 digests, compared with :func:`hmac.compare_digest` against
every configured token, so the time taken says nothing about how much of a guess was right.
No token and no Authorization header is ever logged.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
import os
import time
from collections import OrderedDict
from collections.abc import Iterable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import ASGIApp, Receive, Scope, Send

from driftlab.config import ServeConfig
from driftlab.errors import ConfigError
from driftlab.serve.errors import error_body

__all__ = ["Authenticator", "RateLimitMiddleware", "bearer", "require_token"]

# Liveness probes come often and from one address; limiting them would restart a healthy pod.
_EXEMPT = frozenset({"/health"})
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="driftlab"'}
# The dashboard is opened in a browser, which cannot send a bearer token by itself but asks
# for a user name and password on a Basic challenge: the password is the token.
_BROWSER_CHALLENGE = {"WWW-Authenticate": 'Basic realm="driftlab dashboard", charset="UTF-8"'}


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


class Authenticator:
    """The accepted tokens (as digests) and which routes need one."""

    def __init__(
        self,
        tokens: Iterable[str],
        *,
        predict: bool = False,
        metrics: bool = True,
        dashboard: bool = True,
    ) -> None:
        self._digests = [_digest(t) for t in tokens if t]
        self.predict = predict
        self.metrics = metrics
        self.dashboard = dashboard

    @property
    def enabled(self) -> bool:
        return bool(self._digests)

    @classmethod
    def from_settings(cls, serve: ServeConfig) -> Authenticator:
        """Tokens from ``serve.token_envs`` (each variable may hold several, comma-separated,
        so a token can be rotated without downtime). Raises ConfigError when ``auth = "on"``
        and no token is set."""
        tokens: list[str] = []
        if serve.auth != "off":
            for name in serve.token_envs:
                tokens += [t.strip() for t in os.environ.get(name, "").split(",") if t.strip()]
        if serve.auth == "on" and not tokens:
            raise ConfigError(
                "serve.auth = 'on' but no token is set; export one of "
                f"{', '.join(serve.token_envs)} (e.g. DRIFTLAB_API_TOKEN=$(openssl rand -hex 32))"
            )
        return cls(
            tokens,
            predict=serve.auth_predict,
            metrics=serve.auth_metrics,
            dashboard=serve.auth_dashboard,
        )

    def allows(self, authorization: str | None) -> bool:
        """Whether a caller sending this Authorization header may see details kept from the
        public: always when auth is off, else only with a valid token."""
        if not self.enabled:
            return True
        token = self.token_of(authorization)
        return token is not None and self.valid(token)

    def valid(self, token: str) -> bool:
        digest = _digest(token)
        ok = False
        for known in self._digests:  # no early exit: every token is compared every time
            ok |= hmac.compare_digest(digest, known)
        return ok

    def token_of(self, authorization: str | None, *, basic: bool = False) -> str | None:
        """The token in an Authorization header value — ``Bearer <token>``, or with ``basic``
        (the dashboard, for browsers) also ``Basic`` with the token as the password and any
        user name — or None when malformed."""
        if not authorization:
            return None
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if basic and scheme.lower() == "basic" and token:
            try:
                decoded = base64.b64decode(token, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return None
            _, sep, token = decoded.partition(":")
            return token if sep and token else None
        if scheme.lower() != "bearer" or not token or " " in token:
            return None
        return token

    def check(self, authorization: str | None, *, browser: bool = False) -> None:
        """Raise 401 (no or malformed credentials) or 403 (a wrong token). ``browser``: answer
        a wrong token with 401 and a Basic challenge too, so the browser asks again."""
        token = self.token_of(authorization, basic=browser)
        challenge = _BROWSER_CHALLENGE if browser else _CHALLENGE
        if token is None:
            problem = "missing" if not authorization else "malformed"
            how = (
                "log in with the API token as the password"
                if browser
                else "send the header 'Authorization: Bearer <token>'"
            )
            raise HTTPException(401, f"authorization {problem}; {how}", headers=challenge)
        if not self.valid(token):
            if browser:
                raise HTTPException(
                    401, "the token is not valid for this server", headers=challenge
                )
            raise HTTPException(403, "the token is not valid for this server")


# auto_error=False: a missing header is our 401 with a JSON body, not FastAPI's 403.
bearer = HTTPBearer(auto_error=False, description="A token from DRIFTLAB_API_TOKEN.")


async def _authenticator(request: Request) -> Authenticator:
    return request.app.state.auth  # type: ignore[no-any-return]


def require_token(kind: str = "admin") -> object:
    """A dependency that enforces a token for routes of ``kind`` ("admin", "predict",
    "metrics", "dashboard") when auth is on; it also documents the bearer scheme in OpenAPI."""

    async def dependency(
        request: Request,
        auth: Annotated[Authenticator, Depends(_authenticator)],
        _: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> None:
        if not auth.enabled:
            return
        optional = {"predict": auth.predict, "metrics": auth.metrics, "dashboard": auth.dashboard}
        if not optional.get(kind, True):
            return
        auth.check(request.headers.get("authorization"), browser=kind == "dashboard")

    return Depends(dependency)


class RateLimitMiddleware:
    """A token bucket per client: ``rate`` requests per second, bursts up to ``burst``.

    The client is its valid bearer token when it sends one (so many clients behind one proxy
    are told apart), else its IP address. Over the limit: 429 with Retry-After (seconds). The
    buckets live in one worker process; with N workers a client gets up to N times the rate.
    """

    def __init__(
        self, app: ASGIApp, *, rate: float, burst: int, auth: Authenticator,
        max_clients: int = 10_000,
    ) -> None:  # fmt: skip
        self.app = app
        self.rate = rate
        self.burst = float(max(burst, 1) if burst else max(math.ceil(rate), 1))
        self.auth = auth
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def _client(self, scope: Scope) -> str:
        headers = dict(scope.get("headers", []))
        raw = headers.get(b"authorization")
        if raw is not None and self.auth.enabled:
            token = self.auth.token_of(raw.decode("latin-1"))
            if token is not None and self.auth.valid(token):
                return "token:" + _digest(token).hex()[:16]
        client = scope.get("client")
        return "ip:" + (client[0] if client else "unknown")

    def take(self, key: str, now: float) -> float:
        """Take one request from ``key``'s bucket; 0 when allowed, else seconds to wait."""
        tokens, last = self._buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / self.rate
        self._buckets[key] = (tokens, now)  # most recent last: the oldest is evicted first
        if len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return wait

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in _EXEMPT:
            await self.app(scope, receive, send)
            return
        wait = self.take(self._client(scope), time.monotonic())
        if wait > 0:
            retry = max(1, math.ceil(wait))
            response = error_body(
                429,
                f"too many requests; retry in {retry} s (serve.rate_limit_per_s = {self.rate:g})",
                retry_after_s=retry,
            )
            response.headers["Retry-After"] = str(retry)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
