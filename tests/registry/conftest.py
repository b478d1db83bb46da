"""A real MLflow store (SQLite tracking database and artifact folder) in the test's temp dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from driftlab.registry.mlflow_registry import MlflowRegistry


@pytest.fixture
def mlflow_registry(tmp_path: Path) -> MlflowRegistry:
    return MlflowRegistry(f"sqlite:///{tmp_path / 'mlflow.db'}", "tests", tmp_path / "artifacts")
