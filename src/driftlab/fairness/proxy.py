"""Proxy strength: how well a prohibited attribute can be recovered from what the model sees.

A model that never receives ``sex`` can still decide by sex if its inputs encode it. The
measure is the cross-validated ROC AUC of a small gradient-boosting classifier predicting
the attribute's group from the model's inputs and its output (one-vs-rest macro average for
more than two groups): 0.5 means no proxy, 1.0 a perfect one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from driftlab.stats.auc import hanley_mcneil_se

if TYPE_CHECKING:  # scikit-learn is imported where a model is built, not with the module
    from sklearn.pipeline import Pipeline

__all__ = ["ProxyStrength", "proxy_strength"]


@dataclass(frozen=True)
class ProxyStrength:
    auc: float
    se: float
    n: int
    groups: dict[str, int]


def _classifier(x: pd.DataFrame, seed: int) -> Pipeline:
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OrdinalEncoder

    cats = [c for c in x.columns if x[c].dtype == object]
    encode = ColumnTransformer(
        [
            (
                "cat",
                OrdinalEncoder(
                    handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-1
                ),
                cats,
            )
        ],
        remainder="passthrough",
    )
    model = HistGradientBoostingClassifier(
        max_iter=60, max_depth=3, learning_rate=0.1, random_state=seed
    )
    return Pipeline([("encode", encode), ("model", model)])


def proxy_strength(
    x: pd.DataFrame, groups: np.ndarray, *, min_group_size: int, seed: int = 0, folds: int = 5
) -> ProxyStrength | None:
    """Cross-validated AUC of predicting ``groups`` from ``x``; ``None`` when fewer than two
    groups have ``min_group_size`` rows (groups smaller than that are left out)."""
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    keep = np.array([g is not None for g in groups], dtype=bool)
    counts = pd.Series(groups[keep]).value_counts()
    big = [str(g) for g, c in counts.items() if c >= max(min_group_size, folds)]
    if len(big) < 2:
        return None
    keep &= np.isin(groups.astype(str), big)
    xs = x[keep].reset_index(drop=True)
    y = groups[keep].astype(str)
    cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
    with threadpool_limits(limits=1):
        proba = cross_val_predict(_classifier(xs, seed), xs, y, cv=cv, method="predict_proba")
    classes = sorted(big)
    sizes = {g: int((y == g).sum()) for g in classes}
    if len(classes) == 2:
        auc = float(roc_auc_score(y == classes[1], proba[:, 1]))
        se = hanley_mcneil_se(auc, sizes[classes[1]], sizes[classes[0]])
    else:
        auc = float(roc_auc_score(y, proba, multi_class="ovr", average="macro", labels=classes))
        per = [
            hanley_mcneil_se(float(roc_auc_score(y == c, proba[:, i])), sizes[c], len(y) - sizes[c])
            for i, c in enumerate(classes)
        ]
        se = float(np.mean(per))
    return ProxyStrength(auc, se, len(y), sizes)
