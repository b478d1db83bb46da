"""Prediction store: a port and its SQLAlchemy adapter (SQLite or PostgreSQL)."""

from driftlab.store.base import LabelOutcome, LabelRecord, PredictionRecord, Store, StoredRun
from driftlab.store.sql import SqlStore

__all__ = ["LabelOutcome", "LabelRecord", "PredictionRecord", "SqlStore", "Store", "StoredRun"]
