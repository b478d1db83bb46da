"""The batched permutation importance is scikit-learn's, number for number."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.inspection import permutation_importance

from driftlab.config import Feature, FeatureKind
from driftlab.monitor.importance import auc_permutation_importance
from driftlab.monitor.multivariate import _as_model_frame, _classifier


def _frame(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, list[Feature]]:
    rng = np.random.default_rng(seed)
    x = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "noise": rng.random(n)})
    x["c"] = rng.choice(["k0", "k1", "k2", None], size=n)
    y = (x["a"] + (x["c"] == "k1") + rng.normal(0, 1, n) > 0.5).astype(int).to_numpy()
    kinds = {"c": FeatureKind.CATEGORICAL}
    features = [Feature(name=c, kind=kinds.get(c, FeatureKind.NUMERIC)) for c in x.columns]
    return _as_model_frame(x, features), y, features


@pytest.mark.parametrize("seed", [0, 7])
def test_equals_scikit_learn_for_the_domain_classifier(seed: int) -> None:
    x, y, features = _frame(600, seed)
    model = _classifier(features, seed).fit(x, y)
    val = slice(400, None)
    expected = permutation_importance(
        model, x.iloc[val], y[val], scoring="roc_auc", n_repeats=3, random_state=seed
    ).importances_mean
    got = auc_permutation_importance(model, x.iloc[val], y[val], n_repeats=3, seed=seed)
    np.testing.assert_array_equal(got, expected)
    assert int(np.argmax(got)) == 0  # "a" drives the label most


def test_equals_scikit_learn_on_probabilities_for_a_model_without_decision_scores() -> None:
    x, y, _ = _frame(300, 1)
    numeric = x[["a", "b", "noise"]]
    model = RandomForestClassifier(n_estimators=20, random_state=0).fit(numeric, y)
    assert not hasattr(model, "decision_function")
    expected = permutation_importance(
        model, numeric, y, scoring="roc_auc", n_repeats=2, random_state=3
    ).importances_mean
    got = auc_permutation_importance(model, numeric, y, n_repeats=2, seed=3)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
