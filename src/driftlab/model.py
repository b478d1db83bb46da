"""The model value objects handed between stages: what was trained, and how to predict."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from driftlab.config import Feature, Task, model_inputs, monitored
from driftlab.profile import Profile
from driftlab.schema import coerce_frame

if TYPE_CHECKING:  # scikit-learn is imported where a model is built, not with the module
    from sklearn.pipeline import Pipeline

__all__ = ["ModelBundle", "ModelInfo", "PredictionBatch"]


@dataclass(frozen=True)
class ModelInfo:
    """Everything needed to understand, rebuild and verify one trained model."""

    name: str
    task: Task
    target: str
    features: list[Feature]
    classes: list[str]
    positive_class: str | None
    estimator: str
    params: dict[str, Any]
    metrics: dict[str, float]
    dataset_sha256: str
    n_rows: int
    n_train: int
    n_test: int
    trained_at: str
    code_version: str | None
    packages: dict[str, str]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def input_features(self) -> list[Feature]:
        return model_inputs(self.features)

    @property
    def monitored_features(self) -> list[Feature]:
        return monitored(self.features)

    def with_extra(self, **items: Any) -> ModelInfo:
        """A copy with ``items`` added to ``extra`` (training facts that are not metrics)."""
        return replace(self, extra={**self.extra, **items})

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["task"] = self.task.value
        d["features"] = [f.model_dump(mode="json") for f in self.features]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelInfo:
        d = dict(d)
        d["task"] = Task(d["task"])
        d["features"] = [Feature.model_validate(f) for f in d["features"]]
        return cls(**d)


@dataclass(frozen=True)
class PredictionBatch:
    predictions: list[Any]  # class labels (str) or floats for regression
    probability: list[float | None]  # probability of the predicted class
    probabilities: list[dict[str, float] | None]


@dataclass(frozen=True)
class ModelBundle:
    """A loaded model version: the fitted pipeline, its info and its frozen reference."""

    info: ModelInfo
    pipeline: Pipeline
    reference: Profile
    version: str | None = None
    # Profile of the model's own outputs on the training rows (prediction drift baseline).
    outputs: Profile | None = None

    def model_frame(self, rows: pd.DataFrame | list[dict[str, Any]]) -> pd.DataFrame:
        return coerce_frame(rows, self.info.input_features)

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray | None:
        if not self.info.task.is_classification:
            return None
        return np.asarray(self.pipeline.predict_proba(frame))

    def predict(self, rows: pd.DataFrame | list[dict[str, Any]]) -> PredictionBatch:
        frame = self.model_frame(rows)
        if not self.info.task.is_classification:
            values = [float(v) for v in self.pipeline.predict(frame)]
            return PredictionBatch(values, [None] * len(values), [None] * len(values))
        proba = self.predict_proba(frame)
        assert proba is not None
        classes = self.info.classes
        best = proba.argmax(axis=1)
        return PredictionBatch(
            predictions=[classes[i] for i in best],
            probability=[float(proba[r, i]) for r, i in enumerate(best)],
            probabilities=[
                {c: round(float(p), 6) for c, p in zip(classes, row, strict=True)} for row in proba
            ],
        )
