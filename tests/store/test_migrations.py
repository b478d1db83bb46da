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
from driftlab.store import PredictionRecord, migrate
from driftlab.store.sql import SqlStore
from driftlab.store.sql.tables import metadata
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


def _metadata_of_0_1() -> sa.MetaData:
    """The tables exactly as driftlab 0.1 declared them in store/sql.py (and created with
    create_all), frozen here: later revisions change the code's metadata, not this."""
    md = sa.MetaData()

    sa.Table(
        "predictions",
        md,
        sa.Column("request_id", sa.String(64), primary_key=True),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("model_name", sa.String(200), nullable=False),
        sa.Column("model_version", sa.String(50), nullable=False),
        sa.Column("features", sa.JSON, nullable=False),
        sa.Column("prediction", sa.JSON, nullable=False),
        sa.Column("probability", sa.Float),
        sa.Column("probabilities", sa.JSON),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Index("ix_predictions_model_ts", "model_name", "ts"),
    )

    sa.Table(
        "labels",
        md,
        sa.Column("request_id", sa.String(64), primary_key=True),
        sa.Column("label", sa.JSON, nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
    )

    sa.Table(
        "request_errors",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("model_name", sa.String(200), nullable=False),
        sa.Column("route", sa.String(200), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Index("ix_request_errors_model_ts", "model_name", "ts"),
    )

    sa.Table(
        "label_changes",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.String(64), nullable=False, index=True),
        sa.Column("old_label", sa.JSON, nullable=False),
        sa.Column("new_label", sa.JSON, nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
    )

    sa.Table(
        "monitoring_runs",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("model_name", sa.String(200), nullable=False, index=True),
        sa.Column("model_version", sa.String(50)),
        sa.Column("n_rows", sa.Integer, nullable=False),
        sa.Column("n_alerts", sa.Integer, nullable=False),
        sa.Column("result", sa.JSON, nullable=False),
    )

    sa.Table(
        "alerts",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, nullable=False, index=True),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fingerprint", sa.String(200), nullable=False, index=True),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("severity", sa.String(20), nullable=False),
        sa.Column("subject", sa.String(200)),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("sent", sa.Boolean, nullable=False),
    )

    sa.Table(
        "retrain_decisions",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("model_name", sa.String(200), nullable=False, index=True),
        sa.Column("promoted", sa.Boolean, nullable=False),
        sa.Column("decision", sa.JSON, nullable=False),
    )
    return md


def test_baseline_is_exactly_the_schema_of_0_1(url: str) -> None:
    engine = sa.create_engine(url)
    migrate.upgrade(engine, "0001_initial")
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), _metadata_of_0_1()) == []
    engine.dispose()


def test_database_made_by_create_all_is_stamped_and_keeps_its_rows(url: str) -> None:
    # What driftlab 0.1 left behind: its tables made by create_all, rows, no alembic_version.
    engine = sa.create_engine(url)
    _metadata_of_0_1().create_all(engine)
    # Rows written as 0.1 wrote them (today's code writes columns 0.1 does not have).
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

    outcome = migrate.upgrade(engine)  # what SqlStore(url) does on open
    assert (outcome.before, outcome.stamped) == (None, True)
    assert outcome.after == migrate.head_revision()
    store = SqlStore(url)
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


def test_db_commands_show_and_migrate_the_schema(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    from driftlab.scenarios import prepare

    prepare(tmp_path)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "driftlab", "db", *args, "--json"],
            cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip

    before = cli("current")
    assert before.returncode == 1, before.stderr  # behind: a finding
    assert json.loads(before.stdout) == {
        "current": None, "head": migrate.head_revision(), "up_to_date": False,
    }  # fmt: skip
    up = cli("upgrade")
    assert up.returncode == 0, up.stderr
    assert json.loads(up.stdout) == {
        "before": None, "after": migrate.head_revision(), "stamped": False,
    }  # fmt: skip
    after = cli("current")
    assert after.returncode == 0 and json.loads(after.stdout)["up_to_date"] is True
