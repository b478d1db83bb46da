"""What a scenario hands the demo, the tests and a teacher: a project and two traffic phases."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

__all__ = ["Scenario"]


@dataclass(frozen=True)
class Scenario:
    """A prepared scenario. ``train``, ``normal`` and ``drifted`` hold the spec's features plus
    the ``target`` column; ``normal`` should not alarm, ``drifted`` should."""

    name: str
    project_file: Path
    target: str
    train: pd.DataFrame
    normal: pd.DataFrame
    drifted: pd.DataFrame
    intro: str  # one or two sentences shown before training
    drift_title: str  # heading of the drifted phase, e.g. "The market shifts: smaller houses"
    # Monitor the second phase together with the first: a change *point* (concept drift) is
    # only visible in a window that holds both sides of it.
    span_both_phases: bool = False

    def records(self, frame: pd.DataFrame) -> list[dict]:
        """Rows as JSON-ready request bodies (no target; NaN becomes null)."""
        rows = frame.drop(columns=[self.target]).to_dict(orient="records")
        return [
            {k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
            for r in rows
        ]
