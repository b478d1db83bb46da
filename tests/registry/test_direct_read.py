"""Loading a version of a local MLflow store without starting MLflow: the same bundle, read
from the store's tables and folders, and verified the same way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from driftlab.model import ModelBundle
from driftlab.registry.mlflow_registry import MlflowRegistry
from driftlab.registry.mlflow_sql import local_version
from driftlab.scenarios.ames import TARGET, AmesScenario

_CHILD = """
import json, sys
import pandas as pd
from driftlab.registry.mlflow_registry import MlflowRegistry
registry = MlflowRegistry(sys.argv[1], "tests", sys.argv[2])
bundle = registry.load(sys.argv[3], sys.argv[4])
x = pd.read_json(sys.argv[5], orient="split")
print(json.dumps({
    "mlflow_imported": "mlflow" in sys.modules,
    "proba": bundle.predict_proba(bundle.model_frame(x)).tolist(),
    "classes": bundle.info.classes,
}))
"""


def test_a_local_store_loads_without_importing_mlflow(
    tmp_path: Path, bundle: ModelBundle, ames: AmesScenario
) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    registry = MlflowRegistry(uri, "tests", tmp_path / "artifacts")
    version = registry.register(bundle)
    x = ames.normal.drop(columns=[TARGET]).head(50)
    sample = tmp_path / "x.json"
    x.to_json(sample, orient="split")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, uri, str(tmp_path / "artifacts"), bundle.info.name,
         version, str(sample)],
        capture_output=True, text=True, env=env, timeout=300, check=True,
    )  # fmt: skip
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["mlflow_imported"] is False
    assert got["classes"] == list(bundle.info.classes)
    np.testing.assert_allclose(
        np.array(got["proba"]), bundle.predict_proba(bundle.model_frame(x)), rtol=0, atol=1e-12
    )


def test_stores_it_cannot_read_directly_go_through_mlflow(tmp_path: Path) -> None:
    # No such database (it is never created), another kind of store, an unknown version.
    assert local_version(f"sqlite:///{tmp_path / 'none.db'}", "m", "1") is None
    assert local_version("http://127.0.0.1:5000", "m", "1") is None
    assert local_version(str(tmp_path / "mlruns"), "m", "1") is None
    registry = MlflowRegistry(f"sqlite:///{tmp_path / 'm.db'}", "tests", tmp_path / "a")
    registry.client.create_registered_model("m")  # a store with MLflow's tables, no versions
    assert local_version(registry.tracking_uri, "m", "1") is None
