"""Waiting on an event, not on the clock.

A test that needs something to happen (a row drained, a health state reached, a model
reloaded) polls for it with a generous ceiling: on a busy machine the event comes late but
comes, and the test fails only when it never does. The ceiling is in the failure message.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# Long enough for a drain child's imports and a model load on a 2-core machine running the
# whole suite beside other work; short enough that a real loss still fails the run.
CEILING_S = 120.0


def wait_for(
    probe: Callable[[], T],
    done: Callable[[T], bool] = bool,
    *,
    what: str,
    timeout_s: float = CEILING_S,
    interval_s: float = 0.05,
) -> T:
    """Call ``probe`` until ``done(value)`` holds; return that value. Raises AssertionError
    naming ``what`` and the last value when the ceiling passes first."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = probe()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not reached within {timeout_s:.0f} s (last: {value!r})")
        time.sleep(interval_s)
