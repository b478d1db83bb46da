"""Weighted metric kernels: each equals scikit-learn's metric with ``sample_weight=`` the
same weights, is undefined exactly where scikit-learn's is (or where driftlab omits it),
and scores many weightings at once as it scores each alone."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.exceptions import UndefinedMetricWarning

from driftlab.metrics import regression_metrics
from driftlab.metrics import weighted as wm

N = 300


def _counts(n: int, seed: int) -> np.ndarray:
    """A bootstrap resample as multinomial counts per row."""
    rng = np.random.default_rng(seed)
    return np.bincount(rng.integers(0, n, n), minlength=n).astype(float)


def _positive(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.1, 3.0, n)


WEIGHTS: dict[str, Callable[[int, int], np.ndarray]] = {
    "counts": _counts,
    "positive": _positive,
    "unit": lambda n, seed: np.ones(n),
}


def _binary(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels, predictions (codes 0/1) and P(class 1) rounded to 0.05 (many ties)."""
    rng = np.random.default_rng(seed)
    t = (rng.random(N) < 0.4).astype(np.int64)
    score = np.clip(rng.normal(0.35 + 0.3 * t, 0.2), 0, 1).round(2) // 0.05 * 0.05
    return t, (score > 0.5).astype(np.int64), score


@pytest.mark.parametrize("kind", sorted(WEIGHTS))
@pytest.mark.parametrize("positive", [0, 1])
def test_binary_counts_match_scikit_learn(kind: str, positive: int) -> None:
    t, p, _ = _binary()
    w = WEIGHTS[kind](N, 1)
    kw = {"sample_weight": w, "pos_label": positive, "zero_division": 0}
    assert wm.accuracy(t, p, w) == pytest.approx(skm.accuracy_score(t, p, sample_weight=w))
    for ours, theirs in [
        (wm.precision, skm.precision_score),
        (wm.recall, skm.recall_score),
        (wm.f1, skm.f1_score),
    ]:
        got = ours(t, p, w, n_classes=2, positive=positive)
        assert got == pytest.approx(theirs(t, p, **kw), rel=1e-12)


@pytest.mark.parametrize("kind", sorted(WEIGHTS))
def test_scores_match_scikit_learn_with_ties(kind: str) -> None:
    t, _, score = _binary()
    assert len(np.unique(score)) < N / 5  # many tied scores
    w = WEIGHTS[kind](N, 2)
    assert wm.roc_auc(t == 1, score, w) == pytest.approx(
        skm.roc_auc_score(t, score, sample_weight=w), rel=1e-12
    )
    proba = np.column_stack([1 - score, score])
    assert wm.log_loss(t, proba, w) == pytest.approx(
        skm.log_loss(t, proba, sample_weight=w, labels=[0, 1]), rel=1e-12
    )


def test_unit_weights_equal_the_unweighted_metric() -> None:
    t, p, score = _binary(3)
    one = np.ones(N)
    assert wm.roc_auc(t == 1, score, one) == pytest.approx(skm.roc_auc_score(t, score))
    assert wm.f1(t, p, one, n_classes=2, positive=1) == pytest.approx(skm.f1_score(t, p))
    y, yhat = _regression()
    assert wm.r2(y, yhat, one) == pytest.approx(skm.r2_score(y, yhat))
    assert wm.mape(y, yhat, one) == pytest.approx(skm.mean_absolute_percentage_error(y, yhat))


@pytest.mark.parametrize("kind", sorted(WEIGHTS))
def test_multiclass_macro_matches_scikit_learn_with_an_absent_class(kind: str) -> None:
    rng = np.random.default_rng(4)
    t = rng.integers(0, 4, N)
    p = np.where(rng.random(N) < 0.6, t, rng.integers(0, 4, N))
    w = WEIGHTS[kind](N, 5)
    w[t == 3] = 0.0  # class 3 never occurs in this resample; it is still predicted
    kw = {"sample_weight": w, "labels": [0, 1, 2, 3], "average": "macro", "zero_division": 0}
    assert wm.accuracy(t, p, w) == pytest.approx(skm.accuracy_score(t, p, sample_weight=w))
    for ours, theirs in [
        (wm.precision, skm.precision_score),
        (wm.recall, skm.recall_score),
        (wm.f1, skm.f1_score),
    ]:
        assert ours(t, p, w, n_classes=4) == pytest.approx(theirs(t, p, **kw), rel=1e-12)
    # A code outside the classes (-1) is a wrong prediction, as an unknown string is.
    p_unknown = np.where(np.arange(N) % 7 == 0, -1, p)
    assert wm.accuracy(t, p_unknown, w) == pytest.approx(
        skm.accuracy_score(t, p_unknown, sample_weight=w)
    )
    assert wm.recall(t, p_unknown, w, n_classes=4) == pytest.approx(
        skm.recall_score(t, p_unknown, **kw)
    )


