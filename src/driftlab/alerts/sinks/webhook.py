"""The generic webhook channel: the alert as JSON, optionally signed with HMAC-SHA256."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

from driftlab.alerts.guard import Guard
from driftlab.alerts.retry import RetryPolicy
from driftlab.alerts.sinks.base import json_body
from driftlab.alerts.sinks.http import post
from driftlab.monitor.result import Alert

__all__ = ["SIGNATURE_HEADER", "TIMESTAMP_HEADER", "WebhookSink", "sign"]

SIGNATURE_HEADER = "X-Driftlab-Signature"
TIMESTAMP_HEADER = "X-Driftlab-Timestamp"


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: ``sha256=`` and the hex HMAC-SHA256 of the body bytes.

    A receiver recomputes it over the raw body it read (before parsing the JSON) and compares
    with :func:`hmac.compare_digest`.

    >>> sign("k", b'{"a":1}')
    'sha256=c3a92ff9e274cdcce27a58c15a78ec6dcbbdbd0038a87e7a11baef2028fd8bff'
    """
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookSink:
    """POSTs each alert as JSON. The URL may carry a secret, so it is never logged.

    With ``secret``, each request carries ``X-Driftlab-Signature`` (see :func:`sign`) and
    ``X-Driftlab-Timestamp`` (Unix seconds). The same timestamp is in the signed body as
    ``sent_at``, so a receiver that rejects old timestamps is protected from replays: the
    header alone could be changed by whoever replays the request.

    ``guard`` (what :func:`~driftlab.alerts.build_sinks` gives from ``alerts.allow_hosts``)
    checks the host before each attempt and holds the connection to the checked address; a
    sink built by hand without one trusts its URL.
    """

    def __init__(
        self,
        url: str,
        *,
        index: int = 0,
        timeout_s: float = 5.0,
        min_severity: str = "info",
        secret: str | None = None,
        retry: RetryPolicy = RetryPolicy(),
        guard: Guard | None = None,
    ) -> None:
        self._url = url
        self._guard = guard
        self._secret = secret
        self.name = f"webhook#{index}"
        self.timeout_s = timeout_s
        self.min_severity = min_severity
        self.retry = retry

    def __repr__(self) -> str:
        return f"WebhookSink(name={self.name!r}, signed={self._secret is not None})"

    def send(self, alert: Alert, context: dict[str, Any]) -> None:
        now = int(time.time())
        body = json_body(
            {
                "source": "driftlab",
                "kind": alert.kind,
                "severity": alert.severity,
                "subject": alert.subject,
                "text": alert.message,
                "fingerprint": alert.fingerprint,
                "details": alert.details,
                **context,
                "sent_at": now,
            }
        )
        headers = {}
        if self._secret is not None:
            headers = {SIGNATURE_HEADER: sign(self._secret, body), TIMESTAMP_HEADER: str(now)}
        post(self.name, self._url, body, headers, self.timeout_s, self._guard)
