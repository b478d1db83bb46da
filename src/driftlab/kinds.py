"""The kinds of finding a monitoring run reports: the names alerts, routing and notices share.

The string values are stored: in alert fingerprints (``model:kind:subject``, deduplicated
across runs), in saved runs, and in ``[[alerts.channels]] kinds``. Renaming one would reopen
every ongoing alert of that kind, so a value never changes.

This module imports nothing, so that the settings can validate ``kinds`` without importing the
monitoring core; the check behind each kind is in :mod:`driftlab.monitor.findings`.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["FindingKind"]


class FindingKind(StrEnum):
    """One kind of finding, in the order a run's alerts list them.

    >>> FindingKind("concept_drift") is FindingKind.CONCEPT_DRIFT
    True
    >>> f"m:{FindingKind.DATA_DRIFT}:tenure"
    'm:data_drift:tenure'
    """

    DATA_DRIFT = "data_drift"
    DATA_QUALITY = "data_quality"
    PREDICTION_DRIFT = "prediction_drift"
    MULTIVARIATE_DRIFT = "multivariate_drift"
    SERVICE = "service"
    CONCEPT_DRIFT = "concept_drift"
    FAIRNESS = "fairness"
    COMPLIANCE = "compliance"
    CHECK_FAILED = "check_failed"
    PERFORMANCE = "performance"
    ESTIMATED_PERFORMANCE = "estimated_performance"
    LABEL_DRIFT = "label_drift"
