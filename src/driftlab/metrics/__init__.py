"""Model quality metrics on arrays."""

from driftlab.metrics.quality import (
    CLASSIFICATION_METRICS,
    LOWER_IS_BETTER,
    REGRESSION_METRICS,
    class_breakdown,
    classification_metrics,
    regression_metrics,
)

__all__ = [
    "CLASSIFICATION_METRICS",
    "LOWER_IS_BETTER",
    "REGRESSION_METRICS",
    "class_breakdown",
    "classification_metrics",
    "regression_metrics",
]
