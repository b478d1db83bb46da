"""Probability calibration for label-free performance estimates (confidence-based, as
NannyML's CBPE): isotonic regression of the outcome on the model's out-of-fold probability,
fitted at training time and stored with the model version as plain numbers."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from sklearn.isotonic import IsotonicRegression

__all__ = ["Calibration", "fit_calibration"]


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
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
    iso.fit(np.asarray(probability, dtype=float), np.asarray(positive, dtype=float))
    return Calibration(iso.X_thresholds_.tolist(), iso.y_thresholds_.tolist())
