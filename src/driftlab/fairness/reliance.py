"""Label-free reliance: how many of the model's decisions hinge on one feature."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

__all__ = ["decision_reliance"]


def decision_reliance(
    decide: Callable[[pd.DataFrame], np.ndarray],
    inputs: pd.DataFrame,
    features: list[str],
    *,
    repeats: int = 5,
    seed: int = 0,
) -> dict[str, float]:
    """Share of decisions that change when each feature is shuffled, averaged over repeats.

    For feature j: permute column j across the rows (breaking its link to the row and to the
    other features while keeping its distribution), decide again, and count the rows whose
    decision differs from the unshuffled one. 0 means the model ignores the feature on this
    sample; it needs no labels. Seeded: the same rows and seed give the same numbers.

    >>> frame = pd.DataFrame({"a": [0.0, 1.0] * 50, "b": [5.0] * 100})
    >>> decision_reliance(lambda x: (x["a"] > 0.5).to_numpy(), frame, ["a", "b"])["b"]
    0.0
    """
    if inputs.empty:
        return dict.fromkeys(features, 0.0)
    rng = np.random.default_rng(seed)
    base = np.asarray(decide(inputs))
    out = {}
    for name in features:
        changed = 0.0
        for _ in range(repeats):
            shuffled = inputs.copy()
            shuffled[name] = inputs[name].to_numpy()[rng.permutation(len(inputs))]
            changed += float((np.asarray(decide(shuffled)) != base).mean())
        out[name] = changed / repeats
    return out
