"""``[monitor]``, ``[fairness]`` and ``[compliance]``: how a window of predictions is judged."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from driftlab.config._base import Strict

__all__ = ["ComplianceConfig", "FairnessConfig", "MonitorConfig"]


_SHARE = Annotated[float, Field(gt=0, lt=1)]


class MonitorConfig(Strict):
    """``[monitor]``: drift, performance, concept drift and service health of a window."""

    alpha: Annotated[float, Field(gt=0, lt=1)] = Field(
        0.05, description="significance level after correction"
    )
    correction: Literal["bh", "bonferroni", "none"] = Field(
        "bh", description="`bh` (Benjamini–Hochberg), `bonferroni` or `none`"
    )
    numeric_test: str = Field(
        "ks", description="test for numeric features (any catalogue entry for numeric)"
    )
    categorical_test: str = Field("chi2", description="test for categorical features")
    effect: str = Field("psi", description="effect-size statistic that gates every verdict")
    min_effect: Annotated[float, Field(ge=0)] = Field(
        0.1, description="minimum effect size for a significant change to count as drift"
    )
    multivariate: bool = Field(
        True,
        description="run the domain classifier and PCA reconstruction on the row samples",
    )
    # Fit per-feature effect thresholds on reference windows of last_n rows at training time.
    fit_thresholds: bool = Field(
        False,
        description="at training, fit each feature's `min_effect` on reference windows of "
        "`last_n` rows (mean + `threshold_k`·σ); the configured minimum stays a floor",
    )
    threshold_k: Annotated[float, Field(gt=0)] = Field(
        3.0, description="σ multiplier for fitted thresholds"
    )
    min_auc: Annotated[float, Field(gt=0.5, lt=1)] = Field(
        0.6,
        description="domain classifier: ROC AUC needed (with p < `alpha`/2) for multivariate drift",
    )
    pca_min_increase: Annotated[float, Field(ge=0)] = Field(
        0.1,
        description="PCA reconstruction: relative rise of the mean error needed (with "
        "Mann–Whitney p < `alpha`/2) for multivariate drift; 0.1 is +10 %",
    )
    min_rows: Annotated[int, Field(ge=1)] = Field(
        100, description="fewer rows in the window → `insufficient_data`, no drift verdict"
    )
    min_labels: Annotated[int, Field(ge=1)] = Field(
        30, description="fewer labeled rows → `insufficient_labels`, no performance verdict"
    )
    metric: str | None = Field(
        None,
        description="the metric for performance alerts; unset: `roc_auc` (binary), `f1` "
        "(multiclass, macro), `r2` (regression)",
    )
    max_metric_drop: Annotated[float, Field(ge=0)] = Field(
        0.05,
        description="allowed fall of the primary metric below its training-holdout value",
    )
    metric_floor: float | None = Field(
        None,
        description="absolute limit for `metric` (a ceiling for `mse`, `rmse`, `mae`, `mape`, "
        "`log_loss`): quality is degraded when the window's 95 % interval lies beyond it",
    )
    max_p99_latency_ms: Annotated[float, Field(gt=0)] | None = Field(
        None,
        description="latency SLO: a window whose logged p99 latency is above it raises a "
        "`service` alert",
    )
    max_error_rate: Annotated[float, Field(gt=0, lt=1)] | None = Field(
        None,
        description="error SLO: share of 5xx answers in the window above which a `service` "
        "alert is raised",
    )
    # River change detector over per-prediction errors in label order (see monitor/concept.py).
    concept_detector: Literal["adwin", "ddm", "eddm", "page_hinkley", "none"] = Field(
        "adwin",
        description="River change detector over per-prediction errors in label order: "
        "`adwin`, `ddm`, `eddm` (classification only), `page_hinkley`, or `none`",
    )
    bins: Annotated[int, Field(ge=2, le=1000)] = Field(
        10,
        description="numeric bins from reference quantiles; frozen into the reference **at "
        "training time**",
    )
    sample_size: Annotated[int, Field(ge=10)] = Field(
        2000,
        description="size of the uniform sample per numeric feature; also frozen at training "
        "time for the reference",
    )
    last_n: Annotated[int, Field(ge=1)] = Field(
        1000, description="default window for `driftlab monitor`"
    )
    max_rows_in_memory: Annotated[int, Field(ge=1000)] = Field(
        150_000,
        description="`driftlab monitor` streams the window from the store; up to this many "
        "rows it holds them all and every check is exact. A larger window keeps a uniform "
        "sample of this many rows for the checks that need rows (multivariate, concept drift, "
        "estimated performance, data quality, fairness, compliance, bootstrap intervals, "
        "latency percentiles; the result's `sampled` says which), while drift, counts and "
        "realized metrics stay exact over every row",
    )
    # Data-quality findings (driftlab.monitor.quality): a share floor so that one stray record
    # is shown but pages nobody, and a test so that a large window's chance excess does not.
    quality_min_share: _SHARE = Field(
        0.01,
        description="data quality: a problem (out-of-range, extreme, unparsable, new-category or "
        "duplicate rows) is a finding from this share of the window's rows; fewer are counted "
        "and shown",
    )
    quality_alpha: Annotated[float, Field(gt=0, lt=1)] = Field(
        0.001,
        description="data quality: significance of the one-sided tests behind out-of-range "
        "values, new categories, missing-share jumps and label drift",
    )
    range_margin: Annotated[float, Field(ge=0)] = Field(
        0.05,
        description="data quality: a value is out of range beyond the training minimum or "
        "maximum by more than this fraction of the training range",
    )
    missing_jump: _SHARE = Field(
        0.05,
        description="data quality: a feature's missing share must rise by at least this much "
        "(0.05 = 5 points) over the training share, and significantly, to be a finding",
    )
    label_min_shift: _SHARE = Field(
        0.05,
        description="label drift: the total variation distance between the labels' "
        "distribution in the window and in training must reach this (0.05 = 5 points of "
        "class share), and be significant",
    )


_RATE = Annotated[float, Field(gt=0, lt=1)]


class FairnessConfig(Strict):
    """``[fairness]``: group gaps across every protected attribute (binary models only).

    Fairness checks run for binary classifiers with at least one protected attribute, in every
    `driftlab monitor` run (see [Fairness and compliance
    verdicts](verdicts.md#fairness-and-compliance-verdicts)).
    """

    enabled: bool = Field(True, description="`false` turns the fairness checks off")
    favorable_class: str | None = Field(
        None,
        description="the decision a person wants (credit granted); selection, TPR and FPR "
        "count this class; unset: `data.positive_class`",
    )
    min_group_size: Annotated[int, Field(ge=1)] = Field(
        30,
        description="a group with fewer rows (for TPR: labeled favorable rows; for FPR: "
        "labeled unfavorable rows) gets no verdict: `insufficient data`",
    )
    max_selection_gap: _RATE = Field(
        0.1,
        description="demographic parity difference: largest minus smallest selection rate",
    )
    min_selection_ratio: _RATE = Field(
        0.8,
        description="demographic parity ratio: smallest over largest selection rate (the "
        "four-fifths rule)",
    )
    max_tpr_gap: _RATE = Field(
        0.1,
        description="equal opportunity difference: largest minus smallest true-positive rate",
    )
    max_odds_gap: _RATE = Field(
        0.1,
        description="equalized odds difference: the larger of the TPR gap and the FPR gap",
    )
    alpha: _RATE = Field(
        0.05,
        description="a gap beyond its limit alerts only when the two-proportion z-test between "
        "the two groups gives p < `alpha`",
    )
    max_gap_increase: _RATE | None = Field(
        None,
        description="also alert when a gap widened by more than this since training, even "
        "within its limit: the training gap between the same two groups, and a one-sided test "
        "(Wald, the four proportions) that it widened gives p < `alpha`. Unset: only the "
        "limits decide",
    )
    intersections: list[Annotated[list[str], Field(min_length=2)]] = Field(
        default_factory=list,
        description="combinations of protected attributes judged as one attribute, e.g. "
        '`[["sex", "age"]]` gives `sex & age` with groups like `female & <25` (small ones get '
        "`insufficient data`)",
    )


class ComplianceConfig(Strict):
    """``[compliance]``: reliance on prohibited features and proxies for them."""

    enabled: bool = Field(True, description="`false` turns the compliance checks off")
    prohibited: list[str] = Field(
        default_factory=list,
        description="more feature names the model must not rely on, besides role `prohibited`. "
        "Inputs get a reliance check; other attributes a proxy check. Names must be declared in "
        "`[[features]]`",
    )
    protected_are_prohibited: bool = Field(
        True, description="protected attributes that are not inputs get a proxy check"
    )
    max_reliance: Annotated[float, Field(ge=0, lt=1)] = Field(
        0.05,
        description="share of decisions that may change when a prohibited input is shuffled",
    )
    max_reliance_increase: Annotated[float, Field(ge=0, lt=1)] = Field(
        0.05, description="allowed rise of that share over its training value"
    )
    max_proxy_auc: Annotated[float, Field(gt=0.5, le=1)] = Field(
        0.75,
        description="cross-validated ROC AUC above which a prohibited attribute counts as "
        "recoverable from the model's inputs and output",
    )
    max_proxy_increase: Annotated[float, Field(ge=0, lt=0.5)] = Field(
        0.1, description="allowed rise of the proxy AUC over its training value"
    )
    repeats: Annotated[int, Field(ge=1, le=50)] = Field(5, description="shuffles per feature")
    max_rows: Annotated[int, Field(ge=50)] = Field(
        5000,
        description="the checks run on a seeded sample of at most this many window rows",
    )
    seed: int = Field(
        0, description="seed of the sample, the shuffles and the proxy classifier's folds"
    )
