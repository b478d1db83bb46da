"""The prediction log: what the API answered, kept until the store has it.

Between ``serve`` (which submits to it) and ``store`` (whose records and port it writes):

- ``spool`` and ``frames``: the crash-safe spool on local disk and its format;
- ``backlog`` and ``spooled``: where records wait (in memory, or in the spool);
- ``drainer`` and ``drain_process``: the copy into the store (in a thread or a child);
- ``health`` and ``metrics``: counters, /health snapshot, Prometheus metrics;
- ``logger``: :class:`PredictionLogger`, the face the server uses; ``build`` makes it from
  ``[store]`` and ``settings`` holds what it is told.

It never imports FastAPI nor a store adapter. Names are loaded on first use: the drain child
imports ``driftlab.predlog.drain_process`` and should not pay for the rest.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from driftlab.predlog.build import logger_from_settings
    from driftlab.predlog.logger import PredictionLogger
    from driftlab.predlog.metrics import LogMetrics
    from driftlab.predlog.settings import LogSettings

__all__ = ["LogMetrics", "LogSettings", "PredictionLogger", "logger_from_settings"]

_WHERE = {
    "LogMetrics": "metrics",
    "LogSettings": "settings",
    "PredictionLogger": "logger",
    "logger_from_settings": "build",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'driftlab.predlog' has no attribute {name!r}")
    return getattr(importlib.import_module(f"driftlab.predlog.{_WHERE[name]}"), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
