"""Retraining: the comparison (pure) and the loop that trains, compares and promotes."""

from driftlab.retrain.compare import PromotionDecision, decide
from driftlab.retrain.loop import labeled_production_rows, retrain

__all__ = ["PromotionDecision", "decide", "labeled_production_rows", "retrain"]
