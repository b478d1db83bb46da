"""Multivariate drift: changes in how features move together, which per-feature tests miss.

Two methods, both on the profiles' bounded row samples (so cost does not grow with rows):

* **Domain classifier** — train a classifier to tell reference rows from window rows. With
  no drift it cannot (cross-validated ROC AUC ≈ 0.5). The AUC's significance is the
  Mann–Whitney U test on the out-of-fold scores (AUC = U / (n₀·n₁)); a window drifts when
  p < alpha *and* AUC ≥ ``min_auc`` (the effect-size floor). Permutation importance on a
  held-out fold names the features that separate the two most.
* **PCA reconstruction error** (after NannyML's method) — map each numeric feature to normal
  scores by its reference quantiles (so heavy tails and skew cannot give a few rows huge
  errors), fit a PCA keeping ``variance`` of the variance on half the reference rows, and
  compute each row's reconstruction error for the other half and for the window. With no drift
  both are draws of one distribution, so a one-sided Mann–Whitney test of window errors
  against reference errors holds its level ``alpha`` at any window size and any shape of the
  errors (a 3σ band on the mean assumed normal errors and fired on 5 % of clean windows of a
  heavy-tailed table). A window drifts when p < alpha *and* its mean error is at least
  ``min_increase`` above the reference's (the effect-size floor). A lower error is never drift.

The run splits its ``alpha`` between the two checks (each at ``alpha``/2, Bonferroni), so the
multivariate finding as a whole fires on at most ``alpha`` of clean windows; the effect floors
(``min_auc``, ``min_increase``) make it far rarer (measured in ``bench/false_alarms.py``).

Both see the window's numeric values clipped to the reference's range widened by
:data:`CLIP_SPANS` ranges on each side (:func:`clip_to_reference`). A value beyond that is
already as foreign as it can usefully be, and left as it is (up to ``1.8e308``) it would
overflow the scaling and the squared errors to infinity, or the classifier's bin midpoints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from driftlab.config import Feature, FeatureKind, MonitorConfig
from driftlab.formatting import num, p_value, pct
from driftlab.monitor.importance import auc_permutation_importance
from driftlab.monitor.quality import extreme_bounds
from driftlab.monitor.result import MultivariateDrift
from driftlab.profile import RowSample

if TYPE_CHECKING:  # scikit-learn is imported where a model is built, not with the module
    from sklearn.pipeline import Pipeline

__all__ = [
    "CLIP_SPANS",
    "PCA_MIN_INCREASE",
    "MultivariateDrift",
    "clip_to_reference",
    "domain_classifier",
    "pca_reconstruction",
    "rows_frame",
]

# Window values are clipped this many reference ranges beyond the reference's min and max.
CLIP_SPANS = 10.0
# The least rise of the mean reconstruction error that counts as drift (0.1: +10 %); one
# source with the setting [monitor] pca_min_increase.
PCA_MIN_INCREASE: float = MonitorConfig.model_fields["pca_min_increase"].default


def rows_frame(rows: RowSample, features: list[Feature]) -> pd.DataFrame:
    return pd.DataFrame({f.name: rows.columns[f.name] for f in features})


def _split(features: list[Feature]) -> tuple[list[str], list[str]]:
    numeric = [f.name for f in features if f.kind is FeatureKind.NUMERIC]
    categorical = [f.name for f in features if f.kind is FeatureKind.CATEGORICAL]
    return numeric, categorical


def _classifier(features: list[Feature], seed: int) -> Pipeline:
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OrdinalEncoder

    numeric, categorical = _split(features)
    encode = ColumnTransformer(
        [
            ("numeric", "passthrough", numeric),
            # HGB's native categorical support needs codes < 255: keep the 200 most frequent.
            ("categorical", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1,
                                           encoded_missing_value=-1, max_categories=200),
             categorical),
        ],
        verbose_feature_names_out=False,
    )  # fmt: skip
    mask = [False] * len(numeric) + [True] * len(categorical)
    model = HistGradientBoostingClassifier(
        max_iter=50, learning_rate=0.1, max_leaf_nodes=15, categorical_features=mask or None,
        random_state=seed,
    )  # fmt: skip
    return make_pipeline(encode, model)


def clip_to_reference(
    reference: pd.DataFrame,
    window: pd.DataFrame,
    features: list[Feature],
    spans: float = CLIP_SPANS,
) -> pd.DataFrame:
    """``window`` with each numeric feature clipped to the reference's ``[min, max]`` widened
    by ``spans`` reference ranges on each side (see :func:`~driftlab.monitor.quality.extreme_bounds`).

    >>> f = [Feature(name="x", kind="numeric")]
    >>> clip_to_reference(pd.DataFrame({"x": [0.0, 1.0]}), pd.DataFrame({"x": [0.5, 1e308, -1e308, None]}), f)["x"].tolist()
    [0.5, 11.0, -10.0, nan]
    """  # noqa: E501
    out = window.copy()
    for name in _split(features)[0]:
        ref = pd.to_numeric(reference[name], errors="coerce").to_numpy(dtype="float64")
        ref = ref[np.isfinite(ref)]
        if ref.size == 0:
            continue
        lower, upper = extreme_bounds(float(ref.min()), float(ref.max()), spans)
        values = pd.to_numeric(out[name], errors="coerce").astype("float64")
        out[name] = values.clip(lower, upper)
    return out


def _as_model_frame(frame: pd.DataFrame, features: list[Feature]) -> pd.DataFrame:
    out = frame.copy()
    for f in features:
        if f.kind is FeatureKind.CATEGORICAL:
            out[f.name] = out[f.name].astype(object).where(out[f.name].notna(), None)
        else:
            out[f.name] = pd.to_numeric(out[f.name], errors="coerce").astype("float64")
    return out


def domain_classifier(
    reference: pd.DataFrame,
    window: pd.DataFrame,
    features: list[Feature],
    *,
    alpha: float = 0.05,
    min_auc: float = 0.6,
    folds: int = 5,
    seed: int = 0,
) -> MultivariateDrift:
    """Can a classifier tell ``window`` rows from ``reference`` rows? See the module doc."""
    from scipy import stats
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    names = [f.name for f in features]
    window = clip_to_reference(reference, window[names], features)
    x = _as_model_frame(pd.concat([reference[names], window], ignore_index=True), features)
    y = np.r_[np.zeros(len(reference), dtype=int), np.ones(len(window), dtype=int)]
    if min(len(reference), len(window)) < 2 * folds:
        return MultivariateDrift("domain_classifier", 0.5, min_auc, 1.0, False,
                                 "Too few rows for the domain classifier.")  # fmt: skip
    scores = np.empty(len(y))
    cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
    last_model, last_val = None, None
    # A few thousand rows: one thread is fastest, and OpenMP threads spinning against other
    # busy processes (a server, another job) slowed these fits 30-fold in our tests.
    with threadpool_limits(limits=1):
        for train, val in cv.split(x, y):
            model = _classifier(features, seed).fit(x.iloc[train], y[train])
            scores[val] = model.predict_proba(x.iloc[val])[:, 1]
            last_model, last_val = model, val
    auc = float(roc_auc_score(y, scores))
    p = float(stats.mannwhitneyu(scores[y == 1], scores[y == 0], alternative="greater").pvalue)
    drifted = bool(p < alpha and auc >= min_auc)
    top: list[dict[str, float]] = []
    if drifted and last_model is not None and last_val is not None:
        with threadpool_limits(limits=1):
            mean = auc_permutation_importance(
                last_model, x.iloc[last_val], y[last_val], n_repeats=3, seed=seed
            )
        order = np.argsort(-mean)[:5]
        top = [{"feature": names[i], "importance": float(mean[i])}
               for i in order if mean[i] > 0.01]  # fmt: skip
    if drifted:
        names_txt = ", ".join(t["feature"] for t in top[:3]) or "no single feature"
        message = (
            f"Multivariate drift detected: a classifier tells this window from the training data "
            f"(ROC AUC {auc:.2f}, {p_value(p)}); features separating them most: {names_txt}."
        )
    else:
        message = (
            f"No multivariate drift: a classifier cannot tell this window from the training "
            f"data (ROC AUC {auc:.2f}, {p_value(p)})."
        )
    return MultivariateDrift("domain_classifier", auc, min_auc, p, drifted, message,
                             {"top_features": top, "n_reference": len(reference),
                              "n_window": len(window)})  # fmt: skip


def _reconstruction_pipeline(features: list[Feature], variance: float, n_fit: int) -> Pipeline:
    from sklearn.compose import ColumnTransformer
    from sklearn.decomposition import PCA
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, QuantileTransformer, StandardScaler

    numeric, categorical = _split(features)
    # Ranks mapped to normal scores, fitted on the reference: a heavy-tailed or skewed feature
    # (billing amounts) would otherwise give a few rows huge errors, whose mean jumps from
    # window to window with no drift at all. Scaled again because a discrete feature's scores
    # are not unit-variance.
    quantiles = QuantileTransformer(
        n_quantiles=max(2, min(1000, n_fit)), output_distribution="normal", random_state=0
    )
    prep = ColumnTransformer(
        [
            ("numeric", make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True),
                                      quantiles, StandardScaler()), numeric),
            ("categorical", make_pipeline(
                SimpleImputer(strategy="constant", fill_value="(missing)"),
                OneHotEncoder(handle_unknown="infrequent_if_exist", max_categories=20,
                              sparse_output=False)), categorical),
        ]
    )  # fmt: skip
    return Pipeline([("prep", prep), ("pca", PCA(n_components=variance, svd_solver="full"))])


def _errors(pipe: Pipeline, frame: pd.DataFrame) -> np.ndarray:
    z = pipe.named_steps["prep"].transform(frame)
    back = pipe.named_steps["pca"].inverse_transform(pipe.named_steps["pca"].transform(z))
    return np.sqrt(((z - back) ** 2).sum(axis=1))


def pca_reconstruction(
    reference: pd.DataFrame,
    window: pd.DataFrame,
    features: list[Feature],
    *,
    variance: float = 0.65,
    alpha: float = 0.025,
    min_increase: float = PCA_MIN_INCREASE,
) -> MultivariateDrift:
    """Do the window's rows reconstruct worse than the reference's? See the module doc."""
    from scipy import stats

    ref = _as_model_frame(reference[[f.name for f in features]], features)
    win = _as_model_frame(clip_to_reference(reference, window[[f.name for f in features]],
                                            features), features)  # fmt: skip
    if len(ref) < 40 or len(win) < 10:
        return MultivariateDrift("pca_reconstruction", 0.0, 0.0, None, False,
                                 "Too few rows for PCA reconstruction error.")  # fmt: skip
    cat_cols = [f.name for f in features if f.kind is FeatureKind.CATEGORICAL]
    ref[cat_cols] = ref[cat_cols].astype(object).where(ref[cat_cols].notna(), np.nan)
    win[cat_cols] = win[cat_cols].astype(object).where(win[cat_cols].notna(), np.nan)
    # Fit on half the reference and measure the reference's errors on the other half:
    # in-sample errors are optimistically low and would make any new sample look drifted.
    fit_rows, band_rows = ref.iloc[0::2], ref.iloc[1::2]
    pipe = _reconstruction_pipeline(features, variance, len(fit_rows)).fit(fit_rows)
    band = _errors(pipe, band_rows)
    win_errors = _errors(pipe, win)
    centre, error = float(band.mean()), float(win_errors.mean())
    # Given the fitted PCA, reference and window errors are independent draws of one
    # distribution when nothing changed, so the rank test holds its level whatever the
    # errors' shape and the window's size; one-sided, because a *lower* error is no drift.
    p = float(stats.mannwhitneyu(win_errors, band, alternative="greater").pvalue)
    increase = error / centre - 1.0 if centre > 0 else 0.0
    drifted = bool(p < alpha and increase >= min_increase)
    compared = f"PCA reconstruction error {num(error)} vs {num(centre)} on training data"
    if drifted:
        message = (
            f"Multivariate drift detected: rows fit the training data's joint structure worse; "
            f"{compared} ({pct(increase)}, drift from {pct(min_increase)}), Mann–Whitney "
            f"{p_value(p)} (level {alpha:g})."
        )
    elif increase < 0:
        message = (
            f"No multivariate drift: {compared} ({pct(increase)}); a lower error means the "
            f"rows fit the training data's joint structure at least as well."
        )
    else:
        message = (
            f"No multivariate drift: {compared} ({pct(increase)}; drift needs a rise of "
            f"{pct(min_increase)} or more and Mann–Whitney p < {alpha:g}; {p_value(p)})."
        )
    details = {"reference_error": centre, "increase": increase, "min_increase": min_increase,
               "alpha": alpha, "n_reference": len(band), "n_window": len(win_errors),
               "components": int(pipe.named_steps["pca"].n_components_)}  # fmt: skip
    return MultivariateDrift("pca_reconstruction", error, centre * (1.0 + min_increase), p,
                             drifted, message, details)  # fmt: skip
