"""What a load verifies: the model folder and the run's JSON files, over the bytes it loads.

A real MLflow store in a temp folder; the artifacts are edited where MLflow keeps them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import skops.io
from sklearn.base import clone

from driftlab.errors import RegistryError
from driftlab.model import ModelBundle
from driftlab.registry.artifacts import FOLDER_TAG, MANIFEST_TAG
from driftlab.registry.mlflow_registry import MlflowRegistry
from driftlab.scenarios.ames import TARGET, AmesScenario


def _only(root: Path, name: str) -> Path:
    (found,) = list(root.rglob(name))
    return found


def _edit_json(path: Path, edit) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(path.read_bytes())
    edit(data)
    path.write_text(json.dumps(data, indent=2))


def _sample(ames: AmesScenario):  # type: ignore[no-untyped-def]
    return ames.normal.drop(columns=[TARGET]).head(50)


@pytest.fixture(scope="module")
def other(bundle: ModelBundle, ames: AmesScenario) -> ModelBundle:
    """A different valid model of the same pipeline type: refit on the labels reversed, so its
    predictions differ from ``bundle``'s but skops trusts the same types."""
    x = bundle.model_frame(ames.train)
    pipeline = clone(bundle.pipeline).fit(x, np.asarray(bundle.pipeline.predict(x))[::-1])
    return replace(bundle, pipeline=pipeline)


def test_untouched_version_loads_as_before(
    mlflow_registry: MlflowRegistry, bundle: ModelBundle, ames: AmesScenario
) -> None:
    version = mlflow_registry.register(bundle)
    loaded = mlflow_registry.load(bundle.info.name, version)
    assert loaded.info == bundle.info
    assert loaded.reference.to_dict() == bundle.reference.to_dict()
    assert bundle.outputs is not None and loaded.outputs is not None
    assert loaded.outputs.to_dict() == bundle.outputs.to_dict()
    x = _sample(ames)
    np.testing.assert_allclose(
        loaded.predict_proba(loaded.model_frame(x)), bundle.predict_proba(bundle.model_frame(x))
    )


def test_tampered_model_info_is_refused(
    mlflow_registry: MlflowRegistry, bundle: ModelBundle, tmp_path: Path
) -> None:
    version = mlflow_registry.register(bundle)

    def forge(info: dict) -> None:
        info["classes"].append("Luxury")
        info["metrics"]["roc_auc"] = 0.999

    _edit_json(_only(tmp_path / "artifacts", "model_info.json"), forge)
    with pytest.raises(RegistryError, match=r"version 1: .*model_info\.json") as err:
        mlflow_registry.load(bundle.info.name, version)
    message = str(err.value)
    assert "reference_profile.json" not in message  # only the file that changed
    assert re.search(r"expected [0-9a-f]{64}, actual [0-9a-f]{64}", message)


def test_tampered_reference_profile_is_refused(
    mlflow_registry: MlflowRegistry, bundle: ModelBundle, tmp_path: Path
) -> None:
    version = mlflow_registry.register(bundle)
    path = _only(tmp_path / "artifacts", "reference_profile.json")
    path.write_bytes(path.read_bytes().replace(b"1", b"2", 1))
    with pytest.raises(RegistryError, match=r"reference_profile\.json") as err:
        mlflow_registry.load(bundle.info.name, version)
    assert "re-register" in str(err.value).lower()


def test_artifact_swapped_after_the_check_is_not_what_loads(
    mlflow_registry: MlflowRegistry,
    bundle: ModelBundle,
    other: ModelBundle,
    ames: AmesScenario,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The race: the files on disk are swapped for another valid model (and a forged
    model_info.json) after the digest was checked, just before the model is deserialized. What
    loads must be the bytes that were checked."""
    store = tmp_path / "artifacts"
    version = mlflow_registry.register(bundle)
    target = _only(store, "model.skops")
    info_file = _only(store, "model_info.json")
    mlflow_registry.register(other)
    (substitute,) = [p for p in store.rglob("model.skops") if p != target]
    x = _sample(ames)
    assert not np.allclose(
        other.predict_proba(other.model_frame(x)), bundle.predict_proba(bundle.model_frame(x))
    )

    real_load, real_loads = skops.io.load, skops.io.loads
    swaps: list[str] = []

    def swap() -> None:
        target.write_bytes(substitute.read_bytes())
        _edit_json(info_file, lambda info: info["classes"].append("Luxury"))
        swaps.append("swapped")

    def load(*args, **kwargs):  # type: ignore[no-untyped-def]
        swap()
        return real_load(*args, **kwargs)

    def loads(*args, **kwargs):  # type: ignore[no-untyped-def]
        swap()
        return real_loads(*args, **kwargs)

    monkeypatch.setattr(skops.io, "load", load)
    monkeypatch.setattr(skops.io, "loads", loads)
    loaded = mlflow_registry.load(bundle.info.name, version)
    assert swaps  # the swap did happen between the check and the deserialization
    assert loaded.info.classes == bundle.info.classes
    np.testing.assert_allclose(
        loaded.predict_proba(loaded.model_frame(x)), bundle.predict_proba(bundle.model_frame(x))
    )


def _digest_before_manifests(folder: Path) -> str:
    """How versions registered before per-file digests were digested (the model folder only)."""
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(path.relative_to(folder).as_posix().encode() + b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()


def test_version_registered_before_manifests_loads_with_a_warning(
    mlflow_registry: MlflowRegistry,
    bundle: ModelBundle,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    name = bundle.info.name
    version = mlflow_registry.register(bundle)
    model_folder = _only(tmp_path / "artifacts", "MLmodel").parent
    tags = mlflow_registry.client.get_model_version(name, version).tags
    assert tags[FOLDER_TAG] == _digest_before_manifests(model_folder)  # still the same digest
    mlflow_registry.client.delete_model_version_tag(name, version, MANIFEST_TAG)

    with caplog.at_level(logging.WARNING, logger="driftlab.registry"):
        loaded = mlflow_registry.load(name, version)
    assert loaded.info == bundle.info
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "model_info.json" in warning and "reference_profile.json" in warning
    assert "not covered" in warning and "Re-register" in warning

    model_file = model_folder / "model.skops"
    model_file.write_bytes(model_file.read_bytes() + b"\0")
    with pytest.raises(RegistryError, match=r"model folder .*model\.skops.*expected [0-9a-f]{64}"):
        mlflow_registry.load(name, version)


def test_version_without_a_digest_is_refused(
    mlflow_registry: MlflowRegistry, bundle: ModelBundle
) -> None:
    name = bundle.info.name
    version = mlflow_registry.register(bundle)
    for tag in (MANIFEST_TAG, FOLDER_TAG):
        mlflow_registry.client.delete_model_version_tag(name, version, tag)
    with pytest.raises(RegistryError, match="no artifact digest was recorded at registration"):
        mlflow_registry.load(name, version)