def _regression(seed: int = 6) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.normal(10, 3, N)
    y[:5] = 0.0  # MAPE's epsilon floor
    return y, y + rng.normal(0, 2, N)


@pytest.mark.parametrize("kind", sorted(WEIGHTS))
def test_regression_matches_scikit_learn(kind: str) -> None:
    y, yhat = _regression()
    w = WEIGHTS[kind](N, 7)
    for ours, theirs in [
        (wm.mse, skm.mean_squared_error),
        (wm.rmse, skm.root_mean_squared_error),
        (wm.mae, skm.mean_absolute_error),
        (wm.mape, skm.mean_absolute_percentage_error),
        (wm.r2, skm.r2_score),
    ]:
        assert ours(y, yhat, w) == pytest.approx(theirs(y, yhat, sample_weight=w), rel=1e-12)


def test_roc_auc_is_undefined_exactly_when_one_class_has_weight() -> None:
    t, _, score = _binary()
    w = _counts(N, 8)
    w[t == 1] = 0.0
    assert np.isnan(wm.roc_auc(t == 1, score, w))
    with pytest.warns(UndefinedMetricWarning):
        assert np.isnan(skm.roc_auc_score(t, score, sample_weight=w))
    # The same resample materialized: one class present.
    rows = np.repeat(np.arange(N), w.astype(int))
    with pytest.warns(UndefinedMetricWarning, match="Only one class"):
        assert np.isnan(skm.roc_auc_score(t[rows], score[rows]))
    w[np.flatnonzero(t == 1)[0]] = 1.0  # one positive row is enough
    assert wm.roc_auc(t == 1, score, w) == pytest.approx(
        skm.roc_auc_score(t, score, sample_weight=w)
    )


def test_r2_is_undefined_exactly_when_driftlab_omits_it() -> None:
    y, yhat = _regression()
    w = np.zeros(N)
    w[[3, 4]] = [2.0, 5.0]  # two rows, both with target 0: a constant target
    assert np.isnan(wm.r2(y, yhat, w))
    rows = np.repeat(np.arange(N), w.astype(int))
    assert "r2" not in regression_metrics(y[rows], yhat[rows])
    w[10] = 1.0
    rows = np.repeat(np.arange(N), w.astype(int))
    assert wm.r2(y, yhat, w) == pytest.approx(regression_metrics(y[rows], yhat[rows])["r2"])


def test_log_loss_is_undefined_on_a_label_outside_the_classes() -> None:
    t, _, score = _binary()
    proba = np.column_stack([1 - score, score])
    codes = t.copy()
    codes[0] = -1
    w = np.ones(N)
    assert np.isnan(wm.log_loss(codes, proba, w))
    w[0] = 0.0  # left out of the resample: defined again
    assert wm.log_loss(codes, proba, w) == pytest.approx(
        skm.log_loss(t[1:], proba[1:], labels=[0, 1])
    )


def test_no_weight_at_all_is_undefined() -> None:
    t, p, score = _binary()
    zero = np.zeros(N)
    assert np.isnan(wm.accuracy(t, p, zero))
    assert np.isnan(wm.f1(t, p, zero, n_classes=2, positive=1))
    assert np.isnan(wm.mse(score, score, zero))


def test_many_weightings_at_once_equal_each_alone() -> None:
    t, p, score = _binary(9)
    y, yhat = _regression(9)
    block = np.stack([_counts(N, s) for s in range(5)] + [_positive(N, 5)])
    block[2, t == 0] = 0.0  # one weighting where ROC AUC is undefined
    proba = np.column_stack([1 - score, score])
    kernels: list[Callable[[np.ndarray], float | np.ndarray]] = [
        lambda w: wm.accuracy(t, p, w),
        lambda w: wm.precision(t, p, w, n_classes=2, positive=1),
        lambda w: wm.recall(t, p, w, n_classes=2),
        lambda w: wm.f1(t, p, w, n_classes=2, positive=0),
        lambda w: wm.roc_auc(t == 1, score, w),
        lambda w: wm.log_loss(t, proba, w),
        lambda w: wm.mse(y, yhat, w),
        lambda w: wm.rmse(y, yhat, w),
        lambda w: wm.mae(y, yhat, w),
        lambda w: wm.mape(y, yhat, w),
        lambda w: wm.r2(y, yhat, w),
    ]
    for kernel in kernels:
        together = kernel(block)
        alone = [kernel(w) for w in block]
        assert isinstance(together, np.ndarray) and together.shape == (len(block),)
        assert all(isinstance(v, float) for v in alone)
        np.testing.assert_allclose(together, alone, rtol=1e-12)
