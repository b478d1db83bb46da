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
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from driftlab.errors import ConfigError
from driftlab.kinds import FindingKind

__all__ = [
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
_REGRESSION_METRICS = ("mse", "rmse", "mae", "mape", "r2")
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
    # A protected attribute for fairness monitoring. Role "protected" implies it; set it on an
    # input to monitor fairness across the groups of an attribute the model also uses.
    protected: bool = False
    # Cut points that turn a numeric protected attribute into groups (age bands).
    bands: list[float] | None = None

    @model_validator(mode="after")
    def _protected_groups(self) -> Feature:
        if self.protected and self.role in (FeatureRole.ID, FeatureRole.TIMESTAMP):
            raise ValueError(
                f"feature {self.name!r} has role {self.role.value!r} and cannot be protected; "
                "use role = 'protected' or 'input'"
            )
        if self.bands is not None:
            if self.kind is not FeatureKind.NUMERIC:
                raise ValueError(f"bands apply to numeric features; {self.name!r} is categorical")
            if not self.bands or sorted(set(self.bands)) != list(self.bands):
                raise ValueError(
                    f"bands of {self.name!r} must be increasing cut points, e.g. [25, 40, 60]"
                )
        if self.is_protected and self.kind is FeatureKind.NUMERIC and self.bands is None:
            raise ValueError(
                f"protected feature {self.name!r} is numeric; give its groups as "
                "bands = [cut, ...], e.g. bands = [25] for under 25 / 25 and over"
            )
        return self

    @property
    def is_protected(self) -> bool:
        """A fairness attribute: per-group rates and gaps are monitored across its values."""
        return self.protected or self.role is FeatureRole.PROTECTED

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
    # What an answered prediction's record survives (README, "Durability modes"):
    # durable = fsynced to the local spool before the answer; interval = spooled, fsynced
    # every fsync_interval_ms; best_effort = an in-memory queue.
    durability: Literal["durable", "interval", "best_effort"] = "durable"
    spool_dir: Path = Path("spool")  # local disk; one set of files per serving process
    spool_max_bytes: Annotated[int, Field(ge=65_536)] = 1 << 30
    spool_segment_bytes: Annotated[int, Field(ge=4096)] = 16 << 20
    fsync_interval_ms: Annotated[float, Field(gt=0, le=60_000)] = 100.0
    queue_max_records: Annotated[int, Field(ge=1)] = 100_000
    # Write spooled predictions to the database from a child process of each serving worker
    # (off the worker's GIL; README, "Workers"). Off: a thread of the worker does it.
    drain_process: bool = True


class MlflowConfig(_Strict):
    tracking_uri: str = "sqlite:///mlflow.db"
    artifact_location: Path = Path("mlartifacts")
    experiment: str = "driftlab"
    model_name: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")] | None = None


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
    # Absolute limit for monitor.metric: a floor (a ceiling for mse/rmse/mae/mape/log_loss).
    metric_floor: float | None = None
    max_p99_latency_ms: Annotated[float, Field(gt=0)] | None = None  # latency SLO
    max_error_rate: Annotated[float, Field(gt=0, lt=1)] | None = None  # 5xx share SLO
    # River change detector over per-prediction errors in label order (see monitor/concept.py).
    concept_detector: Literal["adwin", "ddm", "eddm", "page_hinkley", "none"] = "adwin"
    bins: Annotated[int, Field(ge=2, le=1000)] = 10
    sample_size: Annotated[int, Field(ge=10)] = 2000
    last_n: Annotated[int, Field(ge=1)] = 1000


class FairnessConfig(_Strict):
    """``[fairness]``: group gaps across every protected attribute (binary models only)."""

    enabled: bool = True
    # The decision a person wants (a loan granted); default data.positive_class.
    favorable_class: str | None = None
    # Groups with fewer rows (or, for TPR/FPR, labeled positives/negatives) are not judged.
    min_group_size: Annotated[int, Field(ge=1)] = 30
    max_selection_gap: Annotated[float, Field(gt=0, lt=1)] = 0.1  # demographic parity diff
    min_selection_ratio: Annotated[float, Field(gt=0, lt=1)] = 0.8  # the four-fifths rule
    max_tpr_gap: Annotated[float, Field(gt=0, lt=1)] = 0.1  # equal opportunity difference
    max_odds_gap: Annotated[float, Field(gt=0, lt=1)] = 0.1  # equalized odds difference
    # A gap beyond its limit alerts only when a two-proportion test says it is real.
    alpha: Annotated[float, Field(gt=0, lt=1)] = 0.05
    # A gap that widened this much since training (significantly) alerts even within its
    # limit; unset: only the limits decide.
    max_gap_increase: Annotated[float, Field(gt=0, lt=1)] | None = None
    # Combinations of protected attributes judged as one (e.g. [["sex", "age"]]).
    intersections: list[Annotated[list[str], Field(min_length=2)]] = Field(default_factory=list)


class ComplianceConfig(_Strict):
    """``[compliance]``: reliance on prohibited features and proxies for them."""

    enabled: bool = True
    # Names of features the model must not rely on, besides those with role "prohibited".
    # Model inputs get a reliance check; other attributes get a proxy check.
    prohibited: list[str] = Field(default_factory=list)
    # Protected attributes that are not model inputs get a proxy check too.
    protected_are_prohibited: bool = True
    max_reliance: Annotated[float, Field(ge=0, lt=1)] = 0.05
    max_reliance_increase: Annotated[float, Field(ge=0, lt=1)] = 0.05
    max_proxy_auc: Annotated[float, Field(gt=0.5, le=1)] = 0.75
    max_proxy_increase: Annotated[float, Field(ge=0, lt=0.5)] = 0.1
    repeats: Annotated[int, Field(ge=1, le=50)] = 5
    max_rows: Annotated[int, Field(ge=50)] = 5000
    seed: int = 0


class RetrainConfig(_Strict):
    metric: str | None = None  # default: monitor.metric
    min_improvement: float = 0.0
    holdout_fraction: Annotated[float, Field(gt=0, lt=1)] = 0.3
    min_labels: Annotated[int, Field(ge=10)] = 100


class ServeConfig(_Strict):
    """``[serve]``: the HTTP API. Tokens are never written here: ``token_envs`` names the
    environment variables that hold them (each may hold several, comma-separated)."""

    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 8000
    reload_interval_s: Annotated[float, Field(ge=0)] = 5.0
    max_body_bytes: Annotated[int, Field(ge=1024)] = 1_048_576
    max_batch_records: Annotated[int, Field(ge=1)] = 1000
    # Threads per server process for the model's math. Single-row predictions gain nothing
    # from more, and OpenMP threads oversubscribing the cores collapse throughput.
    threads: Annotated[int, Field(ge=1)] = 1
    # Worker processes (uvicorn). Each loads the champion, polls for a new one and shares the
    # store; Prometheus metrics are summed across them.
    workers: Annotated[int, Field(ge=1, le=64)] = 1
    # Run the model with ONNX Runtime when it converts and matches scikit-learn.
    onnx: bool = True
    # Bearer-token auth: on when any of these variables holds a token ("auto"), always
    # ("on": the server refuses to start without a token), or never ("off").
    auth: Literal["auto", "on", "off"] = "auto"
    token_envs: list[str] = Field(default_factory=lambda: ["DRIFTLAB_API_TOKEN"])
    auth_predict: bool = False
    auth_metrics: bool = False
    # The dashboard (on the server and `driftlab dashboard`) shows monitoring results, fairness
    # included: behind the token when auth is on. A browser logs in with it as the password.
    auth_dashboard: bool = True
    # Token bucket per client (its token, else its IP), per worker process; 0 turns it off.
    rate_limit_per_s: Annotated[float, Field(ge=0)] = 0.0
    rate_limit_burst: Annotated[int, Field(ge=0)] = 0
    cors_origins: list[str] = Field(default_factory=list)

    @field_validator("token_envs")
    @classmethod
    def _token_env_names(cls, names: list[str]) -> list[str]:
        for name in names:
            if not name.isidentifier():
                raise ValueError(
                    "token_envs lists environment variable names (e.g. 'DRIFTLAB_API_TOKEN'), "
                    "not tokens; an entry is not a variable name. Put the token in the "
                    "environment, never in the project file"
                )
        return names


# What a monitoring run can alert on: one kind per check in driftlab.monitor.findings (its
# catalogue is keyed by these). A channel may take only some of them (``kinds``), and an
# all-clear notice follows the kind it ends.
ALERT_KINDS = tuple(kind.value for kind in FindingKind)


class AlertChannel(_Strict):
    """One ``[[alerts.channels]]`` entry: ``console``, ``webhook``, ``slack`` or ``email``.

    Which keys apply depends on ``type``. A key that does not apply is refused rather than
    ignored, since it usually means the channel is not the one the author thinks it is.
    ``url``, ``password`` and ``secret`` are secrets (a Slack URL *is* its token): they print as
    ``**********`` in reprs, dumps and validation errors. ``password_env`` and ``secret_env``
    name environment variables to read them from instead, when the sinks are built.
    """

    # Defaults are validated too, so a missing required key is caught by the same check.
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    type: Literal["console", "webhook", "slack", "email"]
    min_severity: Literal["info", "warning", "critical"] = "info"
    # Route by finding: e.g. fairness and compliance to the compliance officer's mailbox. Empty
    # means every kind. A resolved notice goes where the alert it ends went.
    kinds: list[str] = Field(default_factory=list)
    url: SecretStr | None = None
    secret: SecretStr | None = None
    secret_env: str | None = None
    host: str | None = None
    port: Annotated[int, Field(ge=1, le=65535)] = 587
    starttls: bool = True
    ca_file: Path | None = None
    username: str | None = None
    password: SecretStr | None = None
    password_env: str | None = None
    sender: str | None = None
    to: list[str] = Field(default_factory=list)
    timeout_s: Annotated[float, Field(gt=0)] = 5.0
    retries: Annotated[int, Field(ge=0, le=10)] = 3
    backoff_s: Annotated[float, Field(ge=0, le=60)] = 0.5

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, kinds: list[str]) -> list[str]:
        unknown = [k for k in kinds if k not in ALERT_KINDS]
        if unknown:
            raise ValueError(
                f"unknown alert kind(s) {unknown}; use some of: {', '.join(ALERT_KINDS)}"
            )
        return kinds

    _NETWORK: ClassVar[tuple[str, ...]] = ("webhook", "slack", "email")
    _EMAIL_KEYS: ClassVar[tuple[str, ...]] = (
        "host",
        "port",
        "starttls",
        "ca_file",
        "username",
        "password",
        "password_env",
        "sender",
        "to",
    )
    # The types each key applies to. Console accepted url and timeout_s before there were other
    # types, so it still does (and ignores them).
    _USED_BY: ClassVar[dict[str, tuple[str, ...]]] = {
        "url": ("webhook", "slack", "console"),
        "secret": ("webhook",),
        "secret_env": ("webhook",),
        **dict.fromkeys(_EMAIL_KEYS, ("email",)),
        "timeout_s": (*_NETWORK, "console"),
        "retries": _NETWORK,
        "backoff_s": _NETWORK,
    }
    _REQUIRED: ClassVar[dict[str, dict[str, str]]] = {
        "webhook": {"url": "a webhook channel needs url = 'https://...'"},
        "slack": {
            "url": "a slack channel needs url = 'https://hooks.slack.com/services/...', "
            "the incoming webhook's URL"
        },
        "email": {
            "host": "an email channel needs host = 'smtp.example.com'",
            "sender": "an email channel needs sender = 'driftlab@example.com'",
            "to": "an email channel needs to = ['oncall@example.com'], the list of recipients",
        },
    }
    _SECRETS: ClassVar[tuple[str, ...]] = ("url", "secret", "password")

    @model_validator(mode="before")
    @classmethod
    def _hide_secrets(cls, data: Any) -> Any:
        # Validation errors quote the offending value. Wrapping secrets (and the values of
        # unknown keys, which may be a misspelled "password") keeps them off the console.
        if not isinstance(data, dict):
            return data
        return {
            k: SecretStr(v)
            if isinstance(v, str) and (k in cls._SECRETS or k not in cls.model_fields)
            else v
            for k, v in data.items()
        }

    @field_validator("*")
    @classmethod
    def _fits_type(cls, value: Any, info: ValidationInfo) -> Any:
        kind, key = info.data.get("type"), info.field_name
        if kind is None or key not in cls._USED_BY:
            return value  # type itself is invalid, and that error is the one to read
        default = cls.model_fields[key].get_default(call_default_factory=True)
        if kind not in cls._USED_BY[key] and value != default:
            users = ", ".join(t for t in cls._USED_BY[key] if t != "console")
            raise ValueError(f"{key} does not apply to type = {kind!r} (only {users}); remove it")
        required = cls._REQUIRED.get(kind, {})
        if key in required and not value:
            raise ValueError(required[key])
        return value

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        web = info.data.get("type") in ("webhook", "slack")
        if (
            web
            and url is not None
            and not url.get_secret_value().startswith(("https://", "http://"))
        ):
            raise ValueError("url must start with https:// (or http://)")
        return url

    @field_validator("secret_env", "password_env")
    @classmethod
    def _env_name(cls, name: str | None, info: ValidationInfo) -> str | None:
        inline = (info.field_name or "").removesuffix("_env")
        if name is not None and not name.isidentifier():
            raise ValueError(
                f"{info.field_name} names an environment variable, e.g. 'SMTP_PASSWORD'"
            )
        if name is not None and info.data.get(inline) is not None:
            raise ValueError(f"set {inline} or {info.field_name}, not both")
        return name

    @field_validator("sender")
    @classmethod
    def _sender_address(cls, sender: str | None) -> str | None:
        if sender is not None and "@" not in sender:
            raise ValueError("sender must be an e-mail address, e.g. 'driftlab@example.com'")
        return sender

    @field_validator("to")
    @classmethod
    def _recipient_addresses(cls, to: list[str]) -> list[str]:
        bad = [a for a in to if "@" not in a]
        if bad:
            raise ValueError(f"to must list e-mail addresses; not one: {', '.join(bad)}")
        return to

    @field_validator("password_env")
    @classmethod
    def _login_complete(cls, password_env: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("type") != "email":
            return password_env
        has_password = password_env is not None or info.data.get("password") is not None
        if info.data.get("username") and not has_password:
            raise ValueError(
                "username is set but no password; set password_env = 'SMTP_PASSWORD' "
                "(the variable that holds it), or password"
            )
        if has_password and not info.data.get("username"):
            raise ValueError("a password needs username = '...'; set it, or drop the password")
        if has_password and not info.data.get("starttls", True):
            raise ValueError(
                "starttls = false would send the password unencrypted; set starttls = true"
            )
        return password_env

    @field_validator("ca_file")
    @classmethod
    def _ca_needs_tls(cls, ca_file: Path | None, info: ValidationInfo) -> Path | None:
        if ca_file is not None and not info.data.get("starttls", True):
            raise ValueError("ca_file is used only with starttls = true; remove one of them")
        return ca_file


class AlertsConfig(_Strict):
    channels: list[AlertChannel] = Field(default_factory=lambda: [AlertChannel(type="console")])
    cooldown_minutes: Annotated[float, Field(ge=0)] = 60.0
    # Hosts that webhook and Slack URLs may name although they resolve to private, loopback or
    # link-local addresses (refused by default: see driftlab.alerts.guard).
    allow_hosts: list[str] = Field(default_factory=list)

    @field_validator("allow_hosts", mode="before")
    @classmethod
    def _host_names(cls, hosts: Any) -> Any:
        # A pasted URL keeps only its host: echoing it back in an error would print its token.
        if not isinstance(hosts, list):
            return hosts
        return [
            (urlsplit(h).hostname or "") if isinstance(h, str) and "/" in h else h for h in hosts
        ]

    @field_validator("allow_hosts")
    @classmethod
    def _lower(cls, hosts: list[str]) -> list[str]:
        if any(not h.strip() for h in hosts):
            raise ValueError(
                "allow_hosts has an empty entry; list host names like 'hooks.slack.com'"
            )
        return [h.strip().strip("[]").lower() for h in hosts]


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
    fairness: FairnessConfig = FairnessConfig()
    compliance: ComplianceConfig = ComplianceConfig()

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
            msg = "unknown key; check its spelling against the README's settings table"
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
