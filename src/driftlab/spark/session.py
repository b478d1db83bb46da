"""The Spark session driftlab creates, and the tables it reads.

pyspark is imported on call: without it, :func:`require_pyspark` raises
:class:`~driftlab.errors.MissingDependencyError` with the install command.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from driftlab import errors
from driftlab.config.spark import SparkConfig
from driftlab.errors import ConfigError, DataError, MissingDependencyError

__all__ = [
    "DEFAULT_CONF",
    "executor_errors",
    "executor_python",
    "parse_conf",
    "read_table",
    "require_pyspark",
    "spark_session",
]

INSTALL_HINT = "pip install 'driftlab[spark]' (Spark also needs Java 17)"

# Set unless the project or the command line says otherwise. Times are read in UTC, as the
# store keeps them (Spark would otherwise turn timestamps into the driver's local time).
DEFAULT_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.showConsoleProgress": "false",
    # pyspark warns on every task that it does not "fully support" pandas 3; the calls driftlab
    # makes (mapInPandas on Arrow batches) are covered by its tests.
    "spark.executorEnv.PYTHONWARNINGS": "ignore::FutureWarning",
}
_TABLE = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*){0,2}$")


def require_pyspark() -> Any:
    """The pyspark module, or an error that says how to install it."""
    try:
        import pyspark
    except ImportError as e:
        raise MissingDependencyError(f"--engine spark needs pyspark: {INSTALL_HINT}") from e
    return pyspark


def executor_python() -> dict[str, str]:
    """Set ``PYSPARK_PYTHON`` and ``PYSPARK_DRIVER_PYTHON`` to this interpreter where unset,
    and return what was set.

    Without them Spark starts executors with ``python3`` from the PATH, which on most machines
    is not the environment driftlab is installed in, and every task fails importing it. A
    value the user set (a cluster's Python) is kept.
    """
    chosen = {}
    for var in ("PYSPARK_PYTHON", "PYSPARK_DRIVER_PYTHON"):
        if not os.environ.get(var):
            os.environ[var] = chosen[var] = sys.executable
    return chosen


def spark_session(
    cfg: SparkConfig, *, master: str | None = None, conf: Mapping[str, str] | None = None
) -> Any:
    """A session from the ``[spark]`` settings; ``master`` and ``conf`` (CLI flags) override
    them. An already running session in this process is reused (Spark allows one)."""
    require_pyspark()
    from pyspark.sql import SparkSession

    executor_python()
    builder = SparkSession.builder.master(master or cfg.master).appName(cfg.app_name)
    for key, value in {**DEFAULT_CONF, **cfg.conf, **(conf or {})}.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def parse_conf(pairs: list[str]) -> dict[str, str]:
    """``--spark-conf key=value`` flags as a mapping; a malformed one names the fix."""
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(
                f"--spark-conf {pair!r} is not key=value; e.g. --spark-conf "
                "spark.executor.memory=4g"
            )
        out[key.strip()] = value.strip()
    return out


def read_table(spark: Any, source: str) -> Any:
    """The DataFrame of ``source``: a Parquet file or folder if the path exists, else a table
    of the Spark catalog (``db.table``). Nothing is read yet: Spark reads where the data is."""
    path = Path(source)
    if path.is_file() and path.suffix not in (".parquet", ".pq"):
        raise DataError(
            f"source {source!r} is not Parquet; --engine spark reads Parquet files or folders "
            "(convert it, e.g. pandas.read_csv(...).to_parquet(...)) or a table name"
        )
    if path.exists() or "://" in source:
        return spark.read.parquet(source)
    if not _TABLE.match(source):
        raise DataError(
            f"source {source!r} is neither an existing Parquet file or folder nor a table name "
            "(db.table); check the path"
        )
    from pyspark.errors import AnalysisException

    try:
        return spark.table(source)
    except AnalysisException as e:
        raise DataError(
            f"source {source!r} is no Parquet path and no table in the Spark catalog; give a "
            "Parquet file or folder, or a table the session can see (e.g. a Hive table with "
            "spark.sql.catalogImplementation=hive in --spark-conf)"
        ) from e


_RAISED = re.compile(r"driftlab\.errors\.(\w+): (.+)")


@contextmanager
def executor_errors() -> Iterator[None]:
    """Re-raise a driftlab error raised on an executor as itself on the driver.

    Spark reports a task's exception as its own (a Python traceback inside a Java one); the
    user should read driftlab's message (which names the column and the fix), not a JVM stack.
    """
    try:
        yield
    except Exception as e:
        found = _RAISED.findall(str(e))
        if not found or type(e).__module__.startswith("driftlab"):
            raise
        kind, message = found[-1]
        error = getattr(errors, kind, None)
        if not (isinstance(error, type) and issubclass(error, errors.DriftlabError)):
            raise
        raise error(message.strip()) from e
