"""Fairness and compliance: protected attributes beside the features, the compliance audit.

Revision ID: 0003_fairness
Revises: 0002_serving
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_fairness"
down_revision = "0002_serving"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: rows logged before this revision have no separately stored attributes.
    op.add_column("predictions", sa.Column("attributes", sa.JSON, nullable=True))
    op.create_table(
        "compliance_audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_id", sa.Integer, nullable=False),
        sa.Column("model_name", sa.String(200), nullable=False),
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
    op.create_index("ix_compliance_audit_run_id", "compliance_audit", ["run_id"])
    op.create_index("ix_compliance_audit_model_name", "compliance_audit", ["model_name"])


def downgrade() -> None:
    op.drop_index("ix_compliance_audit_model_name", table_name="compliance_audit")
    op.drop_index("ix_compliance_audit_run_id", table_name="compliance_audit")
    op.drop_table("compliance_audit")
    op.drop_column("predictions", "attributes")
