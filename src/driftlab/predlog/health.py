"""The prediction log's health: its counters, the events that move them (each logged once
per episode, not once per request) and the snapshot /health shows."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from driftlab.errors import first_line
from driftlab.predlog.metrics import LogMetrics
from driftlab.predlog.spool import Recovered

__all__ = ["Backlogged", "LogHealth"]

log = logging.getLogger(__name__)

_RECENT_S = 10.0  # /health reports refusals and drops this recent


@dataclass(frozen=True)
class Backlogged:
    """What a backlog holds now, for the snapshot and the gauges."""

    durability: str
    records: int
    bytes: int | None  # None for the in-memory queue
    max_bytes: int | None


class LogHealth:
    """Counters and episodes of one prediction log (see :meth:`status`)."""

    def __init__(self, metrics: LogMetrics) -> None:
        self.metrics = metrics
        self.written = 0
        self.failures = 0
        self.dropped = 0  # refused by the store, or over the best_effort queue
        self.refused_requests = 0
        self.corrupt_files: list[str] = []
        self.store_down_since: float | None = None
        self._refused_at: float | None = None
        self._refusing = False  # an episode of refused requests, logged once
        self._dropped_at: float | None = None
        self._dropping = False  # an episode of a full queue, logged once

    # -- events -------------------------------------------------------------------------------
    def refused(self, error: Exception, where: Path) -> None:
        """The spool did not take a request's records: predict answers 503."""
        self._refused_at = time.monotonic()
        self.refused_requests += 1
        self.metrics.refused.inc()
        if not self._refusing:
            self._refusing = True
            log.warning("%s (%s): predict answers 503 until it can", error, where)

    def accepted(self) -> None:
        if self._refusing:
            self._refusing = False
            log.info("prediction spool accepts records again")

    def queue_full(self, n: int, limit: int) -> None:
        """The best_effort queue dropped ``n`` records."""
        self.dropped += n
        self._dropped_at = time.monotonic()
        self.metrics.dropped.labels("queue_full").inc(n)
        if not self._dropping:
            self._dropping = True
            log.warning(
                "prediction log queue is full (store.queue_max_records = %d): dropping "
                "records until the store catches up",
                limit,
            )

    def queued(self) -> None:
        self._dropping = False

    def rejected(self, request_ids: list[str]) -> None:
        """The store refused these records for good: they are dropped."""
        self.dropped += len(request_ids)
        self.metrics.dropped.labels("refused_by_store").inc(len(request_ids))
        for request_id in request_ids:
            log.error("prediction %s refused by the store; dropped", request_id)

    def store_down(self, error: Exception, pending: int, where: str) -> None:
        if self.store_down_since is not None:
            return
        self.store_down_since = time.monotonic()
        self.metrics.store_down.set(1)
        log.warning(
            "the store is unreachable (%s); %d prediction records are kept in the %s and "
            "written when it is back",
            first_line(error),
            pending,
            where,
        )

    def store_up(self, pending: int) -> None:
        if self.store_down_since is None:
            return
        log.warning(
            "the store is reachable again after %.1f s; replaying %d spooled records",
            time.monotonic() - self.store_down_since,
            pending,
        )
        self.store_down_since = None
        self.metrics.store_down.set(0)

    def recovered(self, found: list[Recovered]) -> None:
        """Segments of a stopped or crashed process were claimed."""
        for got in found:
            self.metrics.replayed.inc(got.records)
            log.warning(
                "replaying %d prediction records left in the spool by process %s",
                got.records,
                got.owner,
            )
            for path, problem in zip(got.corrupt_files, got.problems, strict=True):
                self.metrics.corrupt.inc()
                self.corrupt_files.append(str(path))
                log.error(
                    "damaged spool data (%s): the good frames before it are replayed, the "
                    "bad bytes are kept in %s for inspection",
                    problem,
                    path,
                )

    def set_aside(self, path: Path, frames: int, problem: str) -> None:
        """Frames that pass their CRC but cannot be decoded were moved to ``path``."""
        self.metrics.corrupt.inc()
        self.corrupt_files.append(str(path))
        log.error(
            "%d spool frame(s) cannot be decoded (%s); kept in %s for inspection, the rest of "
            "the batch is stored",
            frames, problem, path,
        )  # fmt: skip

    # -- snapshot -----------------------------------------------------------------------------
    def gauges(self, now: Backlogged) -> None:
        self.metrics.backlog_records.set(now.records)
        if now.bytes is not None:
            self.metrics.backlog_bytes.set(now.bytes)

    def status(self, now: Backlogged) -> dict[str, Any]:
        """The log's health, for /health: ``degraded`` while the store is unreachable or
        requests are refused."""
        problems = []
        if self.store_down_since is not None:
            down_s = time.monotonic() - self.store_down_since
            problems.append(f"the store has been unreachable for {down_s:.0f} s")
        if self._refused_at is not None and time.monotonic() - self._refused_at < _RECENT_S:
            problems.append("the spool cannot take more records: predict answers 503")
        if self._dropped_at is not None and time.monotonic() - self._dropped_at < _RECENT_S:
            problems.append("the in-memory queue is full: records are dropped")
        return {
            "status": "degraded" if problems else "ok",
            "problems": problems,
            "durability": now.durability,
            "backlog_records": now.records,
            "backlog_bytes": now.bytes,
            "spool_max_bytes": now.max_bytes,
            "dropped_records": self.dropped,
            "refused_requests": self.refused_requests,
            "corrupt_files": self.corrupt_files,
        }
