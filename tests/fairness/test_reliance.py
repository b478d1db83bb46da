"""Decision reliance with the shuffled copies decided together equals one model call per
shuffle (the loop it replaced), on the same seed, whatever the batching."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from driftlab.fairness.reliance import decision_reliance


def _loop(decide, inputs: pd.DataFrame, features: list[str], repeats: int, seed: int):  # type: ignore[no-untyped-def]
    """The reference: one call per feature and repeat."""
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


class _Model:
    """A decision on numbers and a category, counting its calls and the rows it saw."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def __call__(self, rows: pd.DataFrame) -> np.ndarray:
        self.calls.append(len(rows))
        score = rows["x"].to_numpy() + 0.5 * rows["y"].to_numpy() + (rows["zone"] == "n")
        return np.where(score > 1.0, "yes", "no")


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 300
    return pd.DataFrame({
        "x": rng.normal(size=n), "y": rng.normal(size=n),
        "zone": rng.choice(np.array(["n", "s", "e"], dtype=object), n), "unused": rng.random(n),
    })  # fmt: skip


@pytest.mark.parametrize(
    ("max_rows", "calls"),
    [(10**6, 1), (3 * 300 * 2, 2), (1, 4)],  # all features at once; two a call; one a call
)
def test_equals_one_call_per_shuffle(frame: pd.DataFrame, max_rows: int, calls: int) -> None:
    features = ["x", "zone", "y", "unused"]
    model = _Model()
    got = decision_reliance(model, frame, features, repeats=3, seed=7, max_rows=max_rows)
    assert got == _loop(_Model(), frame, features, 3, 7)  # exactly: same draws, same sums
    assert model.calls[0] == len(frame) and len(model.calls) == 1 + calls
    assert got["unused"] == 0.0 and got["x"] > got["y"] > 0.0


def test_empty_inputs_rely_on_nothing() -> None:
    assert decision_reliance(_Model(), pd.DataFrame({"x": []}), ["x"]) == {"x": 0.0}
