"""A monitoring window read from a table instead of the store (``driftlab monitor --source``).

The table has the columns the store's windows have: the model's input features and the logged
``prediction`` are required; ``ts``, ``label``, ``probability``, ``latency_ms``,
``model_version``, ``request_id`` and ``label_ts`` are optional, and an absent one is read as
all-missing (no labels: no realized performance; no ``probability``: no prediction drift of a
binary model). Both engines, in-process and Spark, check and complete a table with these
functions, so they see the same window.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from driftlab.errors import DataError
from driftlab.model import ModelInfo

__all__ = ["OPTIONAL_COLUMNS", "check_source_columns", "complete_window", "read_source_file"]

# The store's window columns (driftlab.store.records.WINDOW_COLUMNS) other than the prediction.
OPTIONAL_COLUMNS = (
    "request_id", "ts", "model_version", "probability", "latency_ms", "label", "label_ts",
)  # fmt: skip
_PARQUET = (".parquet", ".pq")


def check_source_columns(columns: Iterable[str], info: ModelInfo, source: str) -> None:
    """Raise :class:`DataError` naming every required column ``source`` lacks, and the fix."""
    have = set(columns)
    needed = ["prediction", *(f.name for f in info.input_features)]
    absent = [c for c in needed if c not in have]
    if absent:
        raise DataError(
            f"source {source!r} lacks column(s) {absent}; a monitoring window needs the "
            f"model's input features and the logged 'prediction' (optional: "
            f"{', '.join(OPTIONAL_COLUMNS)}). Rename the columns, or join the output of "
            f"'driftlab predict' (its 'prediction' and 'probability') to the input rows"
        )


def complete_window(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every optional column (all-missing when absent) and times in UTC."""
    out = frame.assign(**{c: None for c in OPTIONAL_COLUMNS if c not in frame.columns})
    for c in ("ts", "label_ts"):
        out[c] = pd.to_datetime(out[c], utc=True)
    return out


def read_source_file(path: Path) -> pd.DataFrame:
    """The whole table at ``path`` (Parquet: a file or a folder of part files), for the
    in-process engine; the Spark engine reads it where it lives instead."""
    if not path.exists():
        raise DataError(
            f"source {str(path)!r} does not exist; give a Parquet file or folder (or, with "
            "--engine spark, a table name)"
        )
    if path.is_file() and path.suffix not in _PARQUET:
        raise DataError(f"source {str(path)!r} must be Parquet (.parquet or .pq)")
    return pd.read_parquet(path)
