"""A scikit-learn Pipeline built from the feature spec."""

from __future__ import annotations

from typing import Any

from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from driftlab.config import FeatureKind, Project
from driftlab.errors import ConfigError

__all__ = ["build_pipeline"]

_CLASSIFIERS: dict[str, Any] = {
    "hist_gradient_boosting": HistGradientBoostingClassifier,
    "random_forest": RandomForestClassifier,
    "logistic_regression": LogisticRegression,
}
_REGRESSORS: dict[str, Any] = {
    "hist_gradient_boosting": HistGradientBoostingRegressor,
    "random_forest": RandomForestRegressor,
    "linear": LinearRegression,
}
_SEEDED = {"hist_gradient_boosting", "random_forest"}
_SCALED = {"logistic_regression", "linear"}


def build_pipeline(project: Project) -> Pipeline:
    """Impute, encode and fit the configured estimator on the spec's model inputs."""
    task = project.data.task
    table = _CLASSIFIERS if task.is_classification else _REGRESSORS
    name = project.model.estimator
    if name not in table:
        raise ConfigError(
            f"model.estimator = {name!r} does not fit task {task.value!r}; "
            f"use one of: {', '.join(sorted(table))}"
        )
    params = dict(project.model.params)
    if name in _SEEDED:
        params.setdefault("random_state", project.data.seed)
    if name == "logistic_regression":
        params.setdefault("max_iter", 1000)
    try:
        estimator = table[name](**params)
    except TypeError as e:
        raise ConfigError(f"model.params {params!r} are not valid for {name}: {e}") from e

    inputs = project.input_features
    numeric = [f.name for f in inputs if f.kind is FeatureKind.NUMERIC]
    categorical = [f.name for f in inputs if f.kind is FeatureKind.CATEGORICAL]
    num_steps: list[Any] = [SimpleImputer(strategy="median", keep_empty_features=True)]
    if name in _SCALED:
        num_steps.append(StandardScaler())
    transformers: list[tuple[str, Any, list[str]]] = []
    if numeric:
        transformers.append(("numeric", make_pipeline(*num_steps), numeric))
    if categorical:
        # Missing categories become their own category; unseen ones encode as all-zero.
        transformers.append(
            (
                "categorical",
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                categorical,
            )
        )
    return Pipeline([("features", ColumnTransformer(transformers)), ("model", estimator)])
