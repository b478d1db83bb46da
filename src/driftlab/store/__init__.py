"""Prediction store: its ports (one per job), the records that cross them, and an in-memory
fake. The SQL adapter is imported explicitly, by the code that chooses it::

    from driftlab.store.sql import SqlStore   # SQLite or PostgreSQL; needs SQLAlchemy

Importing this package does not import SQLAlchemy.
"""

from driftlab.store.memory import MemoryStore
from driftlab.store.ports import (
    AlertLog,
    AuditLog,
    DecisionLog,
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
)

__all__ = [
    "AlertLog",
    "AuditLog",
    "AuditRow",
    "DecisionLog",
    "ErrorRecord",
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
    "WindowSource",
]
