"""What monitoring freezes from the training rows besides the profile.

Training calls this through its ``prepare`` argument (see :func:`driftlab.train.train_model`),
so the floors of the import graph follow the flow: training knows nothing of monitoring.
"""

from __future__ import annotations

from typing import Any

from driftlab.monitor.model_checks import reference_extras
from driftlab.monitor.quality import label_reference
from driftlab.monitor.run import policy_for
from driftlab.monitor.settings import MonitorSettings
from driftlab.monitor.thresholds import fit_effect_thresholds
from driftlab.train.fit import TrainingRows

__all__ = ["prepare_reference"]


def prepare_reference(rows: TrainingRows) -> dict[str, Any]:
    """``ModelInfo.extra`` entries for monitoring: the training labels' distribution, the
    group rates and reliance behind every
    fairness and compliance check (when the project declares protected or prohibited
    features), and effect thresholds fitted on reference windows (``monitor.fit_thresholds``).
    """
    project = rows.project
    settings = MonitorSettings.of(project)
    # The training labels, for label drift once a window's labels arrive.
    extras: dict[str, Any] = {
        "label_reference": label_reference(
            rows.y, classification=project.data.task.is_classification, bins=project.monitor.bins
        )
    }
    if project.protected_features or project.prohibited_features:
        extras |= reference_extras(settings, rows.bundle, rows.x, rows.y, rows.oof)
    if project.monitor.fit_thresholds:
        monitored = project.monitored_features
        extras["effect_thresholds"] = fit_effect_thresholds(
            rows.all_x, monitored, rows.bundle.reference, policy_for(settings, monitored),
            window_rows=project.monitor.last_n, k=project.monitor.threshold_k,
        )  # fmt: skip
    return extras
