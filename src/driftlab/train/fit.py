"""Fit a pipeline from the spec, evaluate it on a holdout, freeze the reference profile."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from driftlab.calibration import fit_calibration, fit_loss_map
from driftlab.config import Project
from driftlab.errors import DataError
from driftlab.metrics import classification_metrics, regression_metrics
from driftlab.model import ModelBundle, ModelInfo
from driftlab.model_outputs import (
    PREDICTION,
    fitted_outputs,
    prediction_feature,
    training_outputs,
)
from driftlab.profile import build_profile
from driftlab.schema import coerce_frame, validate_columns
from driftlab.train.pipeline import build_pipeline

__all__ = ["HOLDOUT_OUTPUT_ROWS", "evaluate", "frame_sha256", "load_dataset", "train_model"]

_PACKAGES = ("driftlab", "scikit-learn", "numpy", "pandas", "scipy")

# From this many holdout rows, the model's outputs for the reference (the prediction-drift
# profile, the calibration behind label-free estimates, fairness and compliance baselines)
# are the holdout model's on its holdout rows; below, 5-fold cross-validation on every row.
# Cross-validation cost five more fits (half of 'driftlab train' on 50,000 rows). What the
# label-free estimate gives up (bench/holdout_calibration.py, 50,000 rows, shifted windows):
# mean absolute error of estimated accuracy 0.0034 instead of 0.0015, ROC AUC 0.0016
# instead of 0.0013.
HOLDOUT_OUTPUT_ROWS = 5_000


@dataclass(frozen=True)
class _Split:
    x_train: pd.DataFrame
    x_test: pd.DataFrame
    y_train: pd.Series
    y_test: pd.Series


def load_dataset(project: Project) -> pd.DataFrame:
    """Read the project's dataset (CSV or Parquet) and check its columns against the spec."""
    path = project.data.path
    if not path.is_file():
        raise DataError(f"dataset {str(path)!r} does not exist; fix data.path in the project file")
    frame = pd.read_parquet(path) if path.suffix in (".parquet", ".pq") else pd.read_csv(path)
    validate_columns(frame, project, need_target=True)
    return frame


def frame_sha256(frame: pd.DataFrame) -> str:
    """A content hash of a table, independent of its index (used as the data version)."""
    hashed = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    digest = hashlib.sha256(hashed.tobytes())
    digest.update(",".join(map(str, frame.columns)).encode())
    return digest.hexdigest()


def _git_commit(cwd: Path) -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def _versions() -> dict[str, str]:
    found = {}
    for name in _PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def _targets(frame: pd.DataFrame, project: Project) -> pd.Series:
    y = frame[project.data.target]
    if y.isna().any():
        raise DataError(
            f"target column {project.data.target!r} has {int(y.isna().sum())} missing values; "
            "drop those rows or fill them before training"
        )
    if project.data.task.is_classification:
        return y.astype(str)
    return pd.to_numeric(y, errors="raise").astype("float64")


def evaluate(bundle: ModelBundle, x: pd.DataFrame, y: pd.Series) -> dict[str, float]:
    """Score ``bundle`` on labeled rows with the task's metrics."""
    info = bundle.info
    frame = bundle.model_frame(x)
    if not info.task.is_classification:
        return regression_metrics(y.to_numpy(), bundle.pipeline.predict(frame))
    proba = bundle.predict_proba(frame)
    assert proba is not None
    pred = np.asarray(info.classes, dtype=object)[proba.argmax(axis=1)]
    return classification_metrics(
        y.astype(str).tolist(), pred.tolist(), proba, info.classes, info.positive_class
    )


@dataclass(frozen=True)
class TrainingRows:
    """The training rows as a reference preparer sees them, after the final fit.

    ``x``: all spec columns (coerced) of the rows with out-of-sample outputs (the holdout
    rows, or every row for small data: see :data:`HOLDOUT_OUTPUT_ROWS`); ``y``: their labels;
    ``oof``: their out-of-sample outputs (P(positive) for binary, the predicted class for
    multiclass, the value for regression); ``all_x``: every training row, for what needs
    no outputs (effect thresholds).
    """

    project: Project
    bundle: ModelBundle
    x: pd.DataFrame
    y: pd.Series
    oof: np.ndarray
    all_x: pd.DataFrame


# Returns entries for ModelInfo.extra. Training takes it as an argument so that it never
# imports monitoring: the composition root (the train job) passes the monitoring side's.
ReferencePreparer = Callable[[TrainingRows], dict[str, Any]]


