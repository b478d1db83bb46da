"""Shared fixtures: a real Ames project in a temp folder, a trained model, real stores."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from driftlab.config import Project, load_project
from driftlab.model import ModelBundle
from driftlab.monitor.reference import prepare_reference
from driftlab.registry import CHAMPION, MemoryRegistry
from driftlab.scenarios import AmesScenario, prepare
from driftlab.store.sql import SqlStore
from driftlab.train import train_model

POSTGRES_ENV = "DRIFTLAB_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def ames(tmp_path_factory: pytest.TempPathFactory) -> AmesScenario:
    return prepare(tmp_path_factory.mktemp("ames"))


@pytest.fixture(scope="session")
def project(ames: AmesScenario) -> Project:
    return load_project(ames.project_file)


@pytest.fixture(scope="session")
def bundle(project: Project, ames: AmesScenario) -> ModelBundle:
    return train_model(project, ames.train, prepare=prepare_reference)


@pytest.fixture
def registry(bundle: ModelBundle) -> MemoryRegistry:
    reg = MemoryRegistry()
    version = reg.register(bundle)
    reg.set_alias(bundle.info.name, CHAMPION, version)
    return reg


def _store_params() -> list:
    params: list = [pytest.param("sqlite", id="sqlite")]
    params.append(
        pytest.param(
            "postgres",
            id="postgres",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(
                    not os.environ.get(POSTGRES_ENV),
                    reason=f"set {POSTGRES_ENV} to a PostgreSQL URL to run the store tests there",
                ),
            ],
        )
    )
    return params


@pytest.fixture(params=_store_params())
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    """The real store on SQLite (a file) and, when configured, on PostgreSQL (a fresh schema)."""
    if request.param == "sqlite":
        s = SqlStore(f"sqlite:///{tmp_path / 'store.db'}")
        yield s
        s.close()
        return
    with postgres_schema(os.environ[POSTGRES_ENV]) as url:
        s = SqlStore(url)
        yield s
        s.close()


@contextlib.contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A URL whose connections work in a fresh, empty schema, dropped afterwards: tests
    sharing one PostgreSQL database never see each other's tables or migrations."""
    import sqlalchemy as sa

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {name}"))
    try:
        schema_url = sa.make_url(url).update_query_dict({"options": f"-csearch_path={name}"})
        yield schema_url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {name} CASCADE"))
        admin.dispose()


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    """One local Spark session (two cores) for every Spark test: starting one takes seconds.
    driftlab's own session builder is used, so executors run this interpreter without
    PYSPARK_PYTHON set by hand."""
    import shutil

    pytest.importorskip("pyspark", reason="pyspark is in the dev extra: pip install -e '.[dev]'")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs a Java runtime (17+): install Debian's openjdk-17-jre-headless")
    from driftlab.config.spark import SparkConfig
    from driftlab.spark.session import spark_session

    conf = {"spark.ui.enabled": "false", "spark.sql.shuffle.partitions": "4"}
    session = spark_session(SparkConfig(master="local[2]", app_name="driftlab-tests", conf=conf))
    yield session
    session.stop()


@pytest.fixture(scope="session")
def seeded(
    project: Project, bundle: ModelBundle, ames: AmesScenario, tmp_path_factory
) -> Iterator[tuple[SqlStore, list[int]]]:
    """A SQLite store with four real monitoring runs of the Ames model and two retraining
    decisions (see tests/report/seed.py), shared by the report and dashboard tests."""
    from tests.report.seed import seed_store

    s = SqlStore(f"sqlite:///{tmp_path_factory.mktemp('seeded') / 'driftlab.db'}")
    run_ids = seed_store(s, project, bundle, ames)
    yield s, run_ids
    s.close()
