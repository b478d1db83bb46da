"""``[[features]]``: one table per column, and the task's kinds and roles."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator

from driftlab.config._base import Strict

__all__ = [
    "Feature",
    "FeatureKind",
    "FeatureRole",
    "Task",
    "event_time",
    "model_inputs",
    "monitored",
]


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
    # A point in time (ISO 8601 text): the event time of a row, never a model input and never
    # drift-tested (it always "drifts"); monitoring windows can select rows by it.
    TIMESTAMP = "timestamp"


class FeatureRole(StrEnum):
    INPUT = "input"
    ID = "id"
    TIMESTAMP = "timestamp"
    PROTECTED = "protected"
    PROHIBITED = "prohibited"


class Feature(Strict):
    """``[[features]]``: one table per column, at least one."""

    name: Annotated[str, Field(min_length=1, description="column name, unique")]
    kind: FeatureKind = Field(
        FeatureKind.NUMERIC,
        description="`numeric` (float; KS + PSI), `categorical` (string; chi-square + PSI) or "
        "`timestamp` (ISO 8601 date or time, taken as UTC when it has no offset; the default "
        "for role `timestamp`, and only for it)",
    )
    # Roles other than input/prohibited mean "logged and monitored, not fed to the model".
    role: FeatureRole = Field(
        FeatureRole.INPUT,
        description="`input` and `prohibited` are fed to the model; `prohibited` marks an input "
        "the model must not rely on (checked by "
        "[compliance](verdicts.md#fairness-and-compliance-verdicts)). `id`, `timestamp` and "
        "`protected` are not fed to the model; they are optional in requests and logged when "
        "sent. `protected` is a fairness attribute (sex, age, …) and is drift-tested; `id` "
        "and `timestamp` are not (they would always look drifted). At least one feature must "
        "be `input` or `prohibited`.",
    )
    nullable: bool = Field(
        True, description="`false` makes `/v1/predict` refuse `null` for this feature"
    )
    # Per-feature drift statistics (catalogue names); unset means [monitor]'s defaults.
    drift_test: str | None = Field(
        None,
        description="any catalogue test or distance that applies to the kind (see "
        "[the catalogue](verdicts.md#the-statistics-catalogue)); unset: `[monitor]`'s test for "
        "the kind",
    )
    drift_effect: str | None = Field(
        None,
        description="the effect-size statistic for this feature; unset: `[monitor]`'s `effect`",
    )
    min_effect: Annotated[float, Field(ge=0)] | None = Field(
        None,
        description="the effect size this feature must reach to count as drift; unset: "
        "`[monitor]`'s `min_effect`",
    )
    # A protected attribute for fairness monitoring. Role "protected" implies it; set it on an
    # input to monitor fairness across the groups of an attribute the model also uses.
    protected: bool = Field(
        False,
        description="`true` on an `input` makes it a fairness attribute too, for a model that "
        "legitimately uses it (role `protected` implies `true`)",
    )
    # Declared bounds: values outside them are impossible (a negative age), whatever the
    # training rows held. Monitoring reports them as data-quality findings.
    min_value: float | None = Field(
        None,
        description="numeric only: the smallest possible value; a window's values below it are "
        "a data-quality finding (from `monitor.quality_min_share` of the rows)",
    )
    max_value: float | None = Field(
        None, description="numeric only: the largest possible value (see `min_value`)"
    )
    unique: bool = Field(
        False,
        description="role `id` only: each value identifies one prediction (an application "
        "number), so a value repeated within a window is a data-quality finding (a retried or "
        "replayed request); leave `false` for ids that repeat (a customer id)",
    )
    # Cut points that turn a numeric protected attribute into groups (age bands).
    bands: list[float] | None = Field(
        None,
        description="cut points that group a numeric protected attribute, e.g. `[25]` → `<25`, "
        "`≥25`; `[25, 60]` → `<25`, `25–60`, `≥60` (left-closed). Required for a numeric "
        "protected attribute",
    )

    @model_validator(mode="after")
    def _timestamp(self) -> Feature:
        # A role "timestamp" column is a time, never a number or a category: before it was
        # its own kind it defaulted to numeric, and training failed on dates.
        timestamp_role = self.role is FeatureRole.TIMESTAMP
        if self.kind is FeatureKind.TIMESTAMP and not timestamp_role:
            if "role" in self.model_fields_set:
                raise ValueError(
                    f"feature {self.name!r} has kind 'timestamp' and role {self.role.value!r}; "
                    "a timestamp is never a model input: use role = 'timestamp' (derive month "
                    "or weekday columns in your data to feed the model)"
                )
            object.__setattr__(self, "role", FeatureRole.TIMESTAMP)
        elif timestamp_role and self.kind is not FeatureKind.TIMESTAMP:
            if "kind" in self.model_fields_set:
                raise ValueError(
                    f"feature {self.name!r} has role 'timestamp' and kind {self.kind.value!r}; "
                    "a timestamp column holds ISO 8601 times: remove the kind (or set "
                    "kind = 'timestamp')"
                )
            object.__setattr__(self, "kind", FeatureKind.TIMESTAMP)
        return self

    @model_validator(mode="after")
    def _declared(self) -> Feature:
        bounded = self.min_value is not None or self.max_value is not None
        if bounded and self.kind is not FeatureKind.NUMERIC:
            raise ValueError(
                f"min_value/max_value apply to numeric features; {self.name!r} is {self.kind.value}"
            )
        if (
            self.min_value is not None
            and self.max_value is not None
            and self.min_value > self.max_value
        ):
            raise ValueError(
                f"feature {self.name!r} has min_value {self.min_value} above max_value "
                f"{self.max_value}; swap them"
            )
        if self.unique and self.role is not FeatureRole.ID:
            raise ValueError(
                f"unique applies to role 'id' features; {self.name!r} has role {self.role.value!r}"
            )
        return self

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


def event_time(features: list[Feature]) -> Feature | None:
    """The feature that holds each row's event time (role ``timestamp``), if one is declared."""
    return next((f for f in features if f.kind is FeatureKind.TIMESTAMP), None)


def monitored(features: list[Feature]) -> list[Feature]:
    """The features drift-tested (all roles but id and timestamp), in spec order."""
    return [f for f in features if f.is_monitored]
