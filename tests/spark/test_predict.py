"""``driftlab predict --engine spark``: the same output as ``driftlab predict``, computed on the
executors, with ONNX Runtime where its parity holds and scikit-learn otherwise."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from driftlab.batch import predict_file
from driftlab.config import Project
from driftlab.errors import DataError
from driftlab.onnx_engine import PROBA_ATOL
from driftlab.registry import MemoryRegistry
from driftlab.scenarios import AmesScenario

pytestmark = [pytest.mark.slow, pytest.mark.spark]


@pytest.fixture(scope="module")
def source(ames: AmesScenario, tmp_path_factory: pytest.TempPathFactory) -> Path:
    frame = ames.drifted.drop(columns=[ames.target]).reset_index(drop=True)
    frame = frame.assign(row_id=[f"r{i}" for i in range(len(frame))])
    path = tmp_path_factory.mktemp("spark-predict") / "rows.parquet"
    frame.to_parquet(path, row_group_size=100)
    return path


@pytest.mark.parametrize("onnx", [True, False], ids=["onnx", "scikit-learn"])
def test_scores_like_driftlab_predict(
    onnx: bool,
    spark: object,
    project: Project,
    registry: MemoryRegistry,
    source: Path,
    tmp_path: Path,
) -> None:
    from driftlab.spark.predict import predict_spark

    expected_path = tmp_path / "local.parquet"
    predict_file(project, registry, source, expected_path, id_column="row_id")
    expected = pd.read_parquet(expected_path)
    out = tmp_path / "spark.parquet"
    small_batches = {"spark.sql.execution.arrow.maxRecordsPerBatch": "64"}
    outcome = predict_spark(project, registry, str(source), str(out), id_column="row_id",
                            onnx=onnx, conf=small_batches)  # fmt: skip
    assert outcome.rows == len(expected) == 400
    assert outcome.engine == ("onnx" if onnx else "scikit-learn")
    got = pd.read_parquet(out)  # a folder of part files
    assert got.columns.tolist() == expected.columns.tolist()
    got = got.set_index("request_id").loc[expected["request_id"]].reset_index()
    assert got["prediction"].tolist() == expected["prediction"].tolist()
    # ONNX Runtime computes in float32: within the parity check's tolerance of scikit-learn
    # (and one step of the 6 decimals the proba_ columns are rounded to).
    atol = PROBA_ATOL if onnx else 0.0
    np.testing.assert_allclose(got["probability"], expected["probability"], atol=atol, rtol=0)
    for col in (c for c in expected.columns if c.startswith("proba_")):
        np.testing.assert_allclose(got[col], expected[col], atol=atol + (onnx and 1e-6), rtol=0)


def test_new_request_ids_without_an_id_column(
    spark: object, project: Project, registry: MemoryRegistry, source: Path, tmp_path: Path
) -> None:
    from driftlab.spark.predict import predict_spark

    out = tmp_path / "ids.parquet"
    predict_spark(project, registry, str(source), str(out), onnx=False)
    ids = pd.read_parquet(out)["request_id"]
    assert len(ids) == 400 and ids.is_unique and (ids.str.len() == 32).all()


def test_missing_input_column_is_named(
    spark: object, project: Project, registry: MemoryRegistry, source: Path, tmp_path: Path
) -> None:
    from driftlab.spark.predict import predict_spark

    lacking = tmp_path / "lacking.parquet"
    pd.read_parquet(source).drop(columns=["Year_Built"]).to_parquet(lacking)
    with pytest.raises(DataError, match=r"lacks the model's input column\(s\) \['Year_Built'\]"):
        predict_spark(project, registry, str(lacking), str(tmp_path / "o.parquet"))
    with pytest.raises(DataError, match=r"id column 'nope' is not in"):
        predict_spark(project, registry, str(source), str(tmp_path / "o.parquet"), id_column="nope")


def test_a_bad_value_on_an_executor_is_reported_as_driftlab_error(
    spark: object, project: Project, registry: MemoryRegistry, source: Path, tmp_path: Path
) -> None:
    from driftlab.spark.predict import predict_spark

    bad = tmp_path / "bad.parquet"
    frame = pd.read_parquet(source)
    frame["Year_Built"] = frame["Year_Built"].astype(object)
    frame.loc[5, "Year_Built"] = "nineteen-ninety"
    frame["Year_Built"] = frame["Year_Built"].astype(str)
    frame.to_parquet(bad)
    with pytest.raises(DataError, match=r"'Year_Built' is numeric in the spec but holds"):
        predict_spark(project, registry, str(bad), str(tmp_path / "o.parquet"), onnx=False)
