"""Indexes for the queries production serving and monitoring run most.

- Windows are read newest-first (``read_window``) and paged by ``(ts, request_id)``
  (``iter_window``) within one model: an index on ``(model_name, ts, request_id)`` serves
  both orders and the keyset condition, so no page sorts. It replaces the
  ``(model_name, ts)`` index, its prefix.
- The alert cooldown asks for the last sent alert of a fingerprint (``last_alert_sent``):
  ``(fingerprint, ts)`` answers it from the index instead of scanning every alert of the
  fingerprint; it replaces the index on ``fingerprint`` alone.

The prediction spool needs nothing new: replays are idempotent through the primary key on
``request_id``.

Revision ID: 0002_serving
Revises: 0001_initial
"""

from __future__ import annotations

from alembic import op

revision = "0002_serving"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_predictions_model_ts_id", "predictions", ["model_name", "ts", "request_id"])
    op.drop_index("ix_predictions_model_ts", table_name="predictions")
    op.create_index("ix_alerts_fingerprint_ts", "alerts", ["fingerprint", "ts"])
    op.drop_index("ix_alerts_fingerprint", table_name="alerts")


def downgrade() -> None:
    op.create_index("ix_alerts_fingerprint", "alerts", ["fingerprint"])
    op.drop_index("ix_alerts_fingerprint_ts", table_name="alerts")
    op.create_index("ix_predictions_model_ts", "predictions", ["model_name", "ts"])
    op.drop_index("ix_predictions_model_ts_id", table_name="predictions")
