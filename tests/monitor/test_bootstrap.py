"""The bootstrap interval scored from resample weights agrees with a loop that rescored
every resample with scikit-learn (the implementation it replaced), on the same seed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from driftlab.config import Task
from driftlab.model import ModelInfo
from driftlab.monitor.performance import _score, bootstrap_interval


def _info(task: Task, classes: list[str], positive: str | None) -> ModelInfo:
    return ModelInfo(
        name="m", task=task, target="y", features=[], classes=classes,
        positive_class=positive, estimator="e", params={}, metrics={}, dataset_sha256="",
        n_rows=0, n_train=0, n_test=0, trained_at="", code_version=None, packages={},
    )  # fmt: skip


def _loop(
    labeled: pd.DataFrame, info: ModelInfo, metric: str, resamples: int
) -> tuple[float, float] | None:
    """The reference: resamples of rows, each scored by scikit-learn."""
    rng = np.random.default_rng(0)
    values = []
    for _ in range(resamples):
        idx = rng.integers(0, len(labeled), len(labeled))
        value = _score(labeled.iloc[idx], info).get(metric)
        if value is not None:
            values.append(value)
    if len(values) < resamples // 2:
        return None
    lo, hi = np.percentile(values, [2.5, 97.5])
    return float(lo), float(hi)


def _binary(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.4
    p = np.clip(rng.normal(0.3 + 0.4 * y, 0.2), 0, 1).round(2)  # tied scores
    return pd.DataFrame({
        "prediction": np.where(p > 0.5, "yes", "no"), "probability": np.maximum(p, 1 - p),
        "label": np.where(y, "yes", "no"),
    })  # fmt: skip


def _multiclass(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    y = rng.choice(["a", "b", "c"], n, p=[0.6, 0.35, 0.05])
    pred = np.where(rng.random(n) < 0.7, y, rng.choice(["a", "b", "c"], n))
    return pd.DataFrame({"prediction": pred, "probability": np.nan, "label": y})


def _regression(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    y = rng.normal(50, 10, n)
    return pd.DataFrame({"prediction": y + rng.normal(0, 5, n), "label": y})


BINARY = _info(Task.BINARY, ["no", "yes"], "yes")
CASES = [
    *[(BINARY, _binary, m) for m in ("accuracy", "precision", "recall", "f1", "roc_auc",
                                     "log_loss")],
    *[(_info(Task.MULTICLASS, ["a", "b", "c"], None), _multiclass, m)
      for m in ("accuracy", "precision", "recall", "f1")],
    *[(_info(Task.REGRESSION, [], None), _regression, m)
      for m in ("mse", "rmse", "mae", "mape", "r2")],
]  # fmt: skip


@pytest.mark.parametrize(("info", "make", "metric"), CASES, ids=lambda c: getattr(c, "value", c))
def test_interval_matches_the_resampling_loop(info: ModelInfo, make, metric: str) -> None:  # type: ignore[no-untyped-def]
    labeled = make(2000)
    # The default 200 resamples once; 40 elsewhere, as the reference loop is slow.
    resamples = 200 if metric == "roc_auc" else 40
    got = bootstrap_interval(labeled, info, metric, resamples=resamples)
    assert got is not None
    point = _score(labeled, info)[metric]
    assert got[0] <= point <= got[1]
    # The draws are the loop's own, so the endpoints agree far inside sampling noise (0.01).
    assert got == pytest.approx(_loop(labeled, info, metric, resamples), abs=1e-9)


def test_undefined_on_most_resamples_gives_none() -> None:
    # One label of ten is none of the classes: log loss is undefined on every resample that
    # draws it, about 1 − 0.9¹⁰ = 65 % of them.
    labeled = _binary(10)
    labeled.loc[0, "label"] = "maybe"
    assert bootstrap_interval(labeled, BINARY, "log_loss") is None
    assert bootstrap_interval(labeled.iloc[1:], BINARY, "log_loss") is not None
    # A metric the task never reports.
    assert bootstrap_interval(_binary(50), BINARY, "mse") is None
    assert bootstrap_interval(_multiclass(50), _info(Task.MULTICLASS, ["a", "b", "c"], None),
                              "roc_auc") is None  # fmt: skip


def test_large_windows_are_scored_in_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    import driftlab.monitor.performance as performance

    labeled = _binary(500)
    whole = bootstrap_interval(labeled, BINARY, "roc_auc")
    monkeypatch.setattr(performance, "BLOCK_BYTES", 3 * 8 * 500)  # three resamples a block
    assert bootstrap_interval(labeled, BINARY, "roc_auc") == pytest.approx(whole, abs=1e-12)
