"""Model quality metrics on arrays."""

from driftlab.metrics.quality import classification_metrics, regression_metrics

__all__ = ["classification_metrics", "regression_metrics"]
