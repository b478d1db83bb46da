"""``[data]``, ``[model]``, ``[store]``, ``[mlflow]`` and ``[retrain]``: what is trained, where
it is kept, and when a challenger replaces the champion."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field

from driftlab.config._base import Strict
from driftlab.config.features import Task

__all__ = [
    "ESTIMATORS",
    "DataConfig",
    "MlflowConfig",
    "ModelConfig",
    "RetrainConfig",
    "StoreConfig",
]


class DataConfig(Strict):
    """``[data]``: the training table and what to predict."""

    path: Path = Field(description="training table, CSV or Parquet (`.parquet`/`.pq`)")
    target: Annotated[str, Field(min_length=1)] = Field(
        description="label column; it must not also be a feature"
    )
    task: Task = Field(Task.BINARY, description="`binary`, `multiclass` or `regression`")
    positive_class: str | None = Field(
        None,
        description="binary only: the class that `roc_auc`, `precision`, `recall` and `f1` "
        "score. If unset, the second class in sorted order.",
    )
    test_size: Annotated[float, Field(gt=0, lt=1)] = Field(
        0.25,
        description="holdout share for the training metrics (stratified when every class has "
        "≥ 2 rows); the final model is then refit on all rows",
    )
    seed: int = Field(
        42,
        description="split seed; also the default `random_state` of random-forest and "
        "gradient-boosting models",
    )


ESTIMATORS = ("hist_gradient_boosting", "random_forest", "logistic_regression", "linear")


class ModelConfig(Strict):
    """``[model]``: the scikit-learn estimator.

    The pipeline fills missing numeric values with the median; `logistic_regression` and
    `linear` also standardize them. Categorical features are one-hot encoded, and a category
    unseen in training is encoded as all zeros. `logistic_regression` defaults to
    `max_iter = 1000`.
    """

    estimator: Literal[ESTIMATORS] = Field(  # type: ignore[valid-type]
        "hist_gradient_boosting",
        description="classification: `hist_gradient_boosting`, `random_forest`, "
        "`logistic_regression`; regression: `hist_gradient_boosting`, `random_forest`, `linear`",
    )
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="keyword arguments for the scikit-learn estimator, e.g. "
        "`{ max_iter = 200, learning_rate = 0.08 }`",
    )
    # OpenMP/BLAS threads while fitting. Gradient boosting on thousands of rows runs many
    # tiny parallel regions: on 2 cores, 2 threads were no faster than 1 when idle and up
    # to 30x slower when another process was busy. Raise it for large data on free cores.
    threads: Annotated[int, Field(ge=1)] = Field(
        1,
        description="OpenMP/BLAS threads while fitting and evaluating; raise it for large data "
        "on free cores",
    )


class StoreConfig(Strict):
    """``[store]``: the prediction store and the local spool in front of it.

    The store keeps the predictions (with protected attributes in their own `attributes`
    column), labels, monitoring runs, alerts, retraining decisions and the compliance audit log
    (`compliance_audit`: one row per check per window). Its schema is created and upgraded by
    migrations when a command opens it (see [PostgreSQL and
    migrations](production.md#postgresql-and-migrations)).
    Passwords in URLs are never printed.
    """

    url: str = Field(
        "sqlite:///driftlab.db",
        description="SQLAlchemy URL of the prediction store; "
        "`postgresql+psycopg://user:pass@host/db` needs the `[postgres]` extra",
    )
    # Logged predictions are written in batches off the event loop; these bound the batch.
    batch_size: Annotated[int, Field(ge=1)] = Field(
        256,
        description="prediction records per insert (whole requests: a 1,000-record request is "
        "one insert); after a write, the drainer writes again at once only while a whole batch "
        "waits",
    )
    flush_interval_s: Annotated[float, Field(gt=0)] = Field(
        0.2, description="longest wait before queued predictions are written"
    )
    # What an answered prediction's record survives (docs/production.md, durability):
    # durable = fsynced to the local spool before the answer; interval = spooled, fsynced
    # every fsync_interval_ms; best_effort = an in-memory queue.
    durability: Literal["durable", "interval", "best_effort"] = Field(
        "durable",
        description="what an answered prediction survives: `durable` (fsynced to the spool "
        "before the answer), `interval` (spooled, fsynced every `fsync_interval_ms`) or "
        "`best_effort` (in-memory queue); see "
        "[Durability modes](production.md#durability-modes)",
    )
    spool_dir: Path = Field(
        Path("spool"),
        description="local folder of the spool, relative to the project file; each serving "
        "process writes its own files there. Put it on a local disk, not a network file system.",
    )
    spool_max_bytes: Annotated[int, Field(ge=65_536)] = Field(
        1 << 30,
        description="(1 GiB) most bytes the spool holds while the store is unreachable; past it "
        "`/v1/predict` answers 503",
    )
    spool_segment_bytes: Annotated[int, Field(ge=4096)] = Field(
        16 << 20,
        description="(16 MiB) size at which a spool file is closed and a new one begun; drained "
        "files are deleted. Also the most one request's records may take in the spool: past it "
        "`/v1/predict` answers 413",
    )
    fsync_interval_ms: Annotated[float, Field(gt=0, le=60_000)] = Field(
        100.0, description="`interval` mode only: how often the spool is fsynced"
    )
    queue_max_records: Annotated[int, Field(ge=1)] = Field(
        100_000,
        description="`best_effort` mode only: records held in memory; more are dropped and counted",
    )
    # Write spooled predictions to the database from a child process of each serving worker
    # (off the worker's GIL; docs/production.md). Off: a thread of the worker does it.
    drain_process: bool = Field(
        True,
        description="write the spool to the database from a child process of each serving "
        "worker (off the worker's GIL); `false`: from a thread of the worker. See "
        "[Durability modes](production.md#durability-modes)",
    )


class MlflowConfig(Strict):
    """``[mlflow]``: where models, their runs and the registry live."""

    tracking_uri: str = Field(
        "sqlite:///mlflow.db",
        description="MLflow tracking and registry store; any URI MLflow accepts",
    )
    artifact_location: Path = Field(
        Path("mlartifacts"),
        description="artifact folder, used when the experiment is first created",
    )
    experiment: str = Field("driftlab", description="MLflow experiment name")
    model_name: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")] | None = Field(
        None, description="registered model name; unset: the project's `name`"
    )


class RetrainConfig(Strict):
    """``[retrain]``: when a challenger replaces the champion.

    For `multiclass`, `roc_auc` is not computed on monitoring windows (only the predicted
    class's probability is logged), which is why the default there is `f1`.
    """

    metric: str | None = Field(
        None,
        description="the metric that decides champion vs challenger; unset: `monitor.metric`. "
        "Classification: `accuracy`, `precision`, `recall`, `f1`, `roc_auc`, `log_loss`; "
        "regression: `mse`, `rmse`, `mae`, `mape`, `r2`. Any other name is a configuration "
        "error (for `monitor.metric` too).",
    )
    min_improvement: float = Field(
        0.0, description="the challenger must beat the champion by more than this"
    )
    holdout_fraction: Annotated[float, Field(gt=0, lt=1)] = Field(
        0.3, description="share of the newest labeled rows kept for the comparison"
    )
    min_labels: Annotated[int, Field(ge=10)] = Field(
        100, description="labeled predictions needed before retraining"
    )
