"""Record validation and canonical tables."""

from __future__ import annotations

import pandas as pd
import pytest
from pydantic import ValidationError

from driftlab.config import Feature, FeatureKind, FeatureRole, project_from_dict
from driftlab.errors import SchemaError
from driftlab.profile import build_profile
from driftlab.schema import coerce_frame, record_model

FEATURES = [
    {"name": "x"},
    {"name": "c", "kind": "categorical"},
    {"name": "customer_id", "kind": "categorical", "role": "id"},
    {"name": "sex", "kind": "categorical", "role": "protected"},
]


@pytest.fixture
def project(tmp_path):
    raw = {"name": "p", "data": {"path": "d.csv", "target": "y"}, "features": FEATURES}
    return project_from_dict(raw, tmp_path)


def test_inputs_required_metadata_optional(project) -> None:
    model = record_model(project)
    rec = model.model_validate({"x": 1, "c": "a"})
    assert rec.model_dump() == {"x": 1.0, "c": "a", "customer_id": None, "sex": None}
    with pytest.raises(ValidationError, match="x\n  Field required"):
        model.model_validate({"c": "a"})


def test_ids_and_timestamps_are_not_drift_tested(project) -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0], "c": ["a", "b"], "customer_id": ["u1", "u2"],
                          "sex": ["f", "m"]})  # fmt: skip
    prof = build_profile(frame, project.monitored_features)
    assert set(prof.features) == {"x", "c", "sex"}
    assert [f.name for f in project.input_features] == ["x", "c"]


def test_coerce_frame_names_bad_numeric_value() -> None:
    feats = [Feature(name="x"), Feature(name="c", kind=FeatureKind.CATEGORICAL)]
    with pytest.raises(SchemaError, match=r"column 'x' is numeric in the spec but holds 'abc'"):
        coerce_frame(pd.DataFrame({"x": ["1", "abc"], "c": ["a", "b"]}), feats)
    out = coerce_frame(pd.DataFrame({"x": ["1", None], "c": [3, None]}), feats)
    assert out["x"].dtype == "float64" and out["c"].tolist() == ["3", None]


def test_role_enum_values() -> None:
    assert {r.value for r in FeatureRole} == {"input", "id", "timestamp", "protected", "prohibited"}
