"""The project file: dataset, target, features, model, store, registry, monitoring, alerts.

A project is one TOML file (``driftlab.toml``). Relative paths and SQLite URLs in it are
resolved against the file's folder, so a project can be moved or checked out anywhere.
Two environment variables override the file, for deployments that keep URLs out of it:
``DRIFTLAB_STORE_URL`` and ``DRIFTLAB_MLFLOW_TRACKING_URI``.

Validation happens once, in :func:`load_project`; errors name the key, the bad value and the
fix.
"""

from __future__ import annotations

import os
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from driftlab.errors import ConfigError

__all__ = [
    "AlertChannel",
    "AlertsConfig",
    "DataConfig",
    "Feature",
    "FeatureKind",
    "FeatureRole",
    "MlflowConfig",
    "ModelConfig",
    "MonitorConfig",
    "Project",
    "RetrainConfig",
    "ServeConfig",
    "StoreConfig",
    "Task",
    "load_project",
    "model_inputs",
    "monitored",
    "project_from_dict",
]

ENV_STORE_URL = "DRIFTLAB_STORE_URL"
# Kept in step with driftlab.metrics (config must not import the computing layers).
_CLASSIFICATION_METRICS = ("accuracy", "precision", "recall", "f1", "roc_auc", "log_loss")
_REGRESSION_METRICS = ("mse", "mae", "r2")
ENV_TRACKING_URI = "DRIFTLAB_MLFLOW_TRACKING_URI"


class _Strict(BaseModel):
    # Unknown keys are almost always typos ("treshold"); refuse them instead of ignoring.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Task(StrEnum):
    BINARY = "binary"
    MULTICLASS = "multiclass"
    REGRESSION = "regression"

    @property
    def is_classification(self) -> bool:
        return self is not Task.REGRESSION


class FeatureKind(StrEnum):
    NUMERIC = "numeric"
    CATEGORICAL = "categorical"


class FeatureRole(StrEnum):
    INPUT = "input"
    ID = "id"
    TIMESTAMP = "timestamp"
    PROTECTED = "protected"
    PROHIBITED = "prohibited"


class Feature(_Strict):
    name: Annotated[str, Field(min_length=1)]
    kind: FeatureKind = FeatureKind.NUMERIC
    # Roles other than input/prohibited mean "logged and monitored, not fed to the model".
    role: FeatureRole = FeatureRole.INPUT
    nullable: bool = True
    # Per-feature drift statistics (catalogue names); unset means [monitor]'s defaults.
    drift_test: str | None = None
    drift_effect: str | None = None
    min_effect: Annotated[float, Field(ge=0)] | None = None

    @property
    def is_model_input(self) -> bool:
        return self.role in (FeatureRole.INPUT, FeatureRole.PROHIBITED)

    @property
    def is_monitored(self) -> bool:
        """Drift-tested: everything but identifiers and timestamps, which always 'drift'."""
        return self.role not in (FeatureRole.ID, FeatureRole.TIMESTAMP)


def model_inputs(features: list[Feature]) -> list[Feature]:
    """The features fed to the model (roles input and prohibited), in spec order."""
    return [f for f in features if f.is_model_input]


def monitored(features: list[Feature]) -> list[Feature]:
    """The features drift-tested (all roles but id and timestamp), in spec order."""
    return [f for f in features if f.is_monitored]


class DataConfig(_Strict):
    path: Path
    target: Annotated[str, Field(min_length=1)]
    task: Task = Task.BINARY
    positive_class: str | None = None
    test_size: Annotated[float, Field(gt=0, lt=1)] = 0.25
    seed: int = 42


ESTIMATORS = ("hist_gradient_boosting", "random_forest", "logistic_regression", "linear")


class ModelConfig(_Strict):
    estimator: Literal[ESTIMATORS] = "hist_gradient_boosting"  # type: ignore[valid-type]
    params: dict[str, Any] = Field(default_factory=dict)
    # OpenMP/BLAS threads while fitting. Gradient boosting on thousands of rows runs many
    # tiny parallel regions: on 2 cores, 2 threads were no faster than 1 when idle and up
    # to 30x slower when another process was busy. Raise it for large data on free cores.
    threads: Annotated[int, Field(ge=1)] = 1


