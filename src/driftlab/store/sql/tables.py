"""The SQL store's tables, the engine that holds them, and the conversions every query shares.

The tables are the code's view of the schema; store/migrations builds and changes it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import StaticPool

from driftlab.errors import StoreError, first_line
from driftlab.redact import safe_url
from driftlab.store.codec import json_dumps

__all__ = [
    "PREDICTION_COLUMNS",
    "alert_claims",
    "alerts",
    "compliance_audit",
    "create_engine",
    "decisions",
    "label_changes",
    "labels",
    "metadata",
    "monitoring_runs",
    "predictions",
    "request_errors",
    "safe_url",
    "utc_bound",
]

# The tables as the code expects them. Change them only together with a new revision in
# store/migrations/versions: a test checks that the migrated schema equals this metadata.
metadata = sa.MetaData()

predictions = sa.Table(
    "predictions",
    metadata,
    sa.Column("request_id", sa.String(64), primary_key=True),
    sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
    sa.Column("model_name", sa.String(200), nullable=False),
    sa.Column("model_version", sa.String(50), nullable=False),
    sa.Column("features", sa.JSON, nullable=False),
    sa.Column("prediction", sa.JSON, nullable=False),
    sa.Column("probability", sa.Float),
    sa.Column("probabilities", sa.JSON),
    sa.Column("latency_ms", sa.Float, nullable=False),
    # Protected attributes sent as request metadata, kept apart from the model inputs.
    sa.Column("attributes", sa.JSON, nullable=True),
    # Serves read_window (newest first) and iter_window's keyset pages without sorting.
    sa.Index("ix_predictions_model_ts_id", "model_name", "ts", "request_id"),
)

labels = sa.Table(
    "labels",
    metadata,
    sa.Column("request_id", sa.String(64), primary_key=True),
    sa.Column("label", sa.JSON, nullable=False),
    sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
)

# Requests answered with 4xx/5xx: the denominator of the service error rate.
request_errors = sa.Table(
    "request_errors",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
    sa.Column("model_name", sa.String(200), nullable=False),
    sa.Column("route", sa.String(200), nullable=False),
    sa.Column("status", sa.Integer, nullable=False),
    sa.Index("ix_request_errors_model_ts", "model_name", "ts"),
)

# Every correction of a label, for audit: the labels table only keeps the latest.
label_changes = sa.Table(
    "label_changes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("request_id", sa.String(64), nullable=False, index=True),
    sa.Column("old_label", sa.JSON, nullable=False),
    sa.Column("new_label", sa.JSON, nullable=False),
    sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
)

monitoring_runs = sa.Table(
    "monitoring_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
    sa.Column("model_name", sa.String(200), nullable=False, index=True),
    sa.Column("model_version", sa.String(50)),
    sa.Column("n_rows", sa.Integer, nullable=False),
    sa.Column("n_alerts", sa.Integer, nullable=False),
    sa.Column("result", sa.JSON, nullable=False),
)

alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, nullable=False, index=True),
    sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
    sa.Column("fingerprint", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("severity", sa.String(20), nullable=False),
    sa.Column("subject", sa.String(200)),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("sent", sa.Boolean, nullable=False),
    sa.Index("ix_alerts_fingerprint_ts", "fingerprint", "ts"),  # the cooldown's lookup
)

# The cooldown's state: when each fingerprint was last sent. One row per fingerprint, so
# "may I send?" and "I am sending" are one conditional upsert (claim_alert).
alert_claims = sa.Table(
    "alert_claims",
    metadata,
    sa.Column("fingerprint", sa.String(200), primary_key=True),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
)

# Every compliance check of every window, for audit: what was measured, against which limit,
# on which model version and rows, and the verdict.
compliance_audit = sa.Table(
    "compliance_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
    sa.Column("run_id", sa.Integer, nullable=False, index=True),
    sa.Column("model_name", sa.String(200), nullable=False, index=True),
    sa.Column("model_version", sa.String(50)),
    sa.Column("window_start", sa.String(40)),
    sa.Column("window_end", sa.String(40)),
    sa.Column("check", sa.String(20), nullable=False),
    sa.Column("feature", sa.String(200), nullable=False),
    sa.Column("prohibited", sa.Boolean, nullable=False),
    sa.Column("value", sa.Float),
    sa.Column("ci_low", sa.Float),
    sa.Column("ci_high", sa.Float),
    sa.Column("reference", sa.Float),
    sa.Column("limit", sa.Float),
    sa.Column("n", sa.Integer, nullable=False),
    sa.Column("verdict", sa.String(20), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
)

decisions = sa.Table(
    "retrain_decisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
    sa.Column("model_name", sa.String(200), nullable=False, index=True),
    sa.Column("promoted", sa.Boolean, nullable=False),
    sa.Column("decision", sa.JSON, nullable=False),
)


PREDICTION_COLUMNS = (
    "request_id", "ts", "model_name", "model_version", "features", "prediction",
    "probability", "probabilities", "latency_ms", "attributes",
)  # fmt: skip


def utc_bound(ts: datetime) -> datetime:
    # SQLite compares wall-clock text: bring bounds to UTC, the zone everything is stored in.
    return ts.astimezone(UTC) if ts.tzinfo else ts


def create_engine(url: str) -> sa.Engine:
    """An engine for ``url`` (SQLite or PostgreSQL), configured as the store needs it."""
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        if url in ("sqlite://", "sqlite:///:memory:"):
            # One shared connection, so every thread sees the same in-memory database.
            kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
        else:
            path = Path(url.removeprefix("sqlite:///"))
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StoreError(
                    f"cannot create the folder for the SQLite store {str(path)!r}: {e}; "
                    "set store.url to a writable path"
                ) from e
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        # A server restart leaves dead connections in the pool; test each one before use
        # rather than fail the first batch after an outage.
        kwargs["pool_pre_ping"] = True
    try:
        # PostgreSQL's json type refuses NaN/Infinity (SQLite would store them, and then
        # they are not NULL): store non-finite numbers as null on every backend.
        return sa.create_engine(url, json_serializer=json_dumps, **kwargs)
    except SQLAlchemyError as e:
        raise StoreError(
            f"cannot open the store at {safe_url(url)}: {e.__class__.__name__}: "
            f"{first_line(e)}; check store.url"
        ) from e
