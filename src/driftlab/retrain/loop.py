"""The retraining loop: fresh labeled data → challenger → compare on the newest rows → promote."""

from __future__ import annotations

import logging

import pandas as pd
from threadpoolctl import threadpool_limits

from driftlab.config import Project
from driftlab.errors import InsufficientDataError, ModelNotFoundError
from driftlab.monitor.reference import prepare_reference
from driftlab.registry.base import CHALLENGER, CHAMPION, Registry
from driftlab.retrain.compare import PromotionDecision, decide
from driftlab.store.ports import Store, WindowSource
from driftlab.train import evaluate, train_model

__all__ = ["labeled_production_rows", "retrain"]

log = logging.getLogger(__name__)


def labeled_production_rows(store: WindowSource, project: Project) -> pd.DataFrame:
    """Logged predictions with their late labels, as a training table (features + target)."""
    rows = store.read_window(project.model_name, labeled_only=True)
    # reindex: optional metadata features no client sent become missing values.
    out = rows.reindex(columns=["ts", *project.feature_names])
    target = rows["label"]
    out[project.data.target] = (
        target.astype(str) if project.data.task.is_classification else target.astype(float)
    )
    return out


def retrain(
    project: Project,
    store: Store,
    registry: Registry,
    reference: pd.DataFrame,
    *,
    lock_wait_s: float = 0.0,
) -> PromotionDecision:
    """Train a challenger on ``reference`` plus older labeled production rows, score it and the
    champion on the newest labeled rows (the same rows for both), and promote if better.

    The challenger is registered (alias ``challenger``) whatever the outcome, so a human can
    inspect or promote it later; the decision is saved in the store with its reason.

    One retrain per model at a time (``store.lock``), from reading the champion to saving the
    decision: two at once would both compare with the same champion and both promote.
    Another one waits ``lock_wait_s`` seconds, then raises JobLockedError.
    """
    with store.lock(project.model_name, "retrain", wait_s=lock_wait_s):
        return _retrain(project, store, registry, reference)


def _retrain(
    project: Project, store: Store, registry: Registry, reference: pd.DataFrame
) -> PromotionDecision:
    name = project.model_name
    champion_version = registry.alias_version(name, CHAMPION)
    if champion_version is None:
        raise ModelNotFoundError(f"model {name!r} has no champion; run 'driftlab train' first")
    champion = registry.load(name, champion_version)

    labeled = labeled_production_rows(store, project).sort_values("ts", kind="stable")
    need = project.retrain.min_labels
    if len(labeled) < need:
        raise InsufficientDataError(
            f"only {len(labeled)} labeled predictions; retraining needs {need} "
            "(retrain.min_labels). Send more labels to /v1/feedback first."
        )
    n_eval = max(1, round(len(labeled) * project.retrain.holdout_fraction))
    fresh, holdout = labeled.iloc[:-n_eval], labeled.iloc[-n_eval:]
    columns = [*project.feature_names, project.data.target]
    training = pd.concat([reference[columns], fresh[columns]], ignore_index=True)
    challenger = train_model(
        project,
        training,
        extra={"parent_version": champion_version, "production_rows": len(fresh)},
        prepare=prepare_reference,
    )
    challenger_version = registry.register(challenger, tags={"driftlab.role": "challenger"})
    registry.set_alias(name, CHALLENGER, challenger_version)

    y = holdout[project.data.target]
    with threadpool_limits(limits=project.model.threads):
        champion_metrics = evaluate(champion, holdout, y)
        challenger_metrics = evaluate(challenger, holdout, y)
    metric = project.promotion_metric
    if metric not in champion_metrics or metric not in challenger_metrics:
        # e.g. ROC AUC when the newest rows hold a single class: it is undefined there.
        fallback = "accuracy" if project.data.task.is_classification else "mae"
        log.warning("%s is undefined on the evaluation rows; comparing on %s", metric, fallback)
        metric = fallback
    promoted, reason = decide(
        metric,
        champion_metrics[metric],
        challenger_metrics[metric],
        project.retrain.min_improvement,
    )
    if promoted:
        registry.set_alias(name, CHAMPION, challenger_version)
        log.info("promoted %s version %s to champion: %s", name, challenger_version, reason)
    decision = PromotionDecision(
        model_name=name,
        champion_version=champion_version,
        challenger_version=challenger_version,
        metric=metric,
        champion_score=champion_metrics[metric],
        challenger_score=challenger_metrics[metric],
        min_improvement=project.retrain.min_improvement,
        n_eval=len(holdout),
        promoted=promoted,
        reason=reason,
        champion_metrics=champion_metrics,
        challenger_metrics=challenger_metrics,
    )
    store.save_decision(name, decision.to_dict())
    return decision
