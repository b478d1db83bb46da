"""Retraining: same evaluation rows for both models, promotion only when better, recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from driftlab.config import Project
from driftlab.errors import InsufficientDataError
from driftlab.metrics import LOWER_IS_BETTER
from driftlab.registry import CHALLENGER, CHAMPION, MemoryRegistry
from driftlab.retrain import decide, retrain
from driftlab.scenarios.ames import TARGET, AmesScenario
from driftlab.store import LabelRecord, PredictionRecord
from driftlab.store.sql import SqlStore

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _log_labeled(store: SqlStore, frame, n: int) -> None:
    feats = frame.drop(columns=[TARGET]).head(n).to_dict(orient="records")
    store.log_predictions(
        [
            PredictionRecord(
                f"r{i}", T0 + timedelta(seconds=i), "ames-housing", "1", f, "low", 0.6, 1.0
            )
            for i, f in enumerate(feats)
        ]
    )
    store.add_labels([LabelRecord(f"r{i}", v, T0) for i, v in enumerate(frame[TARGET].head(n))])


@pytest.mark.parametrize(
    ("metric", "champion", "challenger", "margin", "promoted"),
    [
        ("roc_auc", 0.80, 0.85, 0.01, True),
        ("roc_auc", 0.80, 0.805, 0.01, False),
        ("roc_auc", 0.80, 0.80, 0.0, False),  # a tie keeps the champion
        ("mae", 10.0, 9.0, 0.5, True),  # lower is better
        ("mae", 10.0, 10.5, 0.0, False),
    ],
)
def test_decide(metric, champion, challenger, margin, promoted) -> None:
    assert decide(metric, champion, challenger, margin)[0] is promoted


def test_retrain_registers_challenger_and_records_decision(
    project: Project, registry: MemoryRegistry, ames: AmesScenario, tmp_path
) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 's.db'}")
    _log_labeled(store, ames.drifted, 300)
    decision = retrain(project, store, registry, ames.train)
    assert decision.champion_version == "1" and decision.challenger_version == "2"
    assert decision.n_eval == 90  # newest 30% of 300 labeled rows
    assert registry.alias_version("ames-housing", CHALLENGER) == "2"
    champion = registry.alias_version("ames-housing", CHAMPION)
    assert champion == ("2" if decision.promoted else "1")
    gain = decision.challenger_score - decision.champion_score
    if decision.metric in LOWER_IS_BETTER:
        gain = -gain
    assert decision.promoted == (gain > project.retrain.min_improvement)
    stored = store.decisions("ames-housing")[0].to_dict()
    assert stored["reason"] == decision.reason and stored["promoted"] == decision.promoted
    extra = registry.load("ames-housing", "2").info.extra
    assert (extra["parent_version"], extra["production_rows"]) == ("1", 210)
    assert "calibration" in extra  # the challenger can estimate its quality without labels


def test_retrain_needs_enough_labels(project, registry, ames, tmp_path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 's.db'}")
    _log_labeled(store, ames.drifted, 20)
    with pytest.raises(
        InsufficientDataError, match=r"only 20 labeled predictions; retraining needs 100"
    ):
        retrain(project, store, registry, ames.train)
