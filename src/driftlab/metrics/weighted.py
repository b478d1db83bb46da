"""Quality metrics under row weights, for many weightings of the same rows at once.

A bootstrap resample is a weighting of the original rows (how many times each row was
drawn), so every resample of a window can be scored from the same arrays with one
matrix product per count instead of one scikit-learn call per resample.

Each function takes ``weights`` of shape ``(n,)`` — one weighting, returns a float — or
``(b, n)`` — ``b`` weightings, returns an array of ``b`` values. Weights are non-negative;
zero means the row is left out. Class labels are integer codes ``0 .. n_classes - 1``
(``-1``: a value that is none of the classes). A value is NaN where the metric is
undefined on that weighting (no weight at all, ROC AUC with one class, R² on a constant
target, log loss on a label outside the classes). Every function equals scikit-learn's
metric with ``sample_weight=weights`` wherever that is defined, and zero-division
conventions are scikit-learn's ``zero_division=0``.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "accuracy",
    "f1",
    "log_loss",
    "mae",
    "mape",
    "mse",
    "precision",
    "r2",
    "recall",
    "rmse",
    "roc_auc",
]

# float64 machine epsilon: scikit-learn's floor for |y| in MAPE and its clip of
# probabilities in log loss.
EPS = float(np.finfo(np.float64).eps)


def _as_rows(weights: np.ndarray) -> tuple[np.ndarray, bool]:
    w = np.asarray(weights, dtype=np.float64)
    return np.atleast_2d(w), w.ndim == 1


def _shaped(values: np.ndarray, single: bool) -> float | np.ndarray:
    return float(values[0]) if single else values


def _ratio(num: np.ndarray, den: np.ndarray, fill: float) -> np.ndarray:
    """num / den, ``fill`` where den is 0 (scikit-learn's ``zero_division``)."""
    out = np.full(np.broadcast_shapes(np.shape(num), np.shape(den)), fill, dtype=np.float64)
    np.divide(num, den, out=out, where=np.asarray(den) > 0)
    return out


def _mean(values: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted mean of per-row ``values`` under each weighting (NaN when no weight)."""
    return _ratio(w @ np.asarray(values, dtype=np.float64), w.sum(axis=1), np.nan)


def _counts(
    y_true: np.ndarray, y_pred: np.ndarray, w: np.ndarray, classes: list[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted true positives, actual and predicted counts per class: arrays (b, classes)."""
    tp, actual, predicted = (np.empty((w.shape[0], len(classes))) for _ in range(3))
    for j, k in enumerate(classes):
        is_true, is_pred = y_true == k, y_pred == k
        tp[:, j] = w @ (is_true & is_pred).astype(np.float64)
        actual[:, j] = w @ is_true.astype(np.float64)
        predicted[:, j] = w @ is_pred.astype(np.float64)
    return tp, actual, predicted


def _per_class(
    kind: str,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    weights: np.ndarray,
    n_classes: int,
    positive: int | None,
) -> float | np.ndarray:
    w, single = _as_rows(weights)
    classes = [positive] if positive is not None else list(range(n_classes))
    tp, actual, predicted = _counts(np.asarray(y_true), np.asarray(y_pred), w, classes)
    den = {"precision": predicted, "recall": actual, "f1": (actual + predicted) / 2}[kind]
    score = _ratio(tp, den, 0.0).mean(axis=1)
    score[w.sum(axis=1) <= 0] = np.nan
    return _shaped(score, single)


def accuracy(y_true: np.ndarray, y_pred: np.ndarray, weights: np.ndarray) -> float | np.ndarray:
    """Weighted share of correct predictions: Σ wᵢ·[tᵢ = pᵢ] / Σ wᵢ.

    >>> accuracy(np.array([0, 1, 1, 0]), np.array([0, 1, 0, 0]), np.array([1, 2, 1, 0]))
    0.75
    """
    w, single = _as_rows(weights)
    return _shaped(_mean(np.asarray(y_true) == np.asarray(y_pred), w), single)


def precision(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    weights: np.ndarray,
    *,
    n_classes: int,
    positive: int | None = None,
) -> float | np.ndarray:
    """Precision TPₖ / (TPₖ + FPₖ) from weighted counts, 0 when class k is never predicted.

    ``positive``: score that class alone (binary); None: the unweighted mean over all
    ``n_classes`` classes (macro), a class absent from both arrays counting 0.

    >>> t, p = np.array([0, 1, 1, 0, 2]), np.array([1, 1, 0, 0, 2])
    >>> precision(t, p, np.array([1, 1, 1, 2, 1]), n_classes=3, positive=1)
    0.5
    >>> precision(t, p, np.array([1, 1, 1, 2, 1]), n_classes=3)
    0.7222222222222222
    """
    return _per_class("precision", y_true, y_pred, weights, n_classes, positive)


def recall(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    weights: np.ndarray,
    *,
    n_classes: int,
    positive: int | None = None,
) -> float | np.ndarray:
    """Recall TPₖ / (TPₖ + FNₖ) from weighted counts, 0 when class k never occurs;
    ``positive`` and the macro mean as in :func:`precision`.

    >>> t, p = np.array([0, 1, 1, 0, 2]), np.array([1, 1, 0, 0, 2])
    >>> recall(t, p, np.array([1, 3, 1, 2, 1]), n_classes=3, positive=1)
    0.75
    """
    return _per_class("recall", y_true, y_pred, weights, n_classes, positive)


def f1(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    weights: np.ndarray,
    *,
    n_classes: int,
    positive: int | None = None,
) -> float | np.ndarray:
    """F1 2·TPₖ / (2·TPₖ + FPₖ + FNₖ) from weighted counts, 0 when class k neither occurs nor
    is predicted; ``positive`` and the macro mean as in :func:`precision`.

    >>> t, p = np.array([0, 1, 1, 0, 2]), np.array([1, 1, 0, 0, 2])
    >>> f1(t, p, np.array([1, 3, 1, 2, 1]), n_classes=3, positive=1)
    0.75
    """
    return _per_class("f1", y_true, y_pred, weights, n_classes, positive)


def log_loss(
    y_true: np.ndarray, proba: np.ndarray, weights: np.ndarray, *, eps: float = EPS
) -> float | np.ndarray:
    """Weighted cross-entropy −Σ wᵢ·log(clip(P(tᵢ)ᵢ, eps, 1 − eps)) / Σ wᵢ.

    ``proba`` has one column per class code. Undefined on a weighting that gives weight to a
    row whose label is none of the classes (code −1).

    >>> round(log_loss(np.array([1, 0]), np.array([[0.5, 0.5], [0.9, 0.1]]),
    ...                np.array([1, 1])), 12)
    0.399253848109
    """
    w, single = _as_rows(weights)
    codes = np.asarray(y_true)
    known = codes >= 0
    p = np.ones(len(codes))
    p[known] = np.asarray(proba, dtype=np.float64)[np.flatnonzero(known), codes[known]]
    loss = _mean(-np.log(np.clip(p, eps, 1 - eps)), w)
    loss[w @ (~known).astype(np.float64) > 0] = np.nan
    return _shaped(loss, single)


def roc_auc(y_true: np.ndarray, score: np.ndarray, weights: np.ndarray) -> float | np.ndarray:
    """ROC AUC as the weighted Mann–Whitney statistic, ties counting one half:
    Σᵢ₊ Σⱼ₋ wᵢ·wⱼ·([sᵢ > sⱼ] + ½·[sᵢ = sⱼ]) / (W₊·W₋), with W₊, W₋ the positive and
    negative weight. Undefined when either is 0 (one class).

    One sort of the scores serves every weighting: per group of tied scores, the positive
    weight times (the negative weight below the group + half the negative weight in it).
    Rows already in ascending score order skip the sort.

    >>> roc_auc(np.array([False, True, False, True]), np.array([0.1, 0.4, 0.4, 0.8]),
    ...         np.array([1, 1, 1, 1]))
    0.875
    """
    w, single = _as_rows(weights)
    s = np.asarray(score, dtype=np.float64)
    pos = np.asarray(y_true, dtype=bool)
    if not np.all(s[:-1] <= s[1:]):
        order = np.argsort(s, kind="stable")
        s, pos, w = s[order], pos[order], w[:, order]
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    w_pos = np.add.reduceat(np.where(pos, w, 0.0), starts, axis=1)
    w_neg = np.add.reduceat(np.where(pos, 0.0, w), starts, axis=1)
    below = np.cumsum(w_neg, axis=1) - w_neg
    wins = (w_pos * (below + 0.5 * w_neg)).sum(axis=1)
    return _shaped(_ratio(wins, w_pos.sum(axis=1) * w_neg.sum(axis=1), np.nan), single)


def mse(y_true: np.ndarray, y_pred: np.ndarray, weights: np.ndarray) -> float | np.ndarray:
    """Mean squared error Σ wᵢ·(tᵢ − pᵢ)² / Σ wᵢ.

    >>> mse(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 4.0]), np.array([1, 1, 2]))
    0.5
    """
    w, single = _as_rows(weights)
    err = np.asarray(y_true, dtype=np.float64) - np.asarray(y_pred, dtype=np.float64)
    return _shaped(_mean(err**2, w), single)


def rmse(y_true: np.ndarray, y_pred: np.ndarray, weights: np.ndarray) -> float | np.ndarray:
    """Root mean squared error √(Σ wᵢ·(tᵢ − pᵢ)² / Σ wᵢ).

    >>> rmse(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 5.0]), np.array([2, 1, 1]))
    1.0
    """
    w, single = _as_rows(weights)
    return _shaped(np.sqrt(np.atleast_1d(mse(y_true, y_pred, w))), single)


def mae(y_true: np.ndarray, y_pred: np.ndarray, weights: np.ndarray) -> float | np.ndarray:
    """Mean absolute error Σ wᵢ·|tᵢ − pᵢ| / Σ wᵢ.

    >>> mae(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 4.0]), np.array([1, 1, 2]))
    0.5
    """
    w, single = _as_rows(weights)
    err = np.asarray(y_true, dtype=np.float64) - np.asarray(y_pred, dtype=np.float64)
    return _shaped(_mean(np.abs(err), w), single)


def mape(
    y_true: np.ndarray, y_pred: np.ndarray, weights: np.ndarray, *, eps: float = EPS
) -> float | np.ndarray:
    """Mean absolute percentage error Σ wᵢ·|tᵢ − pᵢ| / max(|tᵢ|, eps) / Σ wᵢ, a fraction
    (``eps`` keeps a zero target finite, as in scikit-learn).

    >>> mape(np.array([1.0, 2.0, 4.0]), np.array([1.0, 3.0, 5.0]), np.array([2, 1, 1]))
    0.1875
    """
    w, single = _as_rows(weights)
    t = np.asarray(y_true, dtype=np.float64)
    rel = np.abs(np.asarray(y_pred, dtype=np.float64) - t) / np.maximum(np.abs(t), eps)
    return _shaped(_mean(rel, w), single)


def r2(y_true: np.ndarray, y_pred: np.ndarray, weights: np.ndarray) -> float | np.ndarray:
    """Coefficient of determination 1 − Σ wᵢ·(tᵢ − pᵢ)² / Σ wᵢ·(tᵢ − t̄)², t̄ the weighted
    mean target. Undefined unless two different targets have weight (a constant target).

    >>> r2(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 4.0]), np.array([1, 2, 1]))
    0.5
    """
    w, single = _as_rows(weights)
    t = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(y_pred, dtype=np.float64)
    mean = _mean(t, w)
    total = (w * (t - mean[:, None]) ** 2).sum(axis=1)
    weighted = w > 0
    varies = np.where(weighted, t, np.inf).min(axis=1) < np.where(weighted, t, -np.inf).max(axis=1)
    resid = w @ (t - p) ** 2
    score = np.full(len(w), np.nan)
    np.subtract(1.0, resid / np.where(varies, total, 1.0), out=score, where=varies)
    return _shaped(score, single)
