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
        "import sys, driftlab.monitor, driftlab.stats, driftlab.profile, driftlab.metrics, "
        "driftlab.monitor.merged, driftlab.monitor.source; "
        # River (concept detectors) and SQLAlchemy load only when a run needs them.
        "heavy = ('fastapi', 'mlflow', 'plotly', 'pyspark', 'uvicorn', 'river', 'sqlalchemy'); "
        "heavy = [m for m in heavy if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_spark_engines_import_without_pyspark() -> None:
    # The CLI imports them to say how to install pyspark when it is missing: importing them
    # must not need it.
    code = (
        "import sys, driftlab.spark.monitor, driftlab.spark.predict, driftlab.spark.session; "
        "print('pyspark' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_importing_driftlab_has_no_side_effects() -> None:
    out = subprocess.run(
        [sys.executable, "-c", "import driftlab, driftlab.config"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout == "" and out.stderr == ""


def test_store_ports_and_fake_import_without_sqlalchemy() -> None:
    # Code that only takes a store (and tests using the in-memory one) must not pay for the
    # SQL adapter; the composition roots import driftlab.store.sql themselves.
    code = (
        "import sys, driftlab.store, driftlab.store.records; "
        "driftlab.store.MemoryStore().read_window('m'); "
        "print([m for m in ('sqlalchemy', 'alembic') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_store_adapter_provides_every_port() -> None:
    from driftlab.store import ports
    from driftlab.store.sql import SqlStore

    for port in (ports.PredictionSink, ports.WindowSource, ports.RunLog, ports.AlertLog,
                 ports.AuditLog, ports.DecisionLog):  # fmt: skip
        wanted = {n for n in vars(port) if not n.startswith("_")}
        for adapter in (SqlStore, driftlab.store.MemoryStore):
            assert wanted <= set(dir(adapter)), f"{adapter.__name__} lacks {port.__name__}"


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
        # the ports
        "AlertLog",
        "AuditLog",
        "DecisionLog",
        "JobLock",
        "PredictionSink",
        "RunHistory",
        "RunLog",
        "Store",
        "WindowSource",
        # the records
        "AuditRow",
        "ErrorRecord",
        "LabelOutcome",
        "LabelRecord",
        "PredictionGroup",
        "PredictionRecord",
        "ServedVersion",
        "StoredAlert",
        "StoredDecision",
        "StoredRun",
        "Window",
        "WindowSpan",
        # the fake (the SQL adapter is driftlab.store.sql.SqlStore, imported explicitly)
        "MemoryStore",
    }
    assert {"monitor_window", "monitor_chunks"} <= set(driftlab.monitor.__all__)
    assert "dispatch" in driftlab.alerts.__all__
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


def _imports(package: str) -> dict[str, set[str]]:
    """The modules each module of ``package`` imports (at any depth of its code)."""
    import ast
    from pathlib import Path

    root = Path(__import__(package, fromlist=["_"]).__file__).parent  # type: ignore[arg-type]
    found: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
        found[str(path.relative_to(root))] = names
    return found


def test_the_prediction_log_sits_between_serve_and_store() -> None:
    import driftlab.predlog

    assert set(driftlab.predlog.__all__) == {
        "LogMetrics",
        "LogSettings",
        "PredictionLogger",
        "logger_from_settings",
    }
    for name in driftlab.predlog.__all__:
        assert getattr(driftlab.predlog, name).__name__ == name
    above = ("fastapi", "starlette", "driftlab.serve", "driftlab.cli")
    adapters = ("sqlalchemy", "driftlab.store.sql", "driftlab.store.opener")
    for module, names in _imports("driftlab.predlog").items():
        wrong = {n for n in names if n.startswith(above + adapters)}
        assert not wrong, f"driftlab/predlog/{module} imports {sorted(wrong)}"
    for module, names in _imports("driftlab.store").items():
        wrong = {n for n in names if n.startswith(("driftlab.predlog", "driftlab.serve"))}
        assert not wrong, f"driftlab/store/{module} imports {sorted(wrong)}"