class StoreConfig(_Strict):
    url: str = "sqlite:///driftlab.db"
    # Logged predictions are written in batches off the event loop; these bound the batch.
    batch_size: Annotated[int, Field(ge=1)] = 256
    flush_interval_s: Annotated[float, Field(gt=0)] = 0.2


class MlflowConfig(_Strict):
    tracking_uri: str = "sqlite:///mlflow.db"
    artifact_location: Path = Path("mlartifacts")
    experiment: str = "driftlab"
    model_name: str | None = None


class MonitorConfig(_Strict):
    alpha: Annotated[float, Field(gt=0, lt=1)] = 0.05
    correction: Literal["bh", "bonferroni", "none"] = "bh"
    numeric_test: str = "ks"
    categorical_test: str = "chi2"
    effect: str = "psi"
    min_effect: Annotated[float, Field(ge=0)] = 0.1
    multivariate: bool = True
    # Fit per-feature effect thresholds on reference windows of last_n rows at training time.
    fit_thresholds: bool = False
    threshold_k: Annotated[float, Field(gt=0)] = 3.0
    min_auc: Annotated[float, Field(gt=0.5, lt=1)] = 0.6
    min_rows: Annotated[int, Field(ge=1)] = 100
    min_labels: Annotated[int, Field(ge=1)] = 30
    metric: str | None = None  # default: roc_auc (binary), f1 (multiclass), r2 (regression)
    max_metric_drop: Annotated[float, Field(ge=0)] = 0.05
    max_p99_latency_ms: Annotated[float, Field(gt=0)] | None = None  # latency SLO
    bins: Annotated[int, Field(ge=2, le=1000)] = 10
    sample_size: Annotated[int, Field(ge=10)] = 2000
    last_n: Annotated[int, Field(ge=1)] = 1000


class RetrainConfig(_Strict):
    metric: str | None = None  # default: monitor.metric
    min_improvement: float = 0.0
    holdout_fraction: Annotated[float, Field(gt=0, lt=1)] = 0.3
    min_labels: Annotated[int, Field(ge=10)] = 100


class ServeConfig(_Strict):
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 8000
    reload_interval_s: Annotated[float, Field(ge=0)] = 5.0
    max_body_bytes: Annotated[int, Field(ge=1024)] = 1_048_576
    max_batch_records: Annotated[int, Field(ge=1)] = 1000
    # Threads per server process for the model's math. Single-row predictions gain nothing
    # from more, and OpenMP threads oversubscribing the cores collapse throughput.
    threads: Annotated[int, Field(ge=1)] = 1


class AlertChannel(_Strict):
    type: Literal["console", "webhook"]
    url: str | None = None
    timeout_s: Annotated[float, Field(gt=0)] = 5.0
    min_severity: Literal["info", "warning", "critical"] = "info"

    @model_validator(mode="after")
    def _webhook_needs_url(self) -> AlertChannel:
        if self.type == "webhook" and not self.url:
            raise ValueError("a webhook channel needs url = 'https://...'")
        return self


class AlertsConfig(_Strict):
    channels: list[AlertChannel] = Field(default_factory=lambda: [AlertChannel(type="console")])
    cooldown_minutes: Annotated[float, Field(ge=0)] = 60.0


