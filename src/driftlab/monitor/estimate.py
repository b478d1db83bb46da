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

For a regressor, the fitted loss map gives each row's expected absolute and squared error;
the MAE's band is the normal range of the window's mean absolute error given them, from each
row's variance ``E[e²] − E[|e|]²``.

:func:`estimated_drop` judges an estimate as the realized check judges labels: a fall beyond
``max_metric_drop`` whose whole band lies on the wrong side of the holdout value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from driftlab.calibration import Calibration, LossMap
from driftlab.formatting import num
from driftlab.metrics import LOWER_IS_BETTER
from driftlab.model import ModelInfo
from driftlab.model_outputs import positive_probability
from driftlab.monitor.result import EstimatedPerformance

__all__ = [
    "EstimatedDrop",
    "EstimatedPerformance",
    "estimate_performance",
    "estimate_regression",
    "estimated_drop",
]

# Two-sided 95 % normal quantile, for the regression band.
_Z95 = 1.959963984540054


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


def _block_sums(x: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """``x[a:b].sum()`` for every block, rounded exactly as that call rounds: in order below 8
    values (vectorized over the blocks of each size), numpy's pairwise sum from 8 on (rare:
    long runs of tied scores). np.add.reduceat would round differently.

    >>> x = np.array([0.1, 0.2, 0.3, 0.4])
    >>> _block_sums(x, np.array([0, 1]), np.array([1, 4])).tolist() == [x[:1].sum(), x[1:].sum()]
    True
    """
    sizes = ends - starts
    out = x[starts].copy()
    for m in np.unique(sizes[(sizes > 1) & (sizes < 8)]).tolist():
        at = np.flatnonzero(sizes == m)
        for r in range(1, m):
            out[at] += x[starts[at] + r]
    for k in np.flatnonzero(sizes >= 8).tolist():
        out[k] = x[starts[k] : ends[k]].sum()
    return out


def _expected_auc(p: np.ndarray, score: np.ndarray) -> float | None:
    """E[AUC] with labels ~ Bernoulli(p): Σ_{i,j} p_i (1 - p_j) [s_i > s_j] / (Σp · Σ(1-p)),
    computed in O(n log n) by sorting on the score (ties count one half)."""
    pos, neg = p.sum(), (1 - p).sum()
    if pos <= 0 or neg <= 0:
        return None
    order = np.argsort(score, kind="stable")
    s, pp, nn = score[order], p[order], 1 - p[order]
    # One block per distinct score (ties); cumsum adds in order, as a loop over the blocks would.
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    ends = np.r_[starts[1:], len(s)]
    block_pos, block_neg = _block_sums(pp, starts, ends), _block_sums(nn, starts, ends)
    neg_below = np.r_[0.0, np.cumsum(block_neg)[:-1]]
    total = np.cumsum(block_pos * (neg_below + 0.5 * block_neg))[-1]
    return float(total / (pos * neg))


def _bands(
    p: np.ndarray, predicted_pos: np.ndarray, score: np.ndarray, simulations: int, seed: int
) -> dict[str, list[float]]:
    """2.5–97.5 % range of each metric over ``simulations`` labelings drawn from ``p``.

    Vectorized over all simulations at once: confusion counts are sums over a boolean matrix,
    and AUC is the Mann–Whitney rank sum of the positives (ranks of the scores computed once).
    """
    from scipy import stats

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
    # Each row's |error| has variance E[e²] − E[|e|]² (≥ 0 up to rounding).
    half = _Z95 * float(np.sqrt(np.clip(sq_err - abs_err**2, 0.0, None).sum())) / pred.size
    bands = {"mae": [max(0.0, metrics["mae"] - half), metrics["mae"] + half]}
    holdout = info.metrics.get("mae", float("nan"))
    message = (
        f"Estimated without labels: mae {num(metrics['mae'])} (95% band {num(bands['mae'][0])}"
        f"–{num(bands['mae'][1])}) on {pred.size} predictions vs {num(holdout)} on the "
        "training holdout."
    )
    return EstimatedPerformance(
        int(pred.size), metrics, bands, message, "mae", _reference(info, metrics)
    )


def _reference(info: ModelInfo, metrics: dict[str, float]) -> dict[str, float]:
    return {k: float(info.metrics[k]) for k in metrics if k in info.metrics}


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
    return EstimatedPerformance(len(p), metrics, bands, message, key, _reference(info, metrics))


@dataclass(frozen=True)
class EstimatedDrop:
    """An estimated fall in quality beyond the limit, supported by the estimate's band."""

    metric: str
    estimate: float
    band: list[float]
    holdout: float
    change: float  # estimate − holdout, in the metric's units
    limit: float  # max_metric_drop (relative to the holdout for lower-is-better metrics)
    lower_is_better: bool


def estimated_drop(
    estimated: EstimatedPerformance, metric: str | None, max_drop: float
) -> EstimatedDrop | None:
    """The drop an estimate shows in ``metric`` (or, when that one has no band, in the metric
    its message leads with), judged as :func:`driftlab.monitor.performance.window_performance`
    judges labels: more than ``max_drop`` below the holdout (for ``mae``-like metrics, more than
    ``max_drop`` of it above) **and** the whole 95 % band beyond the holdout value.

    >>> est = EstimatedPerformance(500, {"roc_auc": 0.762}, {"roc_auc": [0.74, 0.78]},
    ...                            metric="roc_auc", reference={"roc_auc": 0.86})
    >>> d = estimated_drop(est, "roc_auc", 0.05)
    >>> d.metric, round(d.change, 3), d.band
    ('roc_auc', -0.098, [0.74, 0.78])
    >>> estimated_drop(est, "roc_auc", 0.1) is None  # within the limit
    True
    """
    name = metric if metric in estimated.bands else estimated.metric
    if name is None or name not in estimated.bands or name not in estimated.reference:
        return None
    now, before = estimated.metrics[name], estimated.reference[name]
    lo, hi = estimated.bands[name]
    lower_better = name in LOWER_IS_BETTER
    drop = (now - before) if lower_better else (before - now)
    scale = abs(before) if lower_better and before else 1.0
    beyond = lo > before if lower_better else hi < before
    if not (drop / scale > max_drop and beyond):
        return None
    return EstimatedDrop(name, now, [lo, hi], before, now - before, max_drop, lower_better)
