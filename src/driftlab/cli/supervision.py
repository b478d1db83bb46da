"""What the multi-worker server says about its workers, at the default log level.

uvicorn's supervisor logs a replaced worker ("Child process [123] died") at INFO, which the
default ``warning`` level hides: a server whose workers are killed and restarted over and over
looked healthy. This filter lets those lines through as warnings, with the reason, and keeps
the rest of uvicorn's INFO chatter for ``--verbose``.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

__all__ = ["RestartNotice", "log_config"]


class RestartNotice(logging.Filter):
    def __init__(self, verbose: bool = False, healthcheck_s: float = 60.0) -> None:
        super().__init__()
        self.verbose = verbose
        self.healthcheck_s = healthcheck_s

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING or self.verbose:
            return True
        message = record.getMessage()
        if message.startswith("Child process [") and message.endswith("died"):
            record.msg = (
                f"{message}: a serving worker exited, or did not answer the supervisor's "
                f"health check within {self.healthcheck_s:g} s (serve.worker_healthcheck_s); "
                "a new worker was started"
            )
            record.args = ()
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            return True
        return False


def log_config(*, verbose: bool, healthcheck_s: float) -> dict[str, Any]:
    """uvicorn's logging configuration with :class:`RestartNotice` on its error log."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["restarts"] = {
        "()": RestartNotice,
        "verbose": verbose,
        "healthcheck_s": healthcheck_s,
    }
    config["handlers"]["default"].setdefault("filters", []).append("restarts")
    return config
