"""classification_metrics and class_breakdown score class codes when every value is a class:
the figures must be scikit-learn's on the labels themselves, whatever the classes' order."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from driftlab.metrics import class_breakdown, classification_metrics


def _data(classes: list[str], n: int, seed: int) -> tuple[list[str], list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    yt = rng.choice(classes, n).tolist()
    yp = rng.choice(classes, n).tolist()
    return yt, yp, rng.dirichlet(np.ones(len(classes)), n)


@pytest.mark.parametrize("positive", ["yes", "no"])
def test_binary_metrics_are_scikit_learns(positive: str) -> None:
    classes = ["no", "yes"]
    yt, yp, proba = _data(classes, 500, 1)
    got = classification_metrics(yt, yp, proba, classes, positive_class=positive)
    kw = {"pos_label": positive, "zero_division": 0}
    assert got["accuracy"] == skm.accuracy_score(yt, yp)
    assert got["precision"] == skm.precision_score(yt, yp, **kw)
    assert got["recall"] == skm.recall_score(yt, yp, **kw)
    assert got["f1"] == skm.f1_score(yt, yp, **kw)
    col = classes.index(positive)
    assert got["roc_auc"] == skm.roc_auc_score(np.array(yt) == positive, proba[:, col])


def test_multiclass_metrics_in_any_class_order_are_scikit_learns() -> None:
    classes = ["zeta", "alpha", "mid"]  # not sorted: codes follow this order, not the text's
    yt, yp, _ = _data(classes, 400, 2)
    got = classification_metrics(yt, yp, None, classes)
    kw = {"average": "macro", "labels": classes, "zero_division": 0}
    assert got["accuracy"] == skm.accuracy_score(yt, yp)
    assert got["precision"] == skm.precision_score(yt, yp, **kw)
    assert got["recall"] == skm.recall_score(yt, yp, **kw)
    assert got["f1"] == skm.f1_score(yt, yp, **kw)
    b = class_breakdown(yt, yp, classes)
    assert b["confusion_matrix"] == skm.confusion_matrix(yt, yp, labels=classes).tolist()
    p, r, f, s = skm.precision_recall_fscore_support(yt, yp, labels=classes, zero_division=0)
    assert [b["per_class"][c]["precision"] for c in classes] == p.tolist()
    assert [b["per_class"][c]["f1"] for c in classes] == f.tolist()
    assert [b["per_class"][c]["recall"] for c in classes] == r.tolist()
    assert [b["per_class"][c]["support"] for c in classes] == s.tolist()


def test_a_value_outside_the_classes_is_scored_as_before() -> None:
    classes = ["a", "b", "c"]
    yt, yp = ["a", "b", "b", "a", "c", "b"], ["a", "b", "x", "a", "a", "c"]  # "x": no class
    got = classification_metrics(yt, yp, None, classes)
    kw = {"average": "macro", "labels": classes, "zero_division": 0}
    assert got["accuracy"] == skm.accuracy_score(yt, yp) == 0.5
    assert got["recall"] == skm.recall_score(yt, yp, **kw)
    assert got["f1"] == skm.f1_score(yt, yp, **kw)
    b = class_breakdown(yt, yp, classes)
    assert b["confusion_matrix"] == skm.confusion_matrix(yt, yp, labels=classes).tolist()
