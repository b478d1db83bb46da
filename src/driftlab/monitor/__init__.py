"""Monitoring: compare windows of logged predictions with the frozen reference."""

from driftlab.monitor.dataset import DatasetDrift, dataset_drift, drift_between
from driftlab.monitor.drift import DriftPolicy, compare_profiles
from driftlab.monitor.result import Alert, FeatureDrift, MonitoringResult, PerformanceResult
from driftlab.monitor.run import monitor_chunks, monitor_window, pick_version
from driftlab.monitor.settings import MonitorSettings

__all__ = [
    "Alert",
    "DatasetDrift",
    "DriftPolicy",
    "FeatureDrift",
    "MonitorSettings",
    "MonitoringResult",
    "PerformanceResult",
    "compare_profiles",
    "dataset_drift",
    "drift_between",
    "monitor_chunks",
    "monitor_window",
    "pick_version",
]
