"""Probability calibration for label-free performance estimates (confidence-based, as
NannyML's CBPE): isotonic regression of the outcome on the model's out-of-fold probability,
fitted at training time and stored with the model version as plain numbers."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

__all__ = ["Calibration", "LossMap", "fit_calibration", "fit_loss_map"]


@dataclass(frozen=True)
class Calibration:
    """A monotone map from model probability to observed frequency (piecewise linear)."""

    x: list[float]
    y: list[float]

    def __call__(self, p: np.ndarray) -> np.ndarray:
        return np.interp(np.asarray(p, dtype=float), self.x, self.y)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Calibration:
        return cls([float(v) for v in d["x"]], [float(v) for v in d["y"]])


def fit_calibration(probability: np.ndarray, positive: np.ndarray) -> Calibration:
    """Fit on out-of-fold probabilities (in-sample ones are over-confident).

    >>> c = fit_calibration(np.array([0.1, 0.2, 0.8, 0.9]), np.array([0, 0, 1, 1]))
    >>> c(np.array([0.15, 0.85])).tolist()
    [0.0, 1.0]
    """
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
    iso.fit(np.asarray(probability, dtype=float), np.asarray(positive, dtype=float))
    return Calibration(iso.X_thresholds_.tolist(), iso.y_thresholds_.tolist())


@dataclass(frozen=True)
class LossMap:
    """Expected loss of a regressor as a function of its own prediction: mean absolute and
    squared out-of-fold residuals per quantile bin of the prediction. A one-dimensional
    simplification of NannyML's direct loss estimation (which models the loss from all
    features): it follows shifts in *where* the model predicts, not feature interactions."""

    edges: list[float]
    abs_error: list[float]
    sq_error: list[float]

    def expected(self, predictions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        idx = np.clip(np.searchsorted(self.edges, predictions, side="right") - 1, 0,
                      len(self.abs_error) - 1)  # fmt: skip
        return np.asarray(self.abs_error)[idx], np.asarray(self.sq_error)[idx]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LossMap:
        return cls(list(d["edges"]), list(d["abs_error"]), list(d["sq_error"]))


def fit_loss_map(predictions: np.ndarray, truth: np.ndarray, bins: int = 10) -> LossMap:
    """Bin out-of-fold predictions at their quantiles; keep mean |residual| and residual².

    >>> m = fit_loss_map(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 2.0, 5.0, 6.0]), bins=2)
    >>> m.abs_error, m.sq_error
    ([0.0, 2.0], [0.0, 4.0])
    """
    pred = np.asarray(predictions, dtype=float)
    res = np.asarray(truth, dtype=float) - pred
    edges = np.unique(np.quantile(pred, np.linspace(0, 1, bins + 1)))[:-1]
    idx = np.clip(np.searchsorted(edges, pred, side="right") - 1, 0, len(edges) - 1)
    abs_err = [float(np.abs(res[idx == b]).mean()) if (idx == b).any() else 0.0
               for b in range(len(edges))]  # fmt: skip
    sq_err = [float((res[idx == b] ** 2).mean()) if (idx == b).any() else 0.0
              for b in range(len(edges))]  # fmt: skip
    return LossMap(edges.tolist(), abs_err, sq_err)