class Project(_Strict):
    name: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")]
    root: Path = Path(".")
    data: DataConfig
    features: Annotated[list[Feature], Field(min_length=1)]
    model: ModelConfig = ModelConfig()
    store: StoreConfig = StoreConfig()
    mlflow: MlflowConfig = MlflowConfig()
    monitor: MonitorConfig = MonitorConfig()
    retrain: RetrainConfig = RetrainConfig()
    serve: ServeConfig = ServeConfig()
    alerts: AlertsConfig = AlertsConfig()

    @field_validator("features")
    @classmethod
    def _unique_names(cls, features: list[Feature]) -> list[Feature]:
        seen: set[str] = set()
        for f in features:
            if f.name in seen:
                raise ValueError(f"feature {f.name!r} is declared twice; keep one entry")
            seen.add(f.name)
        return features

    @model_validator(mode="after")
    def _target_not_a_feature(self) -> Project:
        if any(f.name == self.data.target for f in self.features):
            raise ValueError(
                f"the target {self.data.target!r} is also listed as a feature; "
                "remove it from [[features]]"
            )
        if not self.input_features:
            raise ValueError("no feature has role 'input' or 'prohibited'; the model needs one")
        return self

    @property
    def model_name(self) -> str:
        return self.mlflow.model_name or self.name

    @property
    def input_features(self) -> list[Feature]:
        return model_inputs(self.features)

    @property
    def monitored_features(self) -> list[Feature]:
        return monitored(self.features)

    @property
    def feature_names(self) -> list[str]:
        return [f.name for f in self.features]

    def feature(self, name: str) -> Feature:
        for f in self.features:
            if f.name == name:
                return f
        raise ConfigError(f"unknown feature {name!r}; known: {', '.join(self.feature_names)}")

    @model_validator(mode="after")
    def _metric_fits_task(self) -> Project:
        task = self.data.task
        allowed = _CLASSIFICATION_METRICS if task.is_classification else _REGRESSION_METRICS
        for key, metric in (("monitor.metric", self.monitor.metric),
                            ("retrain.metric", self.retrain.metric)):  # fmt: skip
            if metric is not None and metric not in allowed:
                raise ValueError(
                    f"{key} = {metric!r} is not computed for task {task.value!r}; "
                    f"use one of: {', '.join(allowed)}"
                )
        return self

    @property
    def primary_metric(self) -> str:
        """The metric that decides performance alerts (``monitor.metric``)."""
        if self.monitor.metric:
            return self.monitor.metric
        # Window ROC AUC needs per-class probabilities, logged only for the binary case.
        return {Task.BINARY: "roc_auc", Task.MULTICLASS: "f1", Task.REGRESSION: "r2"}[
            self.data.task
        ]

    @property
    def promotion_metric(self) -> str:
        """The metric that decides champion vs challenger (``retrain.metric``)."""
        return self.retrain.metric or self.primary_metric


def _resolve_sqlite(url: str, root: Path) -> str:
    """Make ``sqlite:///relative.db`` relative to the project folder, not the cwd."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        return prefix + str((root / url[len(prefix) :]).resolve())
    return url


def _format_validation_error(err: ValidationError, source: str) -> str:
    lines = [f"{source} is not a valid driftlab project:"]
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"]) or "(top level)"
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown key; check its spelling against the README's settings table"
        elif e["type"] == "missing":
            msg = "required key is missing; add it"
        shown = "" if e["type"] == "missing" else f" (got {e.get('input')!r})"
        lines.append(f"  - {key}: {msg}{shown}")
    return "\n".join(lines)


def project_from_dict(raw: dict[str, Any], root: Path, source: str = "project") -> Project:
    """Validate a project mapping; paths are resolved against ``root``."""
    raw = dict(raw)
    raw["root"] = root
    try:
        project = Project.model_validate(raw)
    except ValidationError as e:
        raise ConfigError(_format_validation_error(e, source)) from e
    data = project.data.model_copy(update={"path": (root / project.data.path).resolve()})
    store_url = os.environ.get(ENV_STORE_URL) or project.store.url
    tracking = os.environ.get(ENV_TRACKING_URI) or project.mlflow.tracking_uri
    mlflow_cfg = project.mlflow.model_copy(
        update={
            "tracking_uri": _resolve_sqlite(tracking, root),
            "artifact_location": (root / project.mlflow.artifact_location).resolve(),
        }
    )
    store = project.store.model_copy(update={"url": _resolve_sqlite(store_url, root)})
    return project.model_copy(update={"data": data, "store": store, "mlflow": mlflow_cfg})


def load_project(path: str | Path) -> Project:
    """Read and validate a project file; raise :class:`ConfigError` naming what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(
            f"project file {str(path)!r} does not exist; pass --config PATH "
            "or run 'driftlab demo' to create an example project"
        )
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path} is not valid TOML: {e}") from e
    return project_from_dict(raw, path.parent.resolve(), source=str(path))
