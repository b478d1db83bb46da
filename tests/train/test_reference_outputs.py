"""Where the reference's model outputs come from: the holdout model on its holdout rows for
large data, 5-fold cross-validation for small; both out of sample, both reproducible."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification

from driftlab.calibration import fit_calibration
from driftlab.config import Project, project_from_dict
from driftlab.model_outputs import fitted_outputs, training_outputs
from driftlab.train import HOLDOUT_OUTPUT_ROWS, TrainingRows, train_model

COLS = [f"f{i}" for i in range(5)]


def _task(rows: int, tmp_path: Path) -> tuple[Project, pd.DataFrame]:
    x, y = make_classification(n_samples=rows, n_features=5, n_informative=3, random_state=1)
    frame = pd.DataFrame(x, columns=COLS).assign(label=np.where(y == 1, "yes", "no"))
    project = project_from_dict(
        {"name": "t", "data": {"path": "x.csv", "target": "label", "positive_class": "yes",
                               "test_size": 0.2, "seed": 3},
         "model": {"params": {"max_iter": 20}}, "features": [{"name": c} for c in COLS]},
        tmp_path,
    )  # fmt: skip
    return project, frame


@pytest.mark.parametrize(
    ("rows", "method"), [(5 * HOLDOUT_OUTPUT_ROWS, "holdout"), (2_000, "cross_validation")]
)
def test_reference_outputs_are_out_of_sample_and_reproducible(
    rows: int, method: str, tmp_path: Path
) -> None:
    from sklearn.model_selection import train_test_split

    from driftlab.train.pipeline import build_pipeline

    project, frame = _task(rows, tmp_path)
    seen: list[TrainingRows] = []
    bundle = train_model(project, frame, prepare=lambda r: seen.append(r) or {})
    info = bundle.info
    n_out = rows // 5 if method == "holdout" else rows
    assert info.extra["reference_outputs"] == {"method": method, "rows": n_out}
    (prepared,) = seen
    assert len(prepared.x) == len(prepared.y) == len(prepared.oof) == n_out
    assert len(prepared.all_x) == rows
    x, y = frame[COLS], frame["label"].astype(str)
    if method == "holdout":
        # The holdout model's probabilities on exactly the rows it never saw.
        x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.2, random_state=3, stratify=y)
        holdout = build_pipeline(project).fit(x_tr, y_tr)
        expected = fitted_outputs(holdout, x_te, info)["prediction"].to_numpy()
        assert prepared.x.index.equals(x_te.index)
        truth = (y_te == "yes").to_numpy()
    else:
        expected = training_outputs(bundle.pipeline, x, y, info)["prediction"].to_numpy()
        truth = (y == "yes").to_numpy()
    np.testing.assert_allclose(prepared.oof, expected)
    # The calibration behind label-free estimates is fitted on those outputs and the truth.
    assert info.extra["calibration"] == fit_calibration(expected, truth).to_dict()
    assert bundle.outputs is not None and bundle.outputs.n_rows == n_out
    # Same data, same seeds: the same reference.
    again = train_model(project, frame)
    assert again.info.extra["calibration"] == info.extra["calibration"]
    assert again.outputs is not None and again.outputs.to_dict() == bundle.outputs.to_dict()
