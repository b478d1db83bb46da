"""The 0003_fairness migration matches the tables the store creates, both directions."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

import driftlab.store.sql.tables as sql
from driftlab.store import migrate

SCRIPT = Path(migrate.__file__).parent / "migrations" / "versions" / "0003_fairness.py"


def _columns(engine: sa.Engine, table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(engine).get_columns(table)}


def test_downgrade_then_upgrade_restores_the_store_schema(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("fairness_migration", SCRIPT)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert (script.revision, script.down_revision) == ("0003_fairness", "0002_serving")
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    sql.metadata.create_all(engine)
    with engine.begin() as conn:
        ctx = MigrationContext.configure(conn)
        with Operations.context(ctx):
            script.downgrade()
    assert "compliance_audit" not in sa.inspect(engine).get_table_names()
    assert "attributes" not in _columns(engine, "predictions")
    with engine.begin() as conn:
        ctx = MigrationContext.configure(conn)
        with Operations.context(ctx):
            script.upgrade()
    assert _columns(engine, "predictions") == {c.name for c in sql.predictions.c}
    assert _columns(engine, "compliance_audit") == {c.name for c in sql.compliance_audit.c}
    engine.dispose()
