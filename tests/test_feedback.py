"""Label files into real stores: streamed in chunks, one transaction, bad lines named."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from driftlab.config import Project, project_from_dict
from driftlab.errors import DataError, UnknownRequestError
from driftlab.feedback import load_label_file
from driftlab.store import PredictionGroup
from driftlab.store.sql import SqlStore

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return project_from_dict(
        {"name": "m", "data": {"path": "x.csv", "target": "y"}, "features": [{"name": "a"}]},
        tmp_path,
    )


def _logged(store: SqlStore, n: int) -> None:
    ids = [f"r{i}" for i in range(n)]
    store.log_predictions(
        PredictionGroup(T0, "m", "1", 1.0, ids, [{"a": 1.0}] * n, ["1"] * n, [0.9] * n)
    )


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_file_loads_in_chunks_with_progress_and_joins(
    suffix: str, project: Project, store: SqlStore, tmp_path: Path
) -> None:
    _logged(store, 1000)
    frame = pd.DataFrame({"request_id": [f"r{i}" for i in range(1000)],
                          "label": [i % 2 for i in range(1000)],
                          "ts": ["2026-01-02T00:00:00+01:00"] * 1000})  # fmt: skip
    path = tmp_path / f"labels{suffix}"
    frame.to_csv(path, index=False) if suffix == ".csv" else frame.to_parquet(path)
    seen: list[int] = []
    out = load_label_file(path, project, store, chunk_rows=300, progress=seen.append)
    assert seen == [300, 300, 300, 100]
    assert (out.new, out.changed, out.unchanged) == (1000, 0, 0)
    window = store.read_window("m", labeled_only=True).set_index("request_id")
    assert window.loc["r7", "label"] == "1" and window.loc["r8", "label"] == "0"
    assert window.loc["r7", "label_ts"] == datetime(2026, 1, 1, 23, tzinfo=UTC)
    # The same file again changes nothing.
    again = load_label_file(path, project, store, chunk_rows=300)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 1000)


def test_bad_lines_are_named_and_nothing_is_loaded(
    project: Project, store: SqlStore, tmp_path: Path
) -> None:
    _logged(store, 100)
    path = tmp_path / "labels.csv"
    rows = [f"r{i},1" for i in range(100)]
    rows[70] = "r70,"  # line 72: an empty label, in the third chunk
    path.write_text("request_id,label\n" + "\n".join(rows) + "\n")
    with pytest.raises(DataError, match=r"empty label on line 72"):
        load_label_file(path, project, store, chunk_rows=30)
    assert store.read_window("m", labeled_only=True).empty

    rows[70] = "nope,1"
    rows[95] = "nope2,0"
    path.write_text("request_id,label\n" + "\n".join(rows) + "\n")
    with pytest.raises(
        UnknownRequestError, match=r"2 request id\(s\) were never logged: nope \(line 72\), "
        r"nope2 \(line 97\); nothing was loaded"
    ):  # fmt: skip
        load_label_file(path, project, store, chunk_rows=30)
    assert store.read_window("m", labeled_only=True).empty
    with pytest.raises(DataError, match="does not exist"):
        load_label_file(tmp_path / "missing.csv", project, store)
