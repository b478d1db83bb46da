"""Which engine runs the served model, and that clients cannot tell them apart."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import httpx
import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from driftlab.model import ModelBundle
from driftlab.registry import CHAMPION, MemoryRegistry
from driftlab.scenarios.ames import TARGET
from driftlab.serve import create_app
from driftlab.serve.routes.predict import Prediction, PredictionList
from driftlab.store.sql import SqlStore
from tests.live import LiveServer


def _records(ames: Any, n: int) -> list[dict[str, Any]]:
    rows = ames.drifted.drop(columns=[TARGET]).head(n).to_dict(orient="records")
    return [{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()} for r in rows]


def _served(project, registry, tmp_path, **serve: Any) -> LiveServer:
    p = project.model_copy(update={"serve": project.serve.model_copy(update=serve)})
    return LiveServer(create_app(p, SqlStore(f"sqlite:///{tmp_path / 's.db'}"), registry))


def test_onnx_serves_and_answers_like_sklearn(project, registry, bundle, tmp_path, ames) -> None:
    records = _records(ames, 50)
    with _served(project, registry, tmp_path) as live:
        model = httpx.get(f"{live.url}/v1/model").json()
        assert model["engine"] == "onnxruntime" and model["engine_reason"] is None
        assert model["onnx_parity"]["passed"] and model["onnx_parity"]["max_abs_diff"] <= 1e-6
        one = httpx.post(f"{live.url}/v1/predict", json=records[0]).json()
        many_body = httpx.post(f"{live.url}/v1/predict", json=records).json()
    # The answers are built as plain JSON: they must still be what OpenAPI documents.
    Prediction.model_validate(one, strict=True)
    many = PredictionList.model_validate(many_body, strict=True).model_dump()["predictions"]
    assert set(one) == set(Prediction.model_fields)
    expected = bundle.predict(records)
    assert [p["prediction"] for p in many] == expected.predictions
    got = np.array([p["probability"] for p in many])
    assert np.abs(got - np.array(expected.probability)).max() <= 1e-6
    assert one["prediction"] == expected.predictions[0]


def test_onnx_off_runs_sklearn_and_says_so(project, registry, tmp_path, ames) -> None:
    with _served(project, registry, tmp_path, onnx=False) as live:
        model = httpx.get(f"{live.url}/v1/model").json()
        assert model["engine"] == "scikit-learn"
        assert model["engine_reason"] == "ONNX is off (serve.onnx = false)"
        assert httpx.post(f"{live.url}/v1/predict", json=_records(ames, 1)[0]).status_code == 200


def test_unconvertible_model_falls_back_with_the_reason(
    project, bundle: ModelBundle, tmp_path, ames, caplog
) -> None:
    features, model = bundle.pipeline.steps[0][1], bundle.pipeline.steps[-1][1]
    odd = Pipeline([("features", features), ("abs", FunctionTransformer(np.abs)), ("model", model)])
    registry = MemoryRegistry()
    version = registry.register(replace(bundle, pipeline=odd))
    registry.set_alias(bundle.info.name, CHAMPION, version)
    with _served(project, registry, tmp_path) as live:
        described = httpx.get(f"{live.url}/v1/model").json()
        resp = httpx.post(f"{live.url}/v1/predict", json=_records(ames, 1)[0])
    assert described["engine"] == "scikit-learn"
    assert described["engine_reason"].startswith("skl2onnx cannot convert this pipeline")
    assert resp.status_code == 200
    assert "runs on scikit-learn: skl2onnx cannot convert" in caplog.text


def test_value_beyond_float32_gives_the_same_answer_either_way(
    project, registry, tmp_path, ames
) -> None:
    # 1e39 does not fit a float32: the ONNX path hands the request to scikit-learn.
    record = _records(ames, 1)[0]
    record["Lot_Area"] = 1e39
    answers = []
    for onnx in (True, False):
        with _served(project, registry, tmp_path, onnx=onnx) as live:
            resp = httpx.post(f"{live.url}/v1/predict", json=record)
        assert resp.status_code == 200
        answers.append({k: resp.json()[k] for k in ("prediction", "probability")})
    assert answers[0] == answers[1]


def test_onnx_runtime_error_falls_back_to_sklearn(bundle: ModelBundle, ames, caplog) -> None:
    from driftlab.serve.holder import Served

    class Broken:
        def predict(self, records: list[dict[str, Any]]) -> None:
            raise RuntimeError("[ONNXRuntimeError] : 2 : INVALID_ARGUMENT")

    records = _records(ames, 3)
    served = Served(bundle, compiled=Broken(), engine="onnxruntime")
    assert served.predict(records) == bundle.predict(records)
    assert "ONNX Runtime failed (RuntimeError); scikit-learn answers" in caplog.text


def test_refused_artifact_on_reload_keeps_the_current_version(
    project, bundle: ModelBundle, tmp_path, ames, caplog
) -> None:
    from driftlab.errors import RegistryError

    class Tampered(MemoryRegistry):
        tampered = False

        def load(self, name: str, version: str) -> ModelBundle:
            if self.tampered and version == "2":  # as MlflowRegistry.load on a bad sha256
                raise RegistryError("artifact digest does not match; refusing to load it")
            return super().load(name, version)

    registry = Tampered()
    registry.set_alias(bundle.info.name, CHAMPION, registry.register(bundle))
    with _served(project, registry, tmp_path, reload_interval_s=0.1) as live:
        v2 = registry.register(bundle)
        registry.tampered = True  # before the alias moves: no poll may load v2 in between
        registry._aliases[(bundle.info.name, CHAMPION)] = v2  # set_alias would load it
        reload = httpx.post(f"{live.url}/v1/model/reload")
        time.sleep(0.5)  # a few polls
        answer = httpx.post(f"{live.url}/v1/predict", json=_records(ames, 1)[0])
    assert reload.status_code == 503  # the explicit reload says it failed, as JSON
    assert answer.status_code == 200 and answer.json()["model_version"] == "1"
    assert "champion reload failed; still serving version 1" in caplog.text


class _NanProba(ClassifierMixin, BaseEstimator):
    """A fitted classifier stand-in whose probabilities are NaN (a broken model)."""

    def __init__(self, classes: np.ndarray | None = None) -> None:
        self.classes = classes
        self.classes_ = classes

    def __sklearn_is_fitted__(self) -> bool:
        return True

    def fit(self, x: Any, y: Any) -> _NanProba:
        return self

    def predict_proba(self, x: Any) -> np.ndarray:
        return np.full((len(x), len(self.classes_)), np.nan)

    def predict(self, x: Any) -> np.ndarray:
        return np.repeat(self.classes_[:1], len(x))


def test_non_finite_probability_is_422_and_nothing_is_logged(
    project, bundle: ModelBundle, tmp_path, ames
) -> None:
    features = bundle.pipeline.steps[0][1]
    broken = Pipeline([("features", features), ("model", _NanProba(bundle.pipeline.classes_))])
    registry = MemoryRegistry()
    registry.set_alias(
        bundle.info.name, CHAMPION, registry.register(replace(bundle, pipeline=broken))
    )
    store = SqlStore(f"sqlite:///{tmp_path / 'nan.db'}")
    with LiveServer(create_app(project, store, registry)) as live:
        resp = httpx.post(f"{live.url}/v1/predict", json=_records(ames, 1)[0])
    assert resp.status_code == 422 and "non-finite probability" in resp.json()["error"]
    # The client got no request id, so the store must hold no prediction for it.
    assert store.read_window(bundle.info.name).empty
