"""The console channel: alerts as log records."""

from __future__ import annotations

import logging
from typing import Any

from driftlab.monitor.result import Alert

__all__ = ["ConsoleSink"]

log = logging.getLogger("driftlab.alerts")


class ConsoleSink:
    """Writes alerts to the ``driftlab.alerts`` logger (the console by default)."""

    def __init__(self, min_severity: str = "info") -> None:
        self.name = "console"
        self.min_severity = min_severity

    def send(self, alert: Alert, context: dict[str, Any]) -> None:
        level = logging.WARNING if alert.severity != "info" else logging.INFO
        log.log(level, "[%s] %s", alert.severity.upper(), alert.message)
