"""Retrying a delivery: which failures are worth another attempt, and how long to wait.

A sink makes one attempt per ``send`` call and says how it failed: a
:class:`TransientDeliveryError` (connection refused, timeout, HTTP 5xx or 429, SMTP 4xx) may
succeed later, while a plain :class:`~driftlab.errors.AlertDeliveryError` (HTTP 400, a refused
password) will fail the same way again, so it is not retried. The loop lives here, not in each
sink, so every attempt is reported to dispatch and recorded.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from driftlab.errors import AlertDeliveryError
from driftlab.monitor.result import Alert

__all__ = ["NO_RETRY", "RetryPolicy", "TransientDeliveryError", "attempt_delivery"]

log = logging.getLogger(__name__)


class TransientDeliveryError(AlertDeliveryError):
    """An attempt failed in a way that a later attempt may not (the receiver is down or busy)."""


@dataclass(frozen=True)
class RetryPolicy:
    """``retries`` more attempts after the first, waiting ``backoff_s`` and doubling each time.

    Doubling gives a receiver that is restarting or rate-limiting room to recover without
    stalling a monitoring run for long: the defaults wait 0.5 + 1 + 2 = 3.5 s in all.
    """

    retries: int = 3
    backoff_s: float = 0.5

    @property
    def attempts(self) -> int:
        return self.retries + 1

    def delay(self, failed_attempt: int) -> float:
        """Seconds to wait after attempt ``failed_attempt`` (1-based) failed.

        >>> [RetryPolicy(3, 0.5).delay(n) for n in (1, 2, 3)]
        [0.5, 1.0, 2.0]
        """
        return self.backoff_s * 2 ** (failed_attempt - 1)


NO_RETRY = RetryPolicy(retries=0, backoff_s=0.0)


def attempt_delivery(
    send: Callable[[Alert, dict[str, Any]], None],
    alert: Alert,
    context: dict[str, Any],
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[bool, list[str]]:
    """Call ``send`` until it succeeds, fails permanently or runs out of attempts.

    Returns whether the alert was delivered and one line per failed attempt, naming the attempt
    (``"slack#1: receiver answered HTTP 503 (attempt 1 of 4)"``). Sinks put no URL or secret
    in their error messages, so these lines are safe to log and store.
    """
    failures: list[str] = []
    for attempt in range(1, policy.attempts + 1):
        try:
            send(alert, context)
            return True, failures
        except AlertDeliveryError as e:
            failures.append(f"{e} (attempt {attempt} of {policy.attempts})")
            if not isinstance(e, TransientDeliveryError) or attempt == policy.attempts:
                break
            log.warning("%s; retrying in %.1f s", failures[-1], policy.delay(attempt))
            sleep(policy.delay(attempt))
    log.error("alert %s not delivered: %s", alert.fingerprint, failures[-1])
    return False, failures
