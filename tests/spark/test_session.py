"""The session's set-up without a session: executors' Python, install hint, flags, sources."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from driftlab.errors import ConfigError, DataError, MissingDependencyError
from driftlab.spark.session import executor_python, parse_conf, read_table, require_pyspark


def test_executors_get_this_python_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYSPARK_PYTHON", raising=False)
    monkeypatch.setenv("PYSPARK_DRIVER_PYTHON", "/opt/cluster/python")
    assert executor_python() == {"PYSPARK_PYTHON": sys.executable}
    import os

    assert os.environ["PYSPARK_PYTHON"] == sys.executable
    assert os.environ["PYSPARK_DRIVER_PYTHON"] == "/opt/cluster/python"  # the user's, kept


def test_without_pyspark_the_error_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark now raises ImportError
    with pytest.raises(MissingDependencyError, match=r"pip install 'driftlab\[spark\]'"):
        require_pyspark()


def test_spark_conf_flags() -> None:
    assert parse_conf(["spark.executor.memory=4g", "a.b = c=d"]) == {
        "spark.executor.memory": "4g",
        "a.b": "c=d",
    }
    with pytest.raises(ConfigError, match=r"--spark-conf 'spark.executor.memory' is not key=value"):
        parse_conf(["spark.executor.memory"])


def test_a_source_that_is_neither_path_nor_table_is_named(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"'no/such/file.parquet' is neither an existing Parquet"):
        read_table(None, "no/such/file.parquet")
    csv = tmp_path / "rows.csv"
    csv.write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match=r"is not Parquet; --engine spark reads Parquet"):
        read_table(None, str(csv))