def train_model(
    project: Project,
    frame: pd.DataFrame,
    *,
    extra: dict | None = None,
    prepare: ReferencePreparer | None = None,
) -> ModelBundle:
    """Fit the spec's pipeline on ``frame`` (see :func:`_train`), with ``model.threads``.

    ``prepare`` adds what monitoring needs of the training rows beyond the profile
    (:func:`driftlab.monitor.reference.prepare_reference`); without it the bundle has the
    profile, prediction outputs and calibration only.
    """
    with threadpool_limits(limits=project.model.threads):
        return _train(project, frame, extra=extra, prepare=prepare)


def _train(
    project: Project,
    frame: pd.DataFrame,
    *,
    extra: dict | None = None,
    prepare: ReferencePreparer | None = None,
) -> ModelBundle:
    """Fit the spec's pipeline on ``frame`` and return an unregistered :class:`ModelBundle`.

    A stratified holdout (``data.test_size``) gives the metrics; the final model is then refit
    on all rows so nothing labeled is wasted. The reference profile covers every row.
    """
    validate_columns(frame, project, need_target=True)
    if len(frame) < 20:
        raise DataError(f"only {len(frame)} rows to train on; driftlab needs at least 20")
    y = _targets(frame, project)
    x = coerce_frame(frame, project.features)
    task = project.data.task
    classes: list[str] = sorted(y.unique().tolist()) if task.is_classification else []
    if task.is_classification and len(classes) < 2:
        raise DataError(f"target {project.data.target!r} has a single class {classes}; need two")
    positive = project.data.positive_class
    if task.value == "binary":
        if len(classes) != 2:
            raise DataError(
                f"task is binary but target {project.data.target!r} has {len(classes)} classes "
                f"({', '.join(classes[:10])}); set data.task = 'multiclass'"
            )
        if positive is not None and positive not in classes:
            raise DataError(
                f"data.positive_class = {positive!r} is not a value of {project.data.target!r}; "
                f"it has: {', '.join(classes)}"
            )
        positive = positive or classes[1]
    stratify = y if task.is_classification and y.value_counts().min() >= 2 else None
    x_tr, x_te, y_tr, y_te = train_test_split(
        x, y, test_size=project.data.test_size, random_state=project.data.seed, stratify=stratify
    )
    split = _Split(x_tr, x_te, y_tr, y_te)

    info = ModelInfo(
        name=project.model_name,
        task=task,
        target=project.data.target,
        features=list(project.features),
        classes=classes,
        positive_class=positive if task.value == "binary" else None,
        estimator=project.model.estimator,
        params=dict(project.model.params),
        metrics={},
        dataset_sha256=frame_sha256(frame[[*project.feature_names, project.data.target]]),
        n_rows=len(frame),
        n_train=len(split.x_train),
        n_test=len(split.x_test),
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
        code_version=_git_commit(project.root),
        packages=_versions(),
        extra=dict(extra or {}),
    )
    inputs = [f.name for f in project.input_features]
    holdout = build_pipeline(project).fit(split.x_train[inputs], split.y_train)
    reference = build_profile(
        x,
        project.monitored_features,
        bins=project.monitor.bins,
        sample_size=project.monitor.sample_size,
        seed=project.data.seed,
    )
    metrics = evaluate(ModelBundle(info, holdout, reference), split.x_test, split.y_test)
    final = build_pipeline(project).fit(x[inputs], y)
    info = replace(info, metrics=metrics)
    if len(split.x_test) >= HOLDOUT_OUTPUT_ROWS:
        out_x, out_y = split.x_test, split.y_test
        oof = fitted_outputs(holdout, out_x[inputs], info)
        method = "holdout"
    else:
        out_x, out_y = x, y
        oof = training_outputs(final, x[inputs], y, info)
        method = "cross_validation"
    info = info.with_extra(reference_outputs={"method": method, "rows": len(out_x)})
    outputs = build_profile(
        oof, [prediction_feature(info)],
        bins=project.monitor.bins, sample_size=project.monitor.sample_size,
    )  # fmt: skip
    if task.value == "binary":
        # Out-of-fold probabilities against the truth: the calibration behind label-free
        # performance estimates.
        calibration = fit_calibration(oof[PREDICTION].to_numpy(), (out_y == positive).to_numpy())
        info = info.with_extra(calibration=calibration.to_dict())
    elif task.value == "regression":
        loss_map = fit_loss_map(oof[PREDICTION].to_numpy(), out_y.to_numpy())
        info = info.with_extra(loss_map=loss_map.to_dict())
    if prepare is not None:
        # What monitoring will compare against besides the profile (group rates, reliance,
        # fitted thresholds): computed by the monitoring side on the same training rows.
        interim = ModelBundle(info=info, pipeline=final, reference=reference)
        info = info.with_extra(
            **prepare(TrainingRows(project, interim, out_x, out_y, oof[PREDICTION].to_numpy(), x))
        )
    return ModelBundle(info=info, pipeline=final, reference=reference, outputs=outputs)
