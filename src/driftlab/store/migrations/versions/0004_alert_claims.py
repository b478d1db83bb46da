"""The alert cooldown as one row per fingerprint, so checking and recording a send is one
atomic statement (two monitor runs at once cannot both pass the cooldown).

Revision ID: 0004_alert_claims
Revises: 0003_fairness
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_alert_claims"
down_revision = "0003_fairness"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_claims",
        sa.Column("fingerprint", sa.String(200), primary_key=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
    )
    # The cooldowns running now carry over: the last send of each fingerprint.
    op.execute(
        "INSERT INTO alert_claims (fingerprint, sent_at) "
        "SELECT fingerprint, MAX(ts) FROM alerts WHERE sent GROUP BY fingerprint"
    )


def downgrade() -> None:
    op.drop_table("alert_claims")
