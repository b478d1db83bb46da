"""Alert channels. Each sink delivers one alert or raises AlertDeliveryError."""

from __future__ import annotations

import logging
from typing import Any, Protocol

import httpx

from driftlab.errors import AlertDeliveryError
from driftlab.monitor.result import Alert

__all__ = ["ConsoleSink", "Sink", "WebhookSink"]

log = logging.getLogger("driftlab.alerts")


class Sink(Protocol):
    name: str
    min_severity: str

    def send(self, alert: Alert, context: dict[str, Any]) -> None: ...


class ConsoleSink:
    """Writes alerts to the ``driftlab.alerts`` logger (the console by default)."""

    def __init__(self, min_severity: str = "info") -> None:
        self.name = "console"
        self.min_severity = min_severity

    def send(self, alert: Alert, context: dict[str, Any]) -> None:
        level = logging.WARNING if alert.severity != "info" else logging.INFO
        log.log(level, "[%s] %s", alert.severity.upper(), alert.message)


class WebhookSink:
    """POSTs each alert as JSON. The URL may carry a secret, so it is never logged."""

    def __init__(
        self, url: str, *, index: int = 0, timeout_s: float = 5.0, min_severity: str = "info"
    ) -> None:
        self._url = url
        self.name = f"webhook#{index}"
        self.timeout_s = timeout_s
        self.min_severity = min_severity

    def send(self, alert: Alert, context: dict[str, Any]) -> None:
        payload = {
            "source": "driftlab",
            "kind": alert.kind,
            "severity": alert.severity,
            "subject": alert.subject,
            "text": alert.message,
            "fingerprint": alert.fingerprint,
            "details": alert.details,
            **context,
        }
        try:
            resp = httpx.post(self._url, json=payload, timeout=self.timeout_s)
        except httpx.HTTPError as e:
            # The exception text can include the URL; report only its class.
            raise AlertDeliveryError(
                f"{self.name}: delivery failed ({e.__class__.__name__})"
            ) from None
        if resp.status_code >= 300:
            raise AlertDeliveryError(f"{self.name}: receiver answered HTTP {resp.status_code}")
