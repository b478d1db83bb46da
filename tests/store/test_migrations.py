"""Alembic migrations: the migrated schema is the code's schema, old databases keep their rows."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from driftlab.errors import StoreError
from driftlab.store import PredictionRecord, SqlStore, migrate
from driftlab.store.sql import metadata
from tests.conftest import POSTGRES_ENV, postgres_schema

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgres",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(not os.environ.get(POSTGRES_ENV), reason=f"set {POSTGRES_ENV}"),
            ],
        ),
    ]
)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    with postgres_schema(os.environ[POSTGRES_ENV]) as pg:
        yield pg


def _diffs(engine: sa.Engine) -> list:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), metadata)


def _rec(i: int) -> PredictionRecord:
    return PredictionRecord(f"r{i}", T0, "m", "1", {"x": float(i)}, "a", 0.5, 1.0)


def test_migrated_schema_is_the_code_schema(url: str) -> None:
    store = SqlStore(url)
    assert migrate.current_revision(store.engine) == migrate.head_revision()
    assert _diffs(store.engine) == []
    store.close()


def _named(diff: tuple) -> tuple[str, str]:
    # ("add_column", schema, table, Column) names its column last; the others name it second.
    return (diff[0], diff[3].name if diff[0] == "add_column" else diff[1].name)


def test_baseline_is_the_schema_before_migrations(url: str) -> None:
    # 0001_initial differs from today's code schema by exactly what the later revisions change.
    engine = sa.create_engine(url)
    migrate.upgrade(engine, "0001_initial")
    changes = sorted(_named(d) for d in _diffs(engine))
    assert changes == [
        ("add_column", "attributes"),  # 0003_fairness
        ("add_index", "ix_alerts_fingerprint_ts"),  # 0002_serving
        ("add_index", "ix_compliance_audit_model_name"),  # 0003_fairness
        ("add_index", "ix_compliance_audit_run_id"),
        ("add_index", "ix_predictions_model_ts_id"),  # 0002_serving
        ("add_table", "compliance_audit"),  # 0003_fairness
        ("remove_index", "ix_alerts_fingerprint"),  # 0002_serving
        ("remove_index", "ix_predictions_model_ts"),
    ]
    engine.dispose()


def test_database_made_by_create_all_is_stamped_and_keeps_its_rows(url: str) -> None:
    # What driftlab 0.1 left behind: the 0001 tables, rows, and no alembic_version table.
    engine = sa.create_engine(url)
    migrate.upgrade(engine, "0001_initial")
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE alembic_version"))
    # Rows written as 0.1 wrote them (today's code writes columns 0001 does not have).
    with engine.begin() as conn:
        for i in range(5):
            conn.execute(
                sa.text(
                    "INSERT INTO predictions (request_id, ts, model_name, model_version, "
                    "features, prediction, probability, latency_ms) VALUES "
                    "(:rid, :ts, 'm', '1', :features, '\"a\"', 0.5, 1.0)"
                ),
                {"rid": f"r{i}", "ts": T0, "features": f'{{"x": {float(i)}}}'},
            )
        conn.execute(
            sa.text("INSERT INTO labels (request_id, label, ts) VALUES ('r1', '\"a\"', :ts)"),
            {"ts": T0},
        )
    assert migrate.current_revision(engine) is None

    store = SqlStore(url)  # create=True: stamp 0001, upgrade to head
    assert migrate.current_revision(store.engine) == migrate.head_revision()
    assert _diffs(store.engine) == []
    frame = store.read_window("m")
    assert sorted(frame["request_id"]) == [f"r{i}" for i in range(5)]
    assert frame.set_index("request_id").loc["r1", "label"] == "a"
    store.close()
    engine.dispose()


def test_downgrade_and_upgrade_again_keep_rows(url: str) -> None:
    store = SqlStore(url)
    store.log_predictions([_rec(i) for i in range(3)])
    outcome = migrate.downgrade(store.engine, "0001_initial")
    assert outcome.after == "0001_initial"
    again = migrate.upgrade(store.engine)
    assert (again.before, again.after) == ("0001_initial", migrate.head_revision())
    assert len(store.read_window("m")) == 3
    store.close()


def test_schema_from_a_newer_driftlab_is_refused(url: str) -> None:
    store = SqlStore(url)
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(StoreError, match=r"revision '9999_future'.*upgrade driftlab"):
        SqlStore(url)
    store.close()
