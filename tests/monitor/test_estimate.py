"""Label-free performance estimates (CBPE-style) against what the labels later say."""

from __future__ import annotations

from itertools import product

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from driftlab.calibration import Calibration, fit_calibration
from driftlab.model import ModelBundle
from driftlab.monitor.estimate import _expected_auc, estimate_performance
from driftlab.scenarios.ames import AmesScenario


def test_expected_auc_equals_the_double_sum_and_sklearn_on_certain_labels() -> None:
    rng = np.random.default_rng(0)
    p, s = rng.random(40), rng.random(40)
    brute = sum(p[i] * (1 - p[j]) * ((s[i] > s[j]) + 0.5 * (s[i] == s[j]))
                for i, j in product(range(40), range(40)))  # fmt: skip
    assert _expected_auc(p, s) == pytest.approx(brute / (p.sum() * (1 - p).sum()))
    y = (rng.random(40) < 0.5).astype(float)
    assert _expected_auc(y, s) == pytest.approx(skm.roc_auc_score(y, s))


def test_expected_auc_with_runs_of_tied_scores_equals_the_double_sum() -> None:
    # Scores on a coarse grid: tied blocks of every length, short (summed in order, vectorized)
    # and long (8 values or more, summed pairwise), each counting one half within itself.
    rng = np.random.default_rng(3)
    p, s = rng.random(120), np.round(rng.random(120) * 12) / 12
    sizes = np.unique(s, return_counts=True)[1]
    assert sizes.min() < 8 <= sizes.max()
    brute = sum(p[i] * (1 - p[j]) * ((s[i] > s[j]) + 0.5 * (s[i] == s[j]))
                for i, j in product(range(120), range(120)))  # fmt: skip
    assert _expected_auc(p, s) == pytest.approx(brute / (p.sum() * (1 - p).sum()), rel=1e-12)


def test_calibration_is_monotone_and_clipped() -> None:
    c = fit_calibration(np.array([0.1, 0.4, 0.6, 0.9]), np.array([0, 1, 0, 1]))
    out = c(np.array([-1.0, 0.1, 0.5, 0.9, 2.0]))
    assert np.all(np.diff(out) >= 0) and out.min() >= 0 and out.max() <= 1
    assert Calibration.from_dict(c.to_dict()) == c


def test_estimate_tracks_realized_quality_on_same_distribution(
    bundle: ModelBundle, ames: AmesScenario
) -> None:
    rows = ames.records(ames.normal)
    batch = bundle.predict(rows)
    window = pd.DataFrame({"prediction": batch.predictions, "probability": batch.probability})
    cal = Calibration.from_dict(bundle.info.extra["calibration"])
    est = estimate_performance(window, bundle.info, cal)
    assert est is not None and est.n == len(rows)
    y = ames.normal[ames.target].astype(str)
    realized = skm.accuracy_score(y, batch.predictions)
    lo, hi = est.bands["accuracy"]
    assert lo - 0.02 <= realized <= hi + 0.02  # band is sampling error; allow calibration slack
    assert abs(est.metrics["accuracy"] - realized) < 0.05
    assert "Estimated without labels: roc_auc" in est.message


def test_simulated_labels_fall_inside_the_band_about_95_percent_of_the_time(
    bundle: ModelBundle,
) -> None:
    rng = np.random.default_rng(1)
    n, hits, trials = 300, 0, 40
    p = rng.beta(2, 2, n)
    pred = np.where(p > 0.5, "high", "low")
    window = pd.DataFrame({"prediction": pred, "probability": np.where(p > 0.5, p, 1 - p)})
    identity = Calibration([0.0, 1.0], [0.0, 1.0])
    est = estimate_performance(window, bundle.info, identity)
    assert est is not None
    lo, hi = est.bands["accuracy"]
    for _ in range(trials):
        y = np.where(rng.random(n) < p, "high", "low")
        hits += lo <= skm.accuracy_score(y, pred) <= hi
    assert hits >= 0.85 * trials


def test_not_estimated_without_calibration_or_for_other_tasks(bundle: ModelBundle) -> None:
    window = pd.DataFrame({"prediction": ["high"], "probability": [0.9]})
    assert estimate_performance(window, bundle.info, None) is None


def test_vectorized_band_metrics_equal_scikit_learn_on_each_draw() -> None:
    from driftlab.monitor.estimate import _bands

    rng = np.random.default_rng(5)
    n = 250
    p, score = rng.random(n), rng.random(n)
    pred = score > 0.5
    got = _bands(p, pred, score, simulations=1, seed=9)
    y = np.random.default_rng(9).random((1, n))[0] < p
    assert got["accuracy"][0] == pytest.approx(skm.accuracy_score(y, pred))
    assert got["precision"][0] == pytest.approx(skm.precision_score(y, pred))
    assert got["recall"][0] == pytest.approx(skm.recall_score(y, pred))
    assert got["f1"][0] == pytest.approx(skm.f1_score(y, pred))
    assert got["roc_auc"][0] == pytest.approx(skm.roc_auc_score(y, score))


def test_regression_loss_estimate_tracks_realized_mae(tmp_path) -> None:
    from driftlab.calibration import LossMap
    from driftlab.config import project_from_dict
    from driftlab.monitor.estimate import estimate_regression
    from driftlab.monitor.reference import prepare_reference
    from driftlab.scenarios.ames import FEATURES, load_ames
    from driftlab.train import train_model

    raw = load_ames()
    names = [n for n, _ in FEATURES]
    frame = raw[[*names, "Sale_Price"]].sample(frac=1.0, random_state=0)
    project = project_from_dict(
        {"name": "price", "data": {"path": "x.csv", "target": "Sale_Price", "task": "regression"},
         "features": [{"name": n, "kind": k} for n, k in FEATURES],
         "model": {"params": {"max_iter": 100}}},
        tmp_path,
    )  # fmt: skip
    bundle = train_model(project, frame.iloc[:2000], prepare=prepare_reference)
    test = frame.iloc[2000:]
    pred = bundle.predict(test.drop(columns=["Sale_Price"]).to_dict(orient="records")).predictions
    est = estimate_regression(pd.DataFrame({"prediction": pred}), bundle.info,
                              LossMap.from_dict(bundle.info.extra["loss_map"]))  # fmt: skip
    realized = skm.mean_absolute_error(test["Sale_Price"], pred)
    assert est is not None and abs(est.metrics["mae"] - realized) / realized < 0.2
    assert est.metrics["rmse"] == pytest.approx(np.sqrt(est.metrics["mse"]))
