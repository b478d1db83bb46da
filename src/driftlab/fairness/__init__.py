"""Fairness and compliance: group gaps across protected attributes, reliance on prohibited
features and proxies for them. Part of the monitoring core (numpy, scipy, pandas,
scikit-learn only)."""

from driftlab.fairness.check import fairness_reference, favorable_class, window_fairness
from driftlab.fairness.compliance import compliance_checks, compliance_reference
from driftlab.fairness.groups import band_label, group_labels, group_rates
from driftlab.fairness.metrics import FAIRNESS_METRICS, fairness_metrics
from driftlab.fairness.proxy import proxy_strength
from driftlab.fairness.reliance import decision_reliance
from driftlab.fairness.result import (
    ComplianceCheck,
    ComplianceResult,
    FairnessMetric,
    FairnessResult,
    GroupRates,
)
from driftlab.stats.proportions import newcombe_interval, two_proportion_test, wilson_interval

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
