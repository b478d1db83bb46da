"""The standard error of a ROC AUC."""

from __future__ import annotations

import math

__all__ = ["hanley_mcneil_se"]


def hanley_mcneil_se(auc: float, n_pos: int, n_neg: int) -> float:
    """Standard error of a ROC AUC (Hanley & McNeil, 1982).

    q1 = A/(2−A), q2 = 2A²/(1+A), se² = (A(1−A) + (n₁−1)(q1−A²) + (n₀−1)(q2−A²)) / (n₁n₀).

    >>> round(hanley_mcneil_se(0.8, 50, 50), 4)
    0.0445
    """
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    var = (auc * (1 - auc) + (n_pos - 1) * (q1 - auc**2) + (n_neg - 1) * (q2 - auc**2)) / (
        n_pos * n_neg
    )
    return math.sqrt(max(var, 0.0))
