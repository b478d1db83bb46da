"""Fairness and compliance: group gaps across protected attributes, reliance on prohibited
features and proxies for them. Part of the monitoring core (numpy, scipy, pandas,
scikit-learn only)."""

import importlib

# Each name's module, loaded on first use: the result values (what a MonitoringResult holds)
# import nothing heavy, and importing them must not load scikit-learn through the proxy check.
_HOME = {
    "fairness_reference": "check", "favorable_class": "check", "window_fairness": "check",
    "compliance_checks": "compliance", "compliance_reference": "compliance",
    "band_label": "groups", "group_labels": "groups", "group_rates": "groups",
    "FAIRNESS_METRICS": "metrics", "fairness_metrics": "metrics",
    "proxy_strength": "proxy", "decision_reliance": "reliance",
    "ComplianceCheck": "result", "ComplianceResult": "result", "FairnessMetric": "result",
    "FairnessResult": "result", "GroupRates": "result",
    "newcombe_interval": "driftlab.stats.proportions",
    "two_proportion_test": "driftlab.stats.proportions",
    "wilson_interval": "driftlab.stats.proportions",
}  # fmt: skip


def __getattr__(name: str) -> object:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'driftlab.fairness' has no attribute {name!r}")
    module = home if home.startswith("driftlab.") else f"driftlab.fairness.{home}"
    return getattr(importlib.import_module(module), name)


__all__ = [
    "FAIRNESS_METRICS",
    "ComplianceCheck",
    "ComplianceResult",
    "FairnessMetric",
    "FairnessResult",
    "GroupRates",
    "band_label",
    "compliance_checks",
    "compliance_reference",
    "decision_reliance",
    "fairness_metrics",
    "fairness_reference",
    "favorable_class",
    "group_labels",
    "group_rates",
    "newcombe_interval",
    "proxy_strength",
    "two_proportion_test",
    "wilson_interval",
    "window_fairness",
]
