"""The ONNX path against scikit-learn: parity on the reference sample and on other rows,
missing values, float32 overflow, and the reasons given when ONNX cannot serve a model."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

import driftlab.onnx_engine
from driftlab.config import Project, Task
from driftlab.model import ModelBundle
from driftlab.monitor.reference import prepare_reference
from driftlab.onnx_engine import PROBA_ATOL, compile_bundle, export_onnx, parity_frame
from driftlab.scenarios import AmesScenario
from driftlab.scenarios.ames import TARGET
from driftlab.train import train_model


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    rows = frame.to_dict(orient="records")
    return [
        {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in r.items()}
        for r in rows
    ]


@pytest.fixture(scope="module")
def compiled(bundle: ModelBundle) -> Any:
    outcome = compile_bundle(bundle)
    assert outcome.model is not None, outcome.reason
    return outcome


def test_demo_pipeline_converts_and_matches_on_the_reference_sample(compiled: Any) -> None:
    report = compiled.parity
    assert report.passed and report.labels_equal and report.reason is None
    assert report.max_abs_diff <= PROBA_ATOL
    assert report.rows > 1000  # the sample plus one probe block per nullable feature


def test_answers_match_sklearn_on_rows_it_was_not_checked_on(
    bundle: ModelBundle, compiled: Any, ames: AmesScenario
) -> None:
    # Drifted rows (another period) and rows with missing values in every column kind.
    frame = pd.concat([ames.normal.head(300), ames.drifted.head(300)]).drop(columns=[TARGET])
    frame = frame[[f.name for f in bundle.info.input_features]].reset_index(drop=True)
    frame.loc[::7, "Gr_Liv_Area"] = np.nan
    frame.loc[::5, "Neighborhood"] = None
    frame.loc[::3, "Neighborhood"] = "Atlantis"  # unseen category: one-hot all zeros in both
    records = _records(frame)
    ours, theirs = compiled.model.predict(records), bundle.predict(records)
    assert ours.predictions == theirs.predictions
    diff = np.abs(np.array(ours.probability) - np.array(theirs.probability))
    assert diff.max() <= PROBA_ATOL
    # The shape clients see is identical: same classes, rounded the same way.
    assert [set(p) for p in ours.probabilities] == [set(p) for p in theirs.probabilities]


def test_value_beyond_float32_is_left_to_sklearn(bundle: ModelBundle, compiled: Any, ames) -> None:
    record = _records(ames.normal.drop(columns=[TARGET]).head(1))[0]
    record["Lot_Area"] = 1e39
    assert compiled.model.predict([record]) is None


def test_parity_frame_probes_missing_values(bundle: ModelBundle) -> None:
    frame = parity_frame(bundle)
    assert frame["Neighborhood"].isna().any() and frame["Gr_Liv_Area"].isna().any()


def test_parity_failure_is_reported_with_the_numbers(bundle: ModelBundle, monkeypatch) -> None:
    monkeypatch.setattr(driftlab.onnx_engine, "PROBA_ATOL", 0.0)
    outcome = compile_bundle(bundle)
    assert outcome.model is None and outcome.parity is not None
    assert not outcome.parity.passed
    assert "differ from scikit-learn's on the reference sample" in outcome.reason
    assert "max abs diff" in outcome.reason


def test_unconvertible_pipeline_gives_the_reason(bundle: ModelBundle, ames) -> None:
    features = bundle.pipeline.steps[0][1]
    model = bundle.pipeline.steps[-1][1]
    odd = Pipeline([("features", features), ("abs", FunctionTransformer(np.abs)), ("model", model)])
    outcome = compile_bundle(replace(bundle, pipeline=odd))
    assert outcome.model is None and outcome.parity is None
    assert outcome.reason.startswith("skl2onnx cannot convert this pipeline")


def test_regression_values_match_within_the_documented_tolerance(
    project: Project, ames: AmesScenario
) -> None:
    target = "Gr_Liv_Area"
    reg = project.model_copy(
        update={
            "data": project.data.model_copy(update={"task": Task.REGRESSION, "target": target}),
            "features": [f for f in project.features if f.name != target],
            "model": project.model.model_copy(update={"params": {"max_iter": 50}}),
        }
    )
    bundle = train_model(reg, ames.train.drop(columns=[TARGET]), prepare=prepare_reference)
    outcome = compile_bundle(bundle)
    assert outcome.model is not None, outcome.reason
    frame = ames.drifted.head(200)[[f.name for f in bundle.info.input_features]]
    ours = np.array(outcome.model.predict(_records(frame)).predictions)
    theirs = np.array(bundle.predict(_records(frame)).predictions)
    assert np.all(np.abs(ours - theirs) <= 1e-6 + 1e-6 * np.abs(theirs))


def test_export_writes_model_and_parity_report(bundle: ModelBundle, tmp_path: Path) -> None:
    import onnxruntime as ort

    out = export_onnx(bundle, tmp_path / "edge")
    assert out.passed and out.model_path is not None
    report = json.loads(out.report_path.read_text())
    assert report["parity"]["passed"] and report["inputs"][0] == {
        "name": "Gr_Liv_Area", "type": "float32", "shape": [None, 1]
    }  # fmt: skip
    # The file stands alone: an edge device needs only onnxruntime and the report's inputs.
    session = ort.InferenceSession(str(out.model_path), providers=["CPUExecutionProvider"])
    feed = {
        i["name"]: np.array([[1500.0]], dtype=np.float32)
        if i["type"] == "float32"
        else np.array([["None"]], dtype=object)
        for i in report["inputs"]
    }
    label, proba = session.run(None, feed)
    assert label[0] in ("high", "low") and abs(float(proba.sum()) - 1.0) < 1e-5


@pytest.mark.parametrize(
    ("estimator", "params"),
    [("random_forest", {"n_estimators": 30}), ("logistic_regression", {})],
)
def test_other_estimators_convert_and_match(
    project: Project, ames: AmesScenario, estimator: str, params: dict[str, Any]
) -> None:
    model = project.model.model_copy(update={"estimator": estimator, "params": params})
    bundle = train_model(
        project.model_copy(update={"model": model}), ames.train, prepare=prepare_reference
    )
    outcome = compile_bundle(bundle)
    assert outcome.model is not None, outcome.reason
    assert outcome.parity.labels_equal and outcome.parity.max_abs_diff <= PROBA_ATOL
