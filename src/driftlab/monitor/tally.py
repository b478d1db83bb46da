"""Realized performance counted chunk by chunk: exact point metrics over a window of any size.

The performance check scores the labeled rows of a window. For a window too large to hold,
what it needs of them is a handful of sums that add across chunks:

- classification: the confusion matrix (true class × predicted class, with one more column
  for a prediction outside the model's classes), which gives accuracy, precision, recall, F1
  and the per-class breakdown exactly as scikit-learn computes them; the summed log loss;
  and, for ROC AUC, the positive and negative counts per score bin over ``[0, 1]``;
- regression: n, Σ(t − p)², Σ|t − p|, Σ|t − p| / max(|t|, ε), and the target's mean and
  squared deviations (merged as Chan et al. do), which give MSE, RMSE, MAE, MAPE and R².

ROC AUC is the Mann–Whitney statistic (ties count one half, as scikit-learn's) over the
positive and negative counts per distinct score, merged chunk by chunk: exact. Should a window
hold more than :data:`MAX_SCORES` distinct scores, the counts fold into that many bins of the
score's logit (fine where probabilities crowd near 0 or 1), and pairs in one bin count as
ties: the value then differs from the exact one by at most ``½ · Σ_b pos_b · neg_b / (P · N)``
(:meth:`ClassTally.auc_error_bound`, 0 while exact).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from driftlab.model import ModelInfo
from driftlab.model_outputs import positive_probability

__all__ = ["MAX_SCORES", "ClassTally", "Counted", "RegressionTally", "ScoreCounts", "tally_for"]

# Distinct scores kept exactly for ROC AUC (24 bytes each: 24 MB at most), and beyond that the
# number of logit bins they fold into.
MAX_SCORES = 2**20
# Logits are binned over [-LOGIT_SPAN, LOGIT_SPAN]; float64 probabilities reach about ±37.
LOGIT_SPAN = 40.0
# scikit-learn's clipping of probabilities in log loss, and its MAPE guard against t = 0.
EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class Counted:
    """The exact performance figures of a whole window, from its tally."""

    n_rows: int  # every prediction in the window
    n_labeled: int  # the usable labeled ones
    metrics: dict[str, float]
    breakdown: dict[str, Any]


@dataclass
class ScoreCounts:
    """Positive and negative counts per distinct score (ascending), merged chunk by chunk.

    >>> c = ScoreCounts()
    >>> c.add(np.array([0.4, 0.1]), np.array([True, False]))
    >>> c.add(np.array([0.8, 0.4]), np.array([True, False]))
    >>> c.scores.tolist(), c.pos.tolist(), c.neg.tolist(), c.roc_auc()
    ([0.1, 0.4, 0.8], [0, 1, 1], [1, 1, 0], 0.875)
    """

    scores: np.ndarray = field(default_factory=lambda: np.empty(0))
    pos: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    neg: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    binned: bool = False  # folded into logit bins (scores are then bin numbers)
    max_scores: int = MAX_SCORES

    def add(self, score: np.ndarray, is_pos: np.ndarray) -> None:
        if self.binned:
            score = _logit_bin(score, self.max_scores)
        self._merge(
            np.concatenate([self.scores, score]),
            np.concatenate([self.pos, is_pos.astype(np.int64)]),
            np.concatenate([self.neg, (~is_pos).astype(np.int64)]),
        )
        if self.scores.size > self.max_scores and not self.binned:
            self.binned = True
            self._merge(_logit_bin(self.scores, self.max_scores), self.pos, self.neg)

    def _merge(self, score: np.ndarray, pos: np.ndarray, neg: np.ndarray) -> None:
        if score.size == 0:
            return
        # A stable sort is a merge of the two sorted runs here (kept counts, then the chunk).
        order = np.argsort(score, kind="stable")
        score, pos, neg = score[order], pos[order], neg[order]
        starts = np.flatnonzero(np.r_[True, score[1:] != score[:-1]])
        self.scores = score[starts]
        self.pos, self.neg = np.add.reduceat(pos, starts), np.add.reduceat(neg, starts)

    def roc_auc(self) -> float | None:
        """Mann–Whitney, ties one half; None with one class only (undefined)."""
        n_pos, n_neg = int(self.pos.sum()), int(self.neg.sum())
        if n_pos == 0 or n_neg == 0:
            return None
        pos, neg = self.pos.astype(np.float64), self.neg.astype(np.float64)
        below = np.cumsum(neg) - neg
        return float((pos * (below + 0.5 * neg)).sum() / (n_pos * n_neg))

    def error_bound(self) -> float:
        """How far :meth:`roc_auc` can be from the exact value: 0 unless binned."""
        n_pos, n_neg = int(self.pos.sum()), int(self.neg.sum())
        if not self.binned or n_pos == 0 or n_neg == 0:
            return 0.0
        return float(0.5 * (self.pos.astype(np.float64) * self.neg).sum() / (n_pos * n_neg))


def _logit_bin(p: np.ndarray, bins: int) -> np.ndarray:
    """The logit bin of each probability (bin numbers as floats, in the order of ``p``)."""
    with np.errstate(divide="ignore"):
        logit = np.log(p) - np.log1p(-p)
    x = (np.clip(logit, -LOGIT_SPAN, LOGIT_SPAN) + LOGIT_SPAN) / (2 * LOGIT_SPAN)
    return np.minimum(np.floor(x * bins), bins - 1)


@dataclass
class ClassTally:
    """Confusion counts, summed log loss and score counts of a classifier's window."""

    info: ModelInfo
    n_rows: int = 0
    cm: np.ndarray = field(init=False)
    log_loss_sum: float = 0.0
    has_proba: bool = True  # False once a labeled row has no probability (as _score sees it)
    outside: bool = False  # a label that is none of the classes as text (no log loss then)
    auc: ScoreCounts | None = None  # binary tasks with probabilities

    def __post_init__(self) -> None:
        # One more row and column than classes: a label, or a prediction, outside them.
        k = len(self.info.classes) + 1
        self.cm = np.zeros((k, k), dtype=np.int64)

    @property
    def classes(self) -> list[str]:
        return list(self.info.classes)

    @property
    def positive(self) -> str | None:
        """The scored class of a binary task; None for multiclass (macro averages)."""
        return self.info.positive_class if len(self.info.classes) == 2 else None

    def add(self, window: pd.DataFrame, labeled: pd.DataFrame) -> None:
        """Count one chunk: ``window`` all its rows, ``labeled`` its usable labeled ones."""
        self.n_rows += len(window)
        if labeled.empty:
            return
        # As the in-memory scoring reads them: labels and predictions as text.
        index, k = pd.Index(self.classes), len(self.classes)
        t = index.get_indexer(labeled["label"].astype(str))
        p = index.get_indexer(labeled["prediction"].astype(str))
        self.outside = self.outside or bool((t < 0).any())
        t[t < 0], p[p < 0] = k, k
        self.cm += np.bincount(t * (k + 1) + p, minlength=(k + 1) ** 2).reshape(k + 1, k + 1)
        if self.positive is None or not self.has_proba:
            return
        pos = positive_probability(labeled, self.info)
        if pos is None:
            self.has_proba, self.auc = False, None
            return
        is_pos = t == self.classes.index(self.positive)
        # As scikit-learn's log_loss: clip each column to [eps, 1 - eps], renormalize the row.
        p_pos, p_neg = np.clip(pos, EPS, 1 - EPS), np.clip(1.0 - pos, EPS, 1 - EPS)
        p_true = np.where(is_pos, p_pos, p_neg) / (p_pos + p_neg)
        self.log_loss_sum += float(-np.log(p_true).sum())
        if self.auc is None:
            self.auc = ScoreCounts()
        self.auc.add(pos, is_pos)

    @property
    def n_labeled(self) -> int:
        return int(self.cm.sum())

    def roc_auc(self) -> float | None:
        return None if self.auc is None else self.auc.roc_auc()

    def auc_error_bound(self) -> float:
        """How far :meth:`roc_auc` can be from the exact ROC AUC of the same rows."""
        return 0.0 if self.auc is None else self.auc.error_bound()

    def counted(self) -> Counted:
        k, cm = len(self.classes), self.cm
        tp = np.diag(cm)[:k].astype(np.float64)
        predicted = cm.sum(axis=0)[:k].astype(np.float64)  # column sums: predicted as c
        actual = cm.sum(axis=1)[:k].astype(np.float64)  # row sums: truly c
        precision = _ratio(tp, predicted)
        recall = _ratio(tp, actual)
        f1 = _ratio(2 * tp, predicted + actual)
        n = self.n_labeled
        metrics = {"accuracy": float(tp.sum() / n) if n else math.nan}
        if k == 2:
            c = self.classes.index(self.positive or self.classes[1])
            metrics.update(precision=float(precision[c]), recall=float(recall[c]), f1=float(f1[c]))
        else:
            metrics.update(precision=float(precision.mean()), recall=float(recall.mean()),
                           f1=float(f1.mean()))  # fmt: skip
        if self.has_proba and self.positive is not None and n:
            if not self.outside:
                metrics["log_loss"] = self.log_loss_sum / n
            auc = self.roc_auc()
            if auc is not None:
                metrics["roc_auc"] = auc
        per_class = {
            c: {"precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i]),
                "support": int(actual[i])}
            for i, c in enumerate(self.classes)
        }  # fmt: skip
        breakdown = {"labels": self.classes, "confusion_matrix": cm[:k, :k].tolist(),
                     "per_class": per_class}  # fmt: skip
        return Counted(self.n_rows, n, metrics, breakdown)


