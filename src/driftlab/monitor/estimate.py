"""Performance without labels: what the model's own (calibrated) confidence implies.

For a binary classifier, the calibrated probability ``p_i`` of the positive class is the
chance row ``i`` is positive. The expected confusion matrix follows (a row predicted positive
adds ``p_i`` to TP and ``1 - p_i`` to FP, and so on), and with it expected accuracy,
precision, recall and F1 (NannyML's confidence-based performance estimation, CBPE). ROC AUC
is estimated the same way, as the expected AUC under labels drawn from ``p``. The bands are
the 2.5–97.5 % range of each metric over labels simulated from ``p`` (Monte Carlo), i.e. the
sampling error of the window. The estimate is honest only while the model's calibration
holds: under concept drift (the relation between features and label changes) the model's
confidence does not know, and the estimate will stay high while realized quality falls.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from driftlab.calibration import Calibration, LossMap
from driftlab.formatting import num
from driftlab.model import ModelInfo
from driftlab.model_outputs import positive_probability
from driftlab.monitor.result import EstimatedPerformance

__all__ = ["EstimatedPerformance", "estimate_performance", "estimate_regression"]


def _expected(p: np.ndarray, predicted_pos: np.ndarray) -> dict[str, float]:
    tp = float(p[predicted_pos].sum())
    fp = float((1 - p[predicted_pos]).sum())
    fn = float(p[~predicted_pos].sum())
    tn = float((1 - p[~predicted_pos]).sum())
    n = len(p)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"accuracy": (tp + tn) / n, "precision": precision, "recall": recall, "f1": f1}


def _expected_auc(p: np.ndarray, score: np.ndarray) -> float | None:
    """E[AUC] with labels ~ Bernoulli(p): Σ_{i,j} p_i (1 - p_j) [s_i > s_j] / (Σp · Σ(1-p)),
    computed in O(n log n) by sorting on the score (ties count one half)."""
    pos, neg = p.sum(), (1 - p).sum()
    if pos <= 0 or neg <= 0:
        return None
    order = np.argsort(score, kind="stable")
    s, pp, nn = score[order], p[order], 1 - p[order]
    total, neg_below = 0.0, 0.0
    i = 0
    while i < len(s):
        j = i
        while j < len(s) and s[j] == s[i]:
            j += 1
        block_pos, block_neg = pp[i:j].sum(), nn[i:j].sum()
        total += block_pos * (neg_below + 0.5 * block_neg)
        neg_below += block_neg
        i = j
    return float(total / (pos * neg))


def _bands(
    p: np.ndarray, predicted_pos: np.ndarray, score: np.ndarray, simulations: int, seed: int
) -> dict[str, list[float]]:
    """2.5–97.5 % range of each metric over ``simulations`` labelings drawn from ``p``.

    Vectorized over all simulations at once: confusion counts are sums over a boolean matrix,
    and AUC is the Mann–Whitney rank sum of the positives (ranks of the scores computed once).
    """
    if simulations <= 0:
        return {}
    rng = np.random.default_rng(seed)
    y = rng.random((simulations, len(p))) < p  # True = positive
    pred = predicted_pos[None, :]
    tp = (y & pred).sum(axis=1).astype(float)
    fp = (~y & pred).sum(axis=1).astype(float)
    fn = (y & ~pred).sum(axis=1).astype(float)
    n = len(p)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
        recall = np.where(tp + fn > 0, tp / (tp + fn), 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
        ranks = stats.rankdata(score)  # ties get average ranks, as in ROC AUC
        n_pos = y.sum(axis=1).astype(float)
        n_neg = n - n_pos
        auc = ((y * ranks).sum(axis=1) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    draws = {
        "accuracy": (tp + (n - tp - fp - fn)) / n,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "roc_auc": auc[(n_pos > 0) & (n_neg > 0)],
    }
    return {
        k: [float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))]
        for k, v in draws.items() if v.size
    }  # fmt: skip


def estimate_regression(
    window: pd.DataFrame, info: ModelInfo, loss_map: LossMap
) -> EstimatedPerformance | None:
    """Expected MAE, MSE and RMSE of a regressor's window from its predictions alone."""
    if window.empty:
        return None
    pred = pd.to_numeric(window["prediction"], errors="coerce").to_numpy(dtype=float)
    pred = pred[~np.isnan(pred)]
    if pred.size == 0:
        return None
    abs_err, sq_err = loss_map.expected(pred)
    metrics = {"mae": float(abs_err.mean()), "mse": float(sq_err.mean())}
    metrics["rmse"] = float(np.sqrt(metrics["mse"]))
    message = (
        f"Estimated without labels: mae {num(metrics['mae'])} on {pred.size} predictions vs "
        f"{num(info.metrics.get('mae', float('nan')))} on the training holdout."
    )
    return EstimatedPerformance(int(pred.size), metrics, {}, message)


def estimate_performance(
    window: pd.DataFrame,
    info: ModelInfo,
    calibration: Calibration | None,
    *,
    simulations: int = 200,
    seed: int = 0,
) -> EstimatedPerformance | None:
    """Expected binary-classification metrics of ``window`` without its labels (see module)."""
    if info.task.value != "binary" or calibration is None or window.empty:
        return None
    raw = positive_probability(window, info)
    if raw is None:
        return None
    p = calibration(raw)
    predicted_pos = window["prediction"].astype(str).to_numpy() == info.positive_class
    metrics = _expected(p, predicted_pos)
    auc = _expected_auc(p, raw)
    if auc is not None:
        metrics["roc_auc"] = auc
    bands = _bands(p, predicted_pos, raw, simulations, seed)
    key = "roc_auc" if "roc_auc" in metrics else "accuracy"
    band = bands.get(key)
    band_txt = f" (95% band {num(band[0])}–{num(band[1])})" if band else ""
    message = (
        f"Estimated without labels: {key} {num(metrics[key])}{band_txt} on {len(p)} "
        f"predictions vs {num(info.metrics.get(key, float('nan')))} on the training holdout."
    )
    return EstimatedPerformance(len(p), metrics, bands, message)
