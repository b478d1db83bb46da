"""Monitoring: compare windows of logged predictions with the frozen reference."""

from driftlab.monitor.drift import DriftPolicy, compare_profiles
from driftlab.monitor.result import Alert, FeatureDrift, MonitoringResult, PerformanceResult
from driftlab.monitor.run import Window, monitor_window, pick_version

__all__ = [
    "Alert",
    "DriftPolicy",
    "FeatureDrift",
    "MonitoringResult",
    "PerformanceResult",
    "Window",
    "compare_profiles",
    "monitor_window",
    "pick_version",
]
