"""The fairness package belongs to the monitoring core: lean imports, explicit surface."""

from __future__ import annotations

import subprocess
import sys

import driftlab.fairness


def test_fairness_imports_without_fastapi_mlflow_or_plotting() -> None:
    code = (
        "import sys, driftlab.fairness, driftlab.monitor.model_checks; "
        "heavy = ('fastapi', 'mlflow', 'plotly', 'pyspark', 'uvicorn', 'fairlearn'); "
        "print([m for m in heavy if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_exported_names() -> None:
    assert set(driftlab.fairness.__all__) == {
        "FAIRNESS_METRICS", "ComplianceCheck", "ComplianceResult", "FairnessMetric",
        "FairnessResult", "GroupRates", "band_label", "compliance_checks",
        "compliance_reference", "decision_reliance", "fairness_metrics", "fairness_reference",
        "favorable_class", "group_labels", "group_rates", "newcombe_interval", "proxy_strength",
        "two_proportion_test", "wilson_interval", "window_fairness",
    }  # fmt: skip
