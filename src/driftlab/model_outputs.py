"""The model's outputs as monitored values: one column per window, same as at training."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from driftlab.config import Feature, FeatureKind
from driftlab.model import ModelInfo

if TYPE_CHECKING:  # scikit-learn is imported where a model is built, not with the module
    from sklearn.pipeline import Pipeline

__all__ = [
    "PREDICTION",
    "fitted_outputs",
    "logged_outputs",
    "positive_probability",
    "prediction_feature",
    "training_outputs",
]

# The name of the model-output column in prediction profiles.
PREDICTION = "prediction"


def prediction_feature(info: ModelInfo) -> Feature:
    """Binary: probability of the positive class; multiclass: the class; regression: value."""
    kind = FeatureKind.CATEGORICAL if info.task.value == "multiclass" else FeatureKind.NUMERIC
    return Feature(name=PREDICTION, kind=kind)


def positive_probability(window: pd.DataFrame, info: ModelInfo) -> np.ndarray | None:
    """P(positive class) per logged row, from the predicted class and its probability."""
    if info.positive_class is None or window["probability"].isna().any():
        return None
    pred = window["prediction"].astype(str).to_numpy()
    p = window["probability"].to_numpy(dtype="float64")
    return np.where(pred == info.positive_class, p, 1.0 - p)


def logged_outputs(window: pd.DataFrame, info: ModelInfo) -> pd.DataFrame | None:
    """The window's model outputs as a one-column table named :data:`PREDICTION`."""
    if info.task.value == "binary":
        values = positive_probability(window, info)
        return None if values is None else pd.DataFrame({PREDICTION: values})
    if info.task.value == "multiclass":
        return pd.DataFrame({PREDICTION: window["prediction"].astype(str).to_numpy(dtype=object)})
    return pd.DataFrame({PREDICTION: pd.to_numeric(window["prediction"]).to_numpy(dtype=float)})


def fitted_outputs(pipeline: Pipeline, x: pd.DataFrame, info: ModelInfo) -> pd.DataFrame:
    """The :data:`PREDICTION` column of a fitted pipeline on rows it did not see (a holdout
    model on its holdout rows): out of sample, as :func:`training_outputs` makes them."""
    if info.task.value == "binary":
        col = info.classes.index(info.positive_class)  # type: ignore[arg-type]
        return pd.DataFrame({PREDICTION: np.asarray(pipeline.predict_proba(x))[:, col]})
    pred = pipeline.predict(x)
    if info.task.value == "multiclass":
        return pd.DataFrame({PREDICTION: np.asarray(pred).astype(str).astype(object)})
    return pd.DataFrame({PREDICTION: np.asarray(pred, dtype=float)})


def training_outputs(
    pipeline: Pipeline, x: pd.DataFrame, y: pd.Series, info: ModelInfo, *, folds: int = 5
) -> pd.DataFrame:
    """The same column on the training rows, for the reference — out of fold.

    In-sample outputs are more confident than anything the model will say about new rows,
    so a reference built from them would make every window look like prediction drift.
    Cross-validated predictions (each row scored by a model that did not see it) are what
    the model's outputs on same-distribution traffic look like.
    """
    from sklearn.base import clone
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict

    task = info.task.value
    if task == "regression":
        cv: KFold | StratifiedKFold = KFold(folds, shuffle=True, random_state=0)
    else:
        smallest = int(y.value_counts().min())
        cv = StratifiedKFold(max(2, min(folds, smallest)), shuffle=True, random_state=0)
    if task == "binary":
        proba = cross_val_predict(clone(pipeline), x, y, cv=cv, method="predict_proba")
        col = info.classes.index(info.positive_class)  # type: ignore[arg-type]
        return pd.DataFrame({PREDICTION: proba[:, col]})
    pred = cross_val_predict(clone(pipeline), x, y, cv=cv)
    if task == "multiclass":
        return pd.DataFrame({PREDICTION: np.asarray(pred).astype(str).astype(object)})
    return pd.DataFrame({PREDICTION: np.asarray(pred, dtype=float)})
