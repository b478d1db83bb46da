"""Label-free reliance: how many of the model's decisions hinge on one feature."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

__all__ = ["MAX_STACKED_ROWS", "decision_reliance"]

# Rows per model call. Every shuffled copy of every feature goes into one call while the
# stacked frame stays within this; beyond it, one call per group of features (at least one
# feature, all its repeats). A model call costs far more per call than per row.
MAX_STACKED_ROWS = 1_000_000


def _stacked(inputs: pd.DataFrame, shuffles: list[tuple[str, list[np.ndarray]]]) -> pd.DataFrame:
    """``inputs`` once per (feature, repeat), in that order, with the feature's column
    permuted in its own copies. Columns keep their dtype."""
    n = len(inputs)
    span = n * len(shuffles[0][1])
    rows = np.tile(np.arange(n), len(shuffles) * len(shuffles[0][1]))
    columns = {}
    for j, column in enumerate(inputs.columns):
        idx = rows
        for i, (name, perms) in enumerate(shuffles):
            if name == column:
                idx = idx.copy() if idx is rows else idx
                idx[i * span : (i + 1) * span] = np.concatenate(perms)
        columns[j] = inputs.iloc[:, j].array.take(idx)
    stacked = pd.DataFrame(columns, copy=False)
    stacked.columns = inputs.columns
    return stacked


def decision_reliance(
    decide: Callable[[pd.DataFrame], np.ndarray],
    inputs: pd.DataFrame,
    features: list[str],
    *,
    repeats: int = 5,
    seed: int = 0,
    max_rows: int = MAX_STACKED_ROWS,
) -> dict[str, float]:
    """Share of decisions that change when each feature is shuffled, averaged over repeats.

    For feature j: permute column j across the rows (breaking its link to the row and to the
    other features while keeping its distribution), decide again, and count the rows whose
    decision differs from the unshuffled one. 0 means the model ignores the feature on this
    sample; it needs no labels. Seeded: the same rows and seed give the same numbers.

    The shuffled copies are stacked and decided together, in calls of at most ``max_rows``
    rows (``decide`` must score each row on its own, as a model does); the permutations are
    drawn feature by feature, repeat by repeat, as one call per shuffle would draw them.

    >>> frame = pd.DataFrame({"a": [0.0, 1.0] * 50, "b": [5.0] * 100})
    >>> decision_reliance(lambda x: (x["a"] > 0.5).to_numpy(), frame, ["a", "b"])["b"]
    0.0
    """
    if inputs.empty:
        return dict.fromkeys(features, 0.0)
    rng = np.random.default_rng(seed)
    base = np.asarray(decide(inputs))
    n = len(inputs)
    shuffles = [(name, [rng.permutation(n) for _ in range(repeats)]) for name in features]
    per_call = max(1, max_rows // max(1, n * repeats))
    out = {}
    for start in range(0, len(shuffles), per_call):
        group = shuffles[start : start + per_call]
        decided = np.asarray(decide(_stacked(inputs, group)))
        decided = decided.reshape((len(group), repeats, *base.shape))
        for (name, _), copies in zip(group, decided, strict=True):
            changed = 0.0
            for copy in copies:  # summed as the per-shuffle loop did, for the same floats
                changed += float((copy != base).mean())
            out[name] = changed / repeats
    return out
