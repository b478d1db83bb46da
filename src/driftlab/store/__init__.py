"""Prediction store: its ports (one per job), the records that cross them, and an in-memory
fake. The SQL adapter is imported explicitly, by the code that chooses it::

    from driftlab.store.sql import SqlStore   # SQLite or PostgreSQL; needs SQLAlchemy

Importing this package does not import SQLAlchemy.
"""

from driftlab.store.ports import (
    AlertLog,
    AuditLog,
    DecisionLog,
    JobLock,
    PredictionSink,
    RunHistory,
    RunLog,
    Store,
    WindowSource,
)
from driftlab.store.records import (
    AuditRow,
    ErrorRecord,
    LabelOutcome,
    LabelRecord,
    PredictionGroup,
    PredictionRecord,
    ServedVersion,
    StoredAlert,
    StoredDecision,
    StoredRun,
    Window,
    WindowSpan,
)


def __getattr__(name: str) -> object:
    # The fake needs pandas; the records and ports (what the drain child and the prediction
    # log import) do not, so it loads on first use.
    if name == "MemoryStore":
        from driftlab.store.memory import MemoryStore

        return MemoryStore
    raise AttributeError(f"module 'driftlab.store' has no attribute {name!r}")


__all__ = [
    "AlertLog",
    "AuditLog",
    "AuditRow",
    "DecisionLog",
    "ErrorRecord",
    "JobLock",
    "LabelOutcome",
    "LabelRecord",
    "MemoryStore",
    "PredictionGroup",
    "PredictionRecord",
    "PredictionSink",
    "RunHistory",
    "RunLog",
    "ServedVersion",
    "Store",
    "StoredAlert",
    "StoredDecision",
    "StoredRun",
    "Window",
    "WindowSource",
    "WindowSpan",
]
