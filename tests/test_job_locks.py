"""Two runs of one job at once on a real SQLite store: each alert is sent once, one retrain
promotes. Both fail on jobs without a lock (the second run overlaps the first)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from driftlab.config import Project
from driftlab.errors import JobLockedError
from driftlab.jobs import monitor_job
from driftlab.monitor.result import Alert
from driftlab.registry import CHAMPION, MemoryRegistry
from driftlab.retrain import retrain
from driftlab.scenarios.ames import TARGET, AmesScenario
from driftlab.store import LabelRecord, PredictionRecord, Window
from driftlab.store.sql import SqlStore

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _log(store: SqlStore, frame: Any, n: int, *, labels: bool = False) -> None:
    feats = frame.drop(columns=[TARGET]).head(n).to_dict(orient="records")
    store.log_predictions(
        [
            PredictionRecord(f"r{i}", T0 + timedelta(seconds=i), "ames-housing", "1", f, "low",
                             0.6, 1.0)
            for i, f in enumerate(feats)
        ]
    )  # fmt: skip
    if labels:
        store.add_labels([LabelRecord(f"r{i}", v, T0) for i, v in enumerate(frame[TARGET].head(n))])


@dataclass
class Collecting:
    """A sink that keeps what it is sent; the first send waits for ``go`` (the other run)."""

    name: str = "collect"
    min_severity: str = "info"
    sent: list[str] = field(default_factory=list)
    sending: threading.Event = field(default_factory=threading.Event)
    go: threading.Event = field(default_factory=threading.Event)

    def send(self, alert: Alert, context: dict[str, Any]) -> None:
        self.sending.set()
        assert self.go.wait(60)
        self.sent.append(alert.fingerprint)


def test_two_monitor_runs_at_once_send_each_alert_once(
    project: Project, registry: MemoryRegistry, ames: AmesScenario, tmp_path
) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 's.db'}")
    _log(store, ames.drifted, 300)
    sink = Collecting()
    window = Window(last_n=300)
    first: list[Any] = []
    runner = threading.Thread(
        target=lambda: first.append(monitor_job(project, store, registry, window, [sink]))
    )
    runner.start()
    try:
        assert sink.sending.wait(120)  # the first run is delivering its alerts
        with pytest.raises(JobLockedError, match=r"another 'monitor' of model 'ames-housing'"):
            monitor_job(project, store, registry, window, [sink])
        # A second run that waits for the lock runs after the first: the cooldown (one
        # atomic claim per alert) holds back every alert the first one sent.
        waiter: list[Any] = []
        second = threading.Thread(
            target=lambda: waiter.append(
                monitor_job(project, store, registry, window, [sink], lock_wait_s=120)
            )
        )
        second.start()
    finally:
        sink.go.set()
    runner.join(120)
    second.join(120)
    [out] = first
    # One message per incident, the run's alerts inside it.
    assert out.result.alerts and sorted(sink.sent) == sorted(
        i.fingerprint for i in out.result.incidents
    )
    assert all(d.suppressed for d in waiter[0].deliveries)
    store.close()


class _SlowRegistry(MemoryRegistry):
    """Holds the first retrain just after it registered its challenger."""

    def __init__(self, inner: MemoryRegistry) -> None:
        self.__dict__.update(inner.__dict__)
        self.registered = threading.Event()
        self.go = threading.Event()

    def register(self, *args: Any, **kwargs: Any) -> str:
        version = super().register(*args, **kwargs)
        self.registered.set()
        assert self.go.wait(60)
        return version


def test_two_retrains_at_once_promote_once(
    project: Project, registry: MemoryRegistry, ames: AmesScenario, tmp_path
) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 's.db'}")
    _log(store, ames.drifted, 300, labels=True)
    slow = _SlowRegistry(registry)
    decisions: list[Any] = []
    runner = threading.Thread(
        target=lambda: decisions.append(retrain(project, store, slow, ames.train))
    )
    runner.start()
    try:
        assert slow.registered.wait(120)
        with pytest.raises(JobLockedError, match=r"another 'retrain' of model 'ames-housing'"):
            retrain(project, store, slow, ames.train)
    finally:
        slow.go.set()
    runner.join(120)
    [decision] = decisions
    assert [d.promoted for d in store.decisions("ames-housing")] == [decision.promoted]
    champion = slow.alias_version("ames-housing", CHAMPION)
    assert champion == (decision.challenger_version if decision.promoted else "1")
    store.close()
