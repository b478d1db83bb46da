"""The names of the quality metrics, apart from the code that computes them.

The project file is validated against these names (``monitor.metric``, ``retrain.metric``)
without importing scikit-learn; :mod:`driftlab.metrics.quality` computes exactly these, and a
test checks that the two agree.
"""

from __future__ import annotations

__all__ = ["CLASSIFICATION_METRICS", "LOWER_IS_BETTER", "REGRESSION_METRICS"]

CLASSIFICATION_METRICS = ("accuracy", "precision", "recall", "f1", "roc_auc", "log_loss")
REGRESSION_METRICS = ("mse", "rmse", "mae", "mape", "r2")
# Metrics where lower is better: a "drop" in quality is an increase.
LOWER_IS_BETTER = frozenset({"mse", "rmse", "mae", "mape", "log_loss"})
