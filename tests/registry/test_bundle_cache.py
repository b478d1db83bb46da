"""A version is loaded once per process while its recorded digest stays the same.

A real MLflow store in a temp folder; each test gives its registries a cache of its own, so the
load counts are the test's alone.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from driftlab.errors import RegistryError
from driftlab.model import ModelBundle
from driftlab.registry import CHAMPION
from driftlab.registry.artifacts import MANIFEST_TAG
from driftlab.registry.cache import BundleCache
from driftlab.registry.mlflow_registry import MlflowRegistry


def _registry(tmp_path: Path, cache: BundleCache) -> MlflowRegistry:
    return MlflowRegistry(
        f"sqlite:///{tmp_path / 'mlflow.db'}", "tests", tmp_path / "artifacts", cache=cache
    )


def test_same_version_loads_once_across_registries_of_one_store(
    tmp_path: Path, bundle: ModelBundle
) -> None:
    cache = BundleCache(size=4)
    registry = _registry(tmp_path, cache)
    name = bundle.info.name
    version = registry.register(bundle)
    registry.set_alias(name, CHAMPION, version)

    first = registry.load(name, version)
    # A second registry object over the same store (as the server's holder and a job have).
    again = _registry(tmp_path, cache).load(name, version)
    assert again is first and cache.loads == 1
    assert first.version == version and first.info == bundle.info

    # Another store at another path is another key, even for the same name and version.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    other = _registry(elsewhere, cache)
    other.register(bundle)
    assert other.load(name, version) is not first and cache.loads == 2


def test_changed_digest_tag_is_loaded_and_verified_again(
    tmp_path: Path, bundle: ModelBundle
) -> None:
    cache = BundleCache(size=4)
    registry = _registry(tmp_path, cache)
    name = bundle.info.name
    version = registry.register(bundle)
    registry.load(name, version)
    recorded = json.loads(registry.client.get_model_version(name, version).tags[MANIFEST_TAG])
    forged = {key: "0" * 64 for key in recorded}
    registry.client.set_model_version_tag(name, version, MANIFEST_TAG, json.dumps(forged))
    # Not served from the cache: the load runs and its check refuses the bytes.
    with pytest.raises(RegistryError, match="does not match"):
        registry.load(name, version)
    assert cache.loads == 1  # the failed load is not cached either

    registry.client.set_model_version_tag(
        name, version, MANIFEST_TAG, json.dumps(recorded, sort_keys=True)
    )
    assert registry.load(name, version).info == bundle.info and cache.loads == 1


def test_least_recently_used_version_is_evicted(tmp_path: Path, bundle: ModelBundle) -> None:
    cache = BundleCache(size=1)
    registry = _registry(tmp_path, cache)
    name = bundle.info.name
    v1, v2 = registry.register(bundle), registry.register(bundle)
    registry.load(name, v1)
    registry.load(name, v2)  # evicts v1
    registry.load(name, v2)
    assert cache.loads == 2 and len(cache) == 1
    registry.load(name, v1)
    assert cache.loads == 3


def test_a_cache_of_size_zero_loads_every_time(tmp_path: Path, bundle: ModelBundle) -> None:
    cache = BundleCache(size=0)
    registry = _registry(tmp_path, cache)
    version = registry.register(bundle)
    first = registry.load(bundle.info.name, version)
    assert registry.load(bundle.info.name, version) is not first and cache.loads == 2
    with pytest.raises(ValueError, match="cache size must be >= 0"):
        BundleCache(size=-1)
