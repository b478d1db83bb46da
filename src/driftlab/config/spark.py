"""``[spark]``: the Apache Spark session of ``--engine spark`` (monitor and predict)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from driftlab.config._base import Strict

__all__ = ["SparkConfig"]


class SparkConfig(Strict):
    """``[spark]``: the session driftlab creates for `driftlab monitor --engine spark` and
    `driftlab predict --engine spark` (the CLI flags `--spark-master` and `--spark-conf`
    override `master` and add to `conf`).

    When driftlab creates the session and `PYSPARK_PYTHON` or `PYSPARK_DRIVER_PYTHON` is not
    set, it sets them to the Python running driftlab, so that local executors run an
    interpreter that has driftlab installed. On a cluster, set `PYSPARK_PYTHON` to the
    executors' Python (with `driftlab[spark]` installed there) or ship an environment through
    `conf` (`spark.archives`). Requires the `[spark]` extra and Java 17.
    """

    master: Annotated[str, Field(min_length=1)] = Field(
        "local[*]",
        description="Spark master URL: `local[*]` (every core of this machine), "
        "`spark://host:7077`, `yarn`, `k8s://...`",
    )
    app_name: Annotated[str, Field(min_length=1)] = Field(
        "driftlab", description="application name shown in the Spark UI"
    )
    conf: dict[str, str] = Field(
        default_factory=dict,
        description='extra Spark settings, e.g. `{"spark.executor.memory" = "4g"}`',
    )
    sample_rows: Annotated[int, Field(ge=100)] = Field(
        20_000,
        description="rows of the window (a uniform bottom-k sample) sent to the driver for the "
        "checks that need rows (service, concept drift, estimated performance, fairness, "
        "compliance, the performance interval); drift, data-quality counts and realized metrics "
        "are exact over every row. At least `monitor.sample_size` and `monitor.min_rows` are "
        "kept",
    )
