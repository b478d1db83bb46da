"""A real MLflow store (SQLite tracking database and artifact folder) in the test's temp dir.

``mlflow_registry`` runs each test twice: loading through MLflow's client, and reading the
version straight from the store's tables and local folders (what a load of a local store does,
:mod:`driftlab.registry.mlflow_sql`); both must verify and load alike.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from driftlab.registry import mlflow_registry as adapter
from driftlab.registry.mlflow_registry import MlflowRegistry


@pytest.fixture(params=["direct", "mlflow-client"])
def mlflow_registry(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> MlflowRegistry:
    if request.param == "mlflow-client":
        monkeypatch.setattr(adapter, "local_version", lambda *args: None)
    return MlflowRegistry(f"sqlite:///{tmp_path / 'mlflow.db'}", "tests", tmp_path / "artifacts")
