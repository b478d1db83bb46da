"""Prediction store: a port and its SQLAlchemy adapter (SQLite or PostgreSQL)."""

from driftlab.store.base import (
    ErrorRecord,
    LabelOutcome,
    LabelRecord,
    PredictionGroup,
    PredictionRecord,
    Store,
    StoredRun,
)
from driftlab.store.sql import SqlStore

__all__ = [
    "ErrorRecord",
    "LabelOutcome",
    "LabelRecord",
    "PredictionGroup",
    "PredictionRecord",
    "SqlStore",
    "Store",
    "StoredRun",
]
