"""Model quality metrics on arrays, delegated to scikit-learn."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# The names live apart so that the project file can be checked without scikit-learn.
from driftlab.metric_names import CLASSIFICATION_METRICS, LOWER_IS_BETTER, REGRESSION_METRICS

__all__ = [
    "CLASSIFICATION_METRICS",
    "LOWER_IS_BETTER",
    "REGRESSION_METRICS",
    "class_breakdown",
    "classification_metrics",
    "regression_metrics",
]


def classification_metrics(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    proba: np.ndarray | None,
    classes: Sequence[str],
    positive_class: str | None = None,
) -> dict[str, float]:
    """Accuracy, precision, recall, F1, ROC AUC and log loss.

    Binary tasks score the ``positive_class``; multiclass tasks average over classes
    (macro) and use one-vs-rest ROC AUC. ``proba`` has one column per entry of ``classes``.
    ROC AUC is omitted when only one class is present in ``y_true`` (it is undefined); log
    loss (a proper scoring rule: it rewards calibrated probabilities) needs ``proba``.

    >>> m = classification_metrics(["a", "b", "b", "a"], ["a", "b", "a", "a"],
    ...                            np.array([[.9, .1], [.2, .8], [.6, .4], [.7, .3]]),
    ...                            ["a", "b"], positive_class="b")
    >>> m["accuracy"], m["recall"], m["roc_auc"]
    (0.75, 0.5, 1.0)
    """
    from sklearn import metrics as skm

    yt = np.asarray(y_true, dtype=object)
    yp = np.asarray(y_pred, dtype=object)
    binary = len(classes) == 2
    labels, pos = list(classes), positive_class or classes[1]
    # The counting metrics on class codes when every value is a class: the same counts, and
    # scikit-learn sorts integers, not 100k strings, for each metric.
    coded = _codes(yt, labels), _codes(yp, labels)
    if coded[0] is not None and coded[1] is not None and pos in labels:
        true, pred, labels, pos = coded[0], coded[1], list(range(len(labels))), labels.index(pos)
    else:
        true, pred = yt, yp
    out = {"accuracy": float(skm.accuracy_score(true, pred))}
    kw: dict[str, object] = (
        {"average": "binary", "pos_label": pos}
        if binary
        else {"average": "macro", "labels": labels}
    )
    # One call for the three (precision_score, recall_score and f1_score each make it).
    precision, recall, f1, _ = skm.precision_recall_fscore_support(
        true,
        pred,
        zero_division=0,
        **kw,  # type: ignore[arg-type]
    )
    out.update(precision=float(precision), recall=float(recall), f1=float(f1))
    if proba is not None and set(yt.tolist()) <= set(classes):
        out["log_loss"] = float(skm.log_loss(yt, proba, labels=list(classes)))
    if proba is not None and len(set(yt.tolist())) > 1:
        if binary:
            pos = positive_class or classes[1]
            col = list(classes).index(pos)
            out["roc_auc"] = float(skm.roc_auc_score(yt == pos, proba[:, col]))
        elif set(yt.tolist()) <= set(classes):
            out["roc_auc"] = float(
                skm.roc_auc_score(yt, proba, multi_class="ovr", labels=list(classes))
            )
    return out


def class_breakdown(
    y_true: Sequence[str], y_pred: Sequence[str], classes: Sequence[str]
) -> dict[str, object]:
    """Confusion matrix (rows: true class, columns: predicted, in ``classes`` order) and
    precision, recall, F1 and support per class.

    >>> b = class_breakdown(["a", "b", "b"], ["a", "a", "b"], ["a", "b"])
    >>> b["confusion_matrix"], b["per_class"]["b"]["recall"]
    ([[1, 0], [1, 1]], 0.5)
    """
    from sklearn import metrics as skm

    labels = list(classes)
    true, pred = _codes(y_true, labels), _codes(y_pred, labels)
    if true is None or pred is None:  # a value outside the classes: scikit-learn ignores it
        true, pred, given = np.asarray(list(y_true)), np.asarray(list(y_pred)), labels
    else:
        given = list(range(len(labels)))
    cm = skm.confusion_matrix(true, pred, labels=given)
    p, r, f, s = skm.precision_recall_fscore_support(true, pred, labels=given, zero_division=0)
    per_class = {
        c: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]),
            "support": int(s[i])}
        for i, c in enumerate(labels)
    }  # fmt: skip
    return {"labels": labels, "confusion_matrix": cm.tolist(), "per_class": per_class}


def _codes(values: Sequence[object], labels: list[str]) -> np.ndarray | None:
    """The index of each value in ``labels``; None when a value is not one of them (or the
    labels repeat), where only the values themselves say what scikit-learn would do.

    >>> _codes(["b", "a", "b"], ["a", "b"]).tolist(), _codes(["c"], ["a", "b"])
    ([1, 0, 1], None)
    """
    import pandas as pd

    if len(set(labels)) != len(labels):
        return None
    codes = pd.Index(labels, dtype=object).get_indexer(np.asarray(values, dtype=object))
    if (codes < 0).any():
        return None
    return codes.astype(np.int64)


def regression_metrics(y_true: Sequence[float], y_pred: Sequence[float]) -> dict[str, float]:
    """MSE, RMSE, MAE, MAPE and R² (MAPE as scikit-learn defines it: a fraction, with a tiny
    epsilon for zero targets).

    >>> m = regression_metrics([1.0, 2.0, 3.0], [1.0, 2.0, 4.0])
    >>> round(m["mse"], 4), round(m["rmse"], 4), round(m["mape"], 4), m["r2"]
    (0.3333, 0.5774, 0.1111, 0.5)
    """
    from sklearn import metrics as skm

    yt = np.asarray(y_true, dtype="float64")
    yp = np.asarray(y_pred, dtype="float64")
    out = {
        "mse": float(skm.mean_squared_error(yt, yp)),
        "mae": float(skm.mean_absolute_error(yt, yp)),
        "mape": float(skm.mean_absolute_percentage_error(yt, yp)),
    }
    out["rmse"] = float(np.sqrt(out["mse"]))
    if yt.size > 1 and np.ptp(yt) > 0:  # R² is undefined on a constant target
        out["r2"] = float(skm.r2_score(yt, yp))
    return out
