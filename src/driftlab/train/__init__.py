"""Training: a pipeline from the spec, holdout metrics, and the frozen reference profile.

Training never imports monitoring: what monitoring needs of the training rows beyond the
profile is computed by a ``prepare`` callback that the train job passes in.
"""

from driftlab.train.fit import (
    HOLDOUT_OUTPUT_ROWS,
    ReferencePreparer,
    TrainingRows,
    evaluate,
    frame_sha256,
    load_dataset,
    train_model,
)
from driftlab.train.pipeline import build_pipeline

__all__ = [
    "HOLDOUT_OUTPUT_ROWS",
    "ReferencePreparer",
    "TrainingRows",
    "build_pipeline",
    "evaluate",
    "frame_sha256",
    "load_dataset",
    "train_model",
]
