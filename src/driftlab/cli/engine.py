"""The options that choose where a command computes: ``--engine`` and the Spark session's
``--spark-master`` and ``--spark-conf`` (which override the project's ``[spark]`` settings)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

__all__ = ["Engine", "EngineOpt", "SparkConfOpt", "SparkMasterOpt"]


class Engine(StrEnum):
    local = "local"
    spark = "spark"


EngineOpt = Annotated[
    Engine,
    typer.Option(
        "--engine",
        help="Where to compute: 'local' (this process) or 'spark' (a Spark session, "
        "settings in [spark]; needs pip install 'driftlab[spark]').",
        case_sensitive=False,
    ),
]
SparkMasterOpt = Annotated[
    str | None,
    typer.Option("--spark-master", help="Spark master URL (default: spark.master)."),
]
SparkConfOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--spark-conf",
        help="Extra Spark setting key=value (repeatable), added to spark.conf.",
        metavar="KEY=VALUE",
    ),
]
