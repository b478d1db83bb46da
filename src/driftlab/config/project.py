"""The project file: one TOML file (``driftlab.toml``), validated once.

Relative paths and SQLite URLs in it are resolved against the file's folder, so a project can
be moved or checked out anywhere. Two environment variables override the file, for deployments
that keep URLs out of it: ``DRIFTLAB_STORE_URL`` and ``DRIFTLAB_MLFLOW_TRACKING_URI``.

Validation happens once, in :func:`load_project`; errors name the key, the bad value and the
fix.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError, field_validator, model_validator

from driftlab.config._base import Strict
from driftlab.config.alerts import AlertsConfig
from driftlab.config.features import (
    Feature,
    FeatureRole,
    Task,
    event_time,
    model_inputs,
    monitored,
)
from driftlab.config.monitoring import ComplianceConfig, FairnessConfig, MonitorConfig
from driftlab.config.sections import (
    DataConfig,
    MlflowConfig,
    ModelConfig,
    RetrainConfig,
    StoreConfig,
)
from driftlab.config.serving import ServeConfig
from driftlab.config.spark import SparkConfig
from driftlab.errors import ConfigError
from driftlab.metric_names import CLASSIFICATION_METRICS, REGRESSION_METRICS

__all__ = ["ENV_STORE_URL", "ENV_TRACKING_URI", "Project", "load_project", "project_from_dict"]

ENV_STORE_URL = "DRIFTLAB_STORE_URL"
ENV_TRACKING_URI = "DRIFTLAB_MLFLOW_TRACKING_URI"


class Project(Strict):
    """The whole project file; the top-level keys and one attribute per section."""

    name: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")] = Field(
        description="made of letters, digits, `_`, `.` and `-`. It is also the registered model "
        "name unless `mlflow.model_name` is set."
    )
    # Set by project_from_dict to the project file's folder, never read from the file.
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
    fairness: FairnessConfig = FairnessConfig()
    compliance: ComplianceConfig = ComplianceConfig()
    spark: SparkConfig = SparkConfig()

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
        times = [f.name for f in self.features if f.role is FeatureRole.TIMESTAMP]
        if len(times) > 1:
            raise ValueError(
                f"features {', '.join(map(repr, times))} all have role 'timestamp'; a row has "
                "one event time: keep one, and give the others role 'id' (or drop them)"
            )
        return self

    @model_validator(mode="after")
    def _compliance_names(self) -> Project:
        names = set(self.feature_names)
        protected = {f.name for f in self.protected_features}
        for combo in self.fairness.intersections:
            bad = [n for n in combo if n not in protected]
            if bad:
                raise ValueError(
                    f"fairness.intersections names {', '.join(map(repr, bad))}, not a protected "
                    "attribute; declare it with role = 'protected' (or protected = true)"
                )
        unknown = [n for n in self.compliance.prohibited if n not in names]
        if unknown:
            raise ValueError(
                f"compliance.prohibited names {', '.join(map(repr, unknown))}, not declared in "
                f"[[features]]; declare it (role = 'protected' if it is not a model input)"
            )
        return self

    @property
    def model_name(self) -> str:
        return self.mlflow.model_name or self.name

    @property
    def protected_features(self) -> list[Feature]:
        """The fairness attributes (role protected, or ``protected = true``), in spec order."""
        return [f for f in self.features if f.is_protected]

    @property
    def prohibited_features(self) -> list[Feature]:
        """Features the model must not rely on: role prohibited, ``compliance.prohibited``,
        and (with ``protected_are_prohibited``) protected attributes that are not inputs."""
        c = self.compliance
        return [
            f for f in self.features
            if f.role is FeatureRole.PROHIBITED or f.name in c.prohibited
            or (c.protected_are_prohibited and f.is_protected and not f.is_model_input)
        ]  # fmt: skip

    @property
    def input_features(self) -> list[Feature]:
        return model_inputs(self.features)

    @property
    def monitored_features(self) -> list[Feature]:
        return monitored(self.features)

    @property
    def event_time(self) -> Feature | None:
        """The role ``timestamp`` feature: each row's event time (windows can select by it)."""
        return event_time(self.features)

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
        allowed = CLASSIFICATION_METRICS if task.is_classification else REGRESSION_METRICS
        for key, metric in (("monitor.metric", self.monitor.metric),
                            ("retrain.metric", self.retrain.metric)):  # fmt: skip
            if metric is not None and metric not in allowed:
                raise ValueError(
                    f"{key} = {metric!r} is not computed for task {task.value!r}; "
                    f"use one of: {', '.join(allowed)}"
                )
        if not task.is_classification and self.monitor.concept_detector in ("ddm", "eddm"):
            raise ValueError(
                f"monitor.concept_detector = {self.monitor.concept_detector!r} needs a 0/1 error "
                "stream (classification); for regression use 'adwin' or 'page_hinkley'"
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
            msg = "unknown key; check its spelling against docs/settings.md"
        elif e["type"] == "missing":
            msg = "required key is missing; add it"
        # A token pasted into serve.token_envs by mistake must not be echoed to a terminal.
        secret = tuple(e["loc"][:2]) == ("serve", "token_envs")
        shown = "" if e["type"] == "missing" or secret else f" (got {e.get('input')!r})"
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
    store = project.store.model_copy(
        update={
            "url": _resolve_sqlite(store_url, root),
            "spool_dir": (root / project.store.spool_dir).resolve(),
        }
    )
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
