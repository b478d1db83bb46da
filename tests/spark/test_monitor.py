"""``--engine spark`` against the in-process engine on the same table, on a local session."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from driftlab.config import Project
from driftlab.errors import DataError
from driftlab.jobs import monitor_source_job
from driftlab.model import ModelBundle
from driftlab.registry import MemoryRegistry
from driftlab.scenarios.ames import AmesScenario
from driftlab.store import MemoryStore
from tests.monitor.same_result import differences
from tests.monitor.test_run import _logged

pytestmark = [pytest.mark.slow, pytest.mark.spark]


@pytest.fixture(scope="module")
def table(
    bundle: ModelBundle, ames: AmesScenario, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """700 logged predictions, drifted in the second half, labels flipped from row 350 and
    every seventh missing: a window with every finding to agree on."""
    frame = pd.concat([ames.normal, ames.drifted], ignore_index=True)
    logged = _logged(bundle, ames, frame, flip_after=350)
    logged.loc[logged.index % 7 == 0, "label"] = None
    path = tmp_path_factory.mktemp("spark-window") / "window.parquet"
    logged.to_parquet(path, row_group_size=150)
    return path


def _split(path: Path) -> dict[str, str]:
    # Small file splits, so that the window spans several partitions (and executors).
    size = str(max(path.stat().st_size // 4, 1024))
    return {"spark.sql.files.maxPartitionBytes": size, "spark.sql.files.openCostInBytes": "1"}


def test_spark_engine_gives_the_in_process_result(
    spark: object, project: Project, registry: MemoryRegistry, table: Path
) -> None:
    from driftlab.spark.monitor import monitor_source_spark, scan_partitions
    from driftlab.spark.session import read_table

    local_store, spark_store = MemoryStore(), MemoryStore()
    local = monitor_source_job(project, local_store, registry, table, [])
    try:
        # The engine's session is the shared one, with these settings added (as --spark-conf).
        distributed = monitor_source_spark(project, spark_store, registry, str(table), [],
                                           conf=_split(table))  # fmt: skip
        offsets, versions = scan_partitions(read_table(spark, str(table)))
    finally:
        for key in _split(table):
            spark.conf.unset(key)  # type: ignore[attr-defined]
    assert len(offsets) >= 2 and versions == {"1": 700}
    assert local.result.status == "drift" and local.result.alerts
    assert differences(distributed.result, local.result) == []
    # Saved and alerted like any run: the same alerts, logged in the store.
    assert [a.fingerprint for a in distributed.result.alerts] == [
        a.fingerprint for a in local.result.alerts
    ]
    assert spark_store.runs(project.model_name, limit=5)[0].id == distributed.run_id


def test_a_missing_feature_column_is_named(
    spark: object, project: Project, registry: MemoryRegistry, table: Path, tmp_path: Path
) -> None:
    from driftlab.spark.monitor import monitor_source_spark

    path = tmp_path / "lacking.parquet"
    pd.read_parquet(table).drop(columns=["Gr_Liv_Area"]).to_parquet(path)
    with pytest.raises(DataError, match=r"lacks column\(s\) \['Gr_Liv_Area'\].*Rename"):
        monitor_source_spark(project, MemoryStore(), registry, str(path), [])
