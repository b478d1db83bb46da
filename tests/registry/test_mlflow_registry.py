"""The MLflow adapter against a real MLflow store in a temp folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from driftlab.errors import ModelNotFoundError, RegistryError
from driftlab.model import ModelBundle
from driftlab.registry import CHAMPION
from driftlab.registry.mlflow_registry import MlflowRegistry
from driftlab.scenarios.ames import TARGET, AmesScenario


def test_register_load_alias_roundtrip(
    mlflow_registry: MlflowRegistry, bundle: ModelBundle, ames: AmesScenario
) -> None:
    name = bundle.info.name
    assert mlflow_registry.alias_version(name, CHAMPION) is None
    version = mlflow_registry.register(bundle)
    mlflow_registry.set_alias(name, CHAMPION, version)
    assert mlflow_registry.alias_version(name, CHAMPION) == version == "1"

    loaded = mlflow_registry.load(name, version)
    assert loaded.version == "1"
    assert loaded.info.dataset_sha256 == bundle.info.dataset_sha256
    assert loaded.info.metrics == bundle.info.metrics
    assert loaded.reference.to_dict() == bundle.reference.to_dict()
    x = ames.normal.drop(columns=[TARGET]).head(50)
    np.testing.assert_allclose(
        loaded.predict_proba(loaded.model_frame(x)), bundle.predict_proba(bundle.model_frame(x))
    )
    (mv,) = mlflow_registry.versions(name)
    assert mv.aliases == (CHAMPION,) and mv.metrics["roc_auc"] == bundle.info.metrics["roc_auc"]

    run = mlflow_registry.client.get_run(mv.run_id)
    assert run.data.tags["driftlab.dataset_sha256"] == bundle.info.dataset_sha256
    assert run.data.params["estimator"] == "hist_gradient_boosting"
    assert "driftlab.package.scikit-learn" in run.data.tags
    # The model's requirements are the packages a load needs, pinned to those installed
    # (not inferred from whatever a subprocess happened to import).
    from importlib import metadata

    import mlflow

    folder = mlflow.artifacts.download_artifacts(f"models:/{name}/{version}")
    needs = (Path(folder) / "requirements.txt").read_text().split()
    assert f"scikit-learn=={metadata.version('scikit-learn')}" in needs
    assert f"skops=={metadata.version('skops')}" in needs
    assert not [r for r in needs if r.startswith(("pytest", "rich"))]


def test_tampered_artifact_is_refused(
    mlflow_registry: MlflowRegistry, bundle: ModelBundle, tmp_path
) -> None:
    version = mlflow_registry.register(bundle)
    (model_file,) = list((tmp_path / "artifacts").rglob("model.skops"))
    model_file.write_bytes(model_file.read_bytes() + b"\0")
    with pytest.raises(RegistryError, match=r"does not match .* refusing to load"):
        mlflow_registry.load(bundle.info.name, version)


def test_unknown_version_is_clear(mlflow_registry: MlflowRegistry) -> None:
    with pytest.raises(
        ModelNotFoundError, match="'nope' version '3' is not in the MLflow registry"
    ):
        mlflow_registry.load("nope", "3")


def test_unwritable_tracking_uri_is_clear(tmp_path: Path, bundle: ModelBundle) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    reg = MlflowRegistry(f"sqlite:///{blocker}/sub/mlflow.db", "t", tmp_path / "a")
    with pytest.raises(RegistryError, match=r"set mlflow\.tracking_uri to a writable location"):
        reg.register(bundle)
