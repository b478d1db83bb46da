"""What a scenario hands the demo, the tests and a teacher: a project and two traffic phases."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

__all__ = ["Scenario", "demo_project_toml"]


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
    # Traffic sent after a promoted retraining and monitored on its own (the new model's
    # window), e.g. to show what the challenger learned.
    after_retrain: pd.DataFrame | None = None
    after_title: str = ""

    def records(self, frame: pd.DataFrame) -> list[dict]:
        """Rows as JSON-ready request bodies (no target; NaN becomes null)."""
        rows = frame.drop(columns=[self.target]).to_dict(orient="records")
        return [
            {k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
            for r in rows
        ]


def demo_project_toml(
    name: str,
    *,
    title: str,
    target: str,
    positive_class: str,
    features: list[tuple[str, str]],
    concept_detector: str = "adwin",
) -> str:
    """The project file every built-in scenario writes: one binary gradient-boosting model on
    SQLite and a local MLflow store, differing only in name, target and features."""
    feats = "\n".join(f'[[features]]\nname = "{n}"\nkind = "{k}"\n' for n, k in features)
    return f"""# driftlab project for the {title} demo (written by 'driftlab demo').
name = "{name}"

[data]
path = "train.csv"
target = "{target}"
task = "binary"
positive_class = "{positive_class}"

[model]
estimator = "hist_gradient_boosting"
params = {{ max_iter = 200, learning_rate = 0.08 }}

[store]
url = "sqlite:///driftlab.db"

[mlflow]
tracking_uri = "sqlite:///mlflow.db"
artifact_location = "mlartifacts"

[monitor]
min_rows = 100
min_labels = 30
concept_detector = "{concept_detector}"

[retrain]
# Log loss is a proper scoring rule: it rewards the better-calibrated model, where ROC AUC
# on a few hundred rows often ties.
metric = "log_loss"
min_improvement = 0.0
holdout_fraction = 0.3

[serve]
reload_interval_s = 1.0

[[alerts.channels]]
type = "console"

{feats}"""
