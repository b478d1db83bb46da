"""The lean core docs/architecture.md describes, checked rather than hoped for."""

from __future__ import annotations

import subprocess
import sys

import driftlab.alerts
import driftlab.monitor
import driftlab.profile
import driftlab.registry
import driftlab.stats
import driftlab.store


def test_monitoring_core_imports_without_fastapi_mlflow_or_plotting() -> None:
    code = (
        "import sys, driftlab.monitor, driftlab.stats, driftlab.profile, driftlab.metrics; "
        # River (concept detectors) and SQLAlchemy load only when a run needs them.
        "heavy = ('fastapi', 'mlflow', 'plotly', 'pyspark', 'uvicorn', 'river', 'sqlalchemy'); "
        "heavy = [m for m in heavy if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_importing_driftlab_has_no_side_effects() -> None:
    out = subprocess.run(
        [sys.executable, "-c", "import driftlab, driftlab.config"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout == "" and out.stderr == ""


def test_exported_names_are_exactly_the_intended_ones() -> None:
    assert set(driftlab.stats.__all__) == {
        "CATALOGUE",
        "StatEntry",
        "TestResult",
        "adjust_p_values",
        "anderson",
        "chi2",
        "cvm",
        "default_stats",
        "energy",
        "fisher",
        "get_stat",
        "gtest",
        "hellinger",
        "jensen_shannon",
        "kl",
        "ks",
        "mannwhitney",
        "psi",
        "tvd",
        "wasserstein",
        "welch",
        "ztest",
    }
    assert set(driftlab.profile.__all__) == {
        "OTHER",
        "CategoricalProfile",
        "NumericProfile",
        "Profile",
        "RowSample",
        "bin_index",
        "build_profile",
        "build_profile_arrays",
        "build_profile_chunks",
        "quantile_edges",
        "row_keys",
    }
    assert set(driftlab.registry.__all__) == {
        "CHALLENGER",
        "CHAMPION",
        "MemoryRegistry",
        "ModelVersion",
        "Registry",
    }
    assert set(driftlab.store.__all__) == {
        "ErrorRecord",
        "LabelOutcome",
        "LabelRecord",
        "PredictionGroup",
        "PredictionRecord",
        "SqlStore",
        "Store",
        "StoredRun",
    }
    assert "monitor_window" in driftlab.monitor.__all__ and "dispatch" in driftlab.alerts.__all__
    for mod in (
        driftlab.stats,
        driftlab.profile,
        driftlab.registry,
        driftlab.store,
        driftlab.monitor,
        driftlab.alerts,
    ):
        for name in mod.__all__:
            assert hasattr(mod, name), f"{mod.__name__}.{name} is exported but missing"
