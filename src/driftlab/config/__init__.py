"""The project file: dataset, target, features, model, store, registry, monitoring, alerts.

One pydantic model per TOML section, validated once by :func:`load_project`; errors name the
key, the bad value and the fix. ``docs/settings.md`` is generated from these models
(``python -m driftlab.config.reference``).

- :mod:`~driftlab.config.features`: ``[[features]]``, task, kinds and roles
- :mod:`~driftlab.config.sections`: ``[data]``, ``[model]``, ``[store]``, ``[mlflow]``,
  ``[retrain]``
- :mod:`~driftlab.config.monitoring`: ``[monitor]``, ``[fairness]``, ``[compliance]``
- :mod:`~driftlab.config.serving`: ``[serve]``
- :mod:`~driftlab.config.spark`: ``[spark]`` (the session of ``--engine spark``)
- :mod:`~driftlab.config.alerts`: ``[alerts]`` and ``[[alerts.channels]]``
- :mod:`~driftlab.config.project`: the whole file, path resolution, environment overrides
"""

from driftlab.config.alerts import ALERT_KINDS, AlertChannel, AlertsConfig
from driftlab.config.features import (
    Feature,
    FeatureKind,
    FeatureRole,
    Task,
    event_time,
    model_inputs,
    monitored,
)
from driftlab.config.monitoring import ComplianceConfig, FairnessConfig, MonitorConfig
from driftlab.config.project import (
    ENV_STORE_URL,
    ENV_TRACKING_URI,
    Project,
    load_project,
    project_from_dict,
)
from driftlab.config.sections import (
    ESTIMATORS,
    DataConfig,
    MlflowConfig,
    ModelConfig,
    RetrainConfig,
    StoreConfig,
)
from driftlab.config.serving import ServeConfig
from driftlab.config.spark import SparkConfig

__all__ = [
    "ALERT_KINDS",
    "ENV_STORE_URL",
    "ENV_TRACKING_URI",
    "ESTIMATORS",
    "AlertChannel",
    "AlertsConfig",
    "ComplianceConfig",
    "DataConfig",
    "FairnessConfig",
    "Feature",
    "FeatureKind",
    "FeatureRole",
    "MlflowConfig",
    "ModelConfig",
    "MonitorConfig",
    "Project",
    "RetrainConfig",
    "ServeConfig",
    "SparkConfig",
    "StoreConfig",
    "Task",
    "event_time",
    "load_project",
    "model_inputs",
    "monitored",
    "project_from_dict",
]