@dataclass
class RegressionTally:
    """Error sums and the target's moments of a regressor's window."""

    n_rows: int = 0
    n: int = 0
    sq: float = 0.0
    abs: float = 0.0
    ape: float = 0.0
    mean: float = 0.0  # of the target
    m2: float = 0.0  # its squared deviations from the mean
    lo: float = math.inf
    hi: float = -math.inf

    def add(self, window: pd.DataFrame, labeled: pd.DataFrame) -> None:
        self.n_rows += len(window)
        if labeled.empty:
            return
        t = labeled["label"].astype(float).to_numpy()
        p = labeled["prediction"].astype(float).to_numpy()
        err = t - p
        self.sq += float((err * err).sum())
        self.abs += float(np.abs(err).sum())
        self.ape += float((np.abs(err) / np.maximum(np.abs(t), EPS)).sum())
        # Chan et al.'s merge of (n, mean, m2): the sum of squares of t about its mean would
        # lose every digit to cancellation on targets far from zero.
        m, n = float(t.mean()), t.size
        d = t - m
        delta, total = m - self.mean, self.n + n
        self.m2 += float((d * d).sum()) + delta * delta * self.n * n / total
        self.mean += delta * n / total
        self.n = total
        self.lo, self.hi = min(self.lo, float(t.min())), max(self.hi, float(t.max()))

    @property
    def n_labeled(self) -> int:
        return self.n

    def counted(self) -> Counted:
        n = self.n
        metrics: dict[str, float] = {}
        if n:
            metrics = {"mse": self.sq / n, "mae": self.abs / n, "mape": self.ape / n}
            metrics["rmse"] = math.sqrt(metrics["mse"])
            if n > 1 and self.hi > self.lo:  # R² is undefined on a constant target
                metrics["r2"] = 1.0 - self.sq / self.m2
        return Counted(self.n_rows, n, metrics, {})


def tally_for(info: ModelInfo) -> ClassTally | RegressionTally:
    """An empty tally for ``info``'s task."""
    return ClassTally(info) if info.task.is_classification else RegressionTally()


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, 0 where den is 0 (scikit-learn's ``zero_division=0``)."""
    out = np.zeros_like(num)
    np.divide(num, den, out=out, where=den > 0)
    return out
