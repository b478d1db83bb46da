"""Late labels from files (CSV or Parquet of request_id, label, optional ts)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from driftlab.config import Project
from driftlab.errors import DataError
from driftlab.schema import _as_str
from driftlab.store import LabelRecord

__all__ = ["labels_from_file"]


def labels_from_file(path: Path, project: Project) -> list[LabelRecord]:
    if not path.is_file():
        raise DataError(f"label file {str(path)!r} does not exist")
    frame = pd.read_parquet(path) if path.suffix in (".parquet", ".pq") else pd.read_csv(path)
    missing = [c for c in ("request_id", "label") if c not in frame.columns]
    if missing:
        raise DataError(
            f"label file {path} lacks column(s) {', '.join(missing)}; "
            f"it needs request_id and label (and optionally ts); it has {list(frame.columns)}"
        )
    if frame["label"].isna().any():
        row = int(frame.index[frame["label"].isna()][0]) + 2  # +2: header line, 1-based
        raise DataError(f"label file {path} has an empty label on line {row}")
    now = datetime.now(UTC)
    ts = pd.to_datetime(frame["ts"], utc=True) if "ts" in frame.columns else None
    if project.data.task.is_classification:
        # The same text as the API and training: an integral float 1.0 is the class "1".
        cast: Any = _as_str
    else:
        cast = float
        numbers = pd.to_numeric(frame["label"], errors="coerce")
        if numbers.isna().any():
            i = int(numbers.isna().to_numpy().argmax())
            raise DataError(
                f"label file {path} line {i + 2}: label {frame['label'].iloc[i]!r} is not a "
                "number; a regression model needs numeric labels"
            )
    return [
        LabelRecord(str(rid), cast(label), ts.iloc[i].to_pydatetime() if ts is not None else now)
        for i, (rid, label) in enumerate(zip(frame["request_id"], frame["label"], strict=True))
    ]
