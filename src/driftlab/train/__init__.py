"""Training: a pipeline from the spec, holdout metrics, and the frozen reference profile."""

from driftlab.train.fit import evaluate, frame_sha256, load_dataset, train_model
from driftlab.train.pipeline import build_pipeline

__all__ = ["build_pipeline", "evaluate", "frame_sha256", "load_dataset", "train_model"]
