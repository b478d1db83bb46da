"""The verdict of a window known as a merged :class:`~driftlab.monitor.partial.WindowPart`.

The same checks as :func:`~driftlab.monitor.run.monitor_window`, decided by the same code:
:func:`monitor_window` runs on the part's row sample, and then what the exact merged counts
can give replaces what the sample gave:

- exact over every row: the row count and time span, data drift (the merged window profile),
  prediction drift (the merged outputs profile), multivariate drift (the profile's row sample,
  the same rows the in-process run uses), extreme values, and realized performance: the
  labeled count, coverage, accuracy, precision, recall, F1, log loss, the regression errors
  and R², and the confusion matrix;
- from the row sample (``spark.sample_rows`` rows, a uniform sample): ROC AUC and the
  bootstrap interval of the primary metric (so with a sample smaller than the labeled rows
  the interval is wider than the whole window's: a conservative verdict), the label lag,
  service latency percentiles, concept drift (in label order), estimated performance, fairness and
  compliance.

When the sample holds every row, the result equals :func:`monitor_window` on the whole window.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from driftlab.formatting import num
from driftlab.metrics import weighted as wm
from driftlab.model import ModelBundle, ModelInfo
from driftlab.monitor.dataset import dataset_drift
from driftlab.monitor.findings import conclude
from driftlab.monitor.partial import LabelCounts, WindowPart
from driftlab.monitor.performance import (
    _breakdown,
    _label_lag,
    _score,
    bootstrap_interval,
    judge_performance,
    usable_labels,
)
from driftlab.monitor.quality import EXTREME_SHARE, EXTREME_SPANS, extreme_values
from driftlab.monitor.result import (
    DataQuality,
    MonitoringResult,
    PerformanceResult,
    ServiceHealth,
)
from driftlab.monitor.run import (
    _Isolation,
    _multivariate,
    _output_drift,
    monitor_window,
    policy_for,
)
from driftlab.monitor.settings import MonitorSettings
from driftlab.profile import NumericProfile

__all__ = ["counted_metrics", "monitor_part"]

# Checks whose sample result is replaced by the exact one here.
_EXACT = {"data_drift", "prediction_drift", "multivariate", "data_quality", "performance"}


def counted_metrics(counts: LabelCounts, info: ModelInfo) -> dict[str, float]:
    """The realized metrics that exact counts give (all but ROC AUC), as
    :func:`~driftlab.metrics.classification_metrics` and ``regression_metrics`` name them."""
    n = counts.n
    if not info.task.is_classification:
        out = {"mse": counts.sse / n, "mae": counts.sae / n, "mape": counts.sape / n}
        out["rmse"] = math.sqrt(out["mse"])
        if n > 1 and counts.y_max > counts.y_min:  # R² is undefined on a constant target
            out["r2"] = 1.0 - counts.sse / counts.y_m2
        return out
    assert counts.confusion is not None
    c = len(info.classes)
    # One pseudo-row per confusion cell, weighted by its count: the weighted kernels then
    # score the whole window exactly (the last predicted column is "none of the classes").
    t, p = np.divmod(np.arange(c * (c + 1)), c + 1)
    p = np.where(p == c, -1, p)
    w = counts.confusion.ravel().astype(np.float64)
    positive = info.classes.index(info.positive_class or info.classes[1]) if c == 2 else None
    out = {"accuracy": float(wm.accuracy(t, p, w))}
    for name, fn in (("precision", wm.precision), ("recall", wm.recall), ("f1", wm.f1)):
        out[name] = float(fn(t, p, w, n_classes=c, positive=positive))
    if counts.loss_sum is not None and c == 2:
        out["log_loss"] = counts.loss_sum / n
    return out


def _counted_breakdown(counts: LabelCounts, info: ModelInfo) -> dict[str, object]:
    assert counts.confusion is not None
    c = len(info.classes)
    t, p = np.divmod(np.arange(c * (c + 1)), c + 1)
    p = np.where(p == c, -1, p)
    w = counts.confusion.ravel().astype(np.float64)
    per_class = {
        cls: {
            "precision": float(wm.precision(t, p, w, n_classes=c, positive=i)),
            "recall": float(wm.recall(t, p, w, n_classes=c, positive=i)),
            "f1": float(wm.f1(t, p, w, n_classes=c, positive=i)),
            "support": int(counts.confusion[i].sum()),
        }
        for i, cls in enumerate(info.classes)
    }
    return {"labels": list(info.classes), "confusion_matrix": counts.confusion[:, :c].tolist(),
            "per_class": per_class}  # fmt: skip


def _performance(
    part: WindowPart, bundle: ModelBundle, settings: MonitorSettings
) -> PerformanceResult:
    info, cfg = bundle.info, settings.monitor
    sample = usable_labels(part.sample_frame(), info)

    def score() -> dict[str, float]:
        metrics = counted_metrics(part.labels, info)
        if info.task.is_classification and part.labels.confusion is not None:
            # ROC AUC needs every score's rank: the sample's value.
            auc = _score(sample, info).get("roc_auc") if len(sample) else None
            if auc is not None:
                metrics["roc_auc"] = auc
        return metrics

    n = part.labels.n
    return judge_performance(
        n,
        score,
        info,
        primary_metric=settings.primary_metric,
        min_labels=cfg.min_labels,
        max_drop=cfg.max_metric_drop,
        floor=cfg.metric_floor,
        interval=lambda: bootstrap_interval(sample, info, settings.primary_metric),
        breakdown=lambda: _counted_breakdown(part.labels, info)
        if info.task.is_classification else _breakdown(sample, info),
        coverage=n / part.n_rows if part.n_rows else 0.0,
        label_lag=_label_lag(sample) if len(sample) else {},
    )  # fmt: skip


def _quality(
    part: WindowPart,
    bundle: ModelBundle,
    sampled: DataQuality | None,
    spans: float = EXTREME_SPANS,
    min_share: float = EXTREME_SHARE,
) -> DataQuality:
    """Extreme values exact from the parts. The other data-quality problems (out of range,
    text, new categories, missing jumps, duplicates) are the row sample's: exact when the
    sample holds the whole window, counted on the sample otherwise (a part does not carry a
    :class:`~driftlab.monitor.quality.QualityTally` yet)."""
    extreme = []
    for f in bundle.info.monitored_features:
        e = part.extreme.get(f.name)
        ref = bundle.reference.features.get(f.name)
        if e is None or not isinstance(ref, NumericProfile):
            continue
        examples = np.asarray(e.examples, dtype=np.float64)
        extreme.append(extreme_values(f.name, e.n, examples, ref, part.n_rows, spans))
    return DataQuality(extreme, spans, min_share, sampled.issues if sampled else [])


def _service(part: WindowPart, sampled: ServiceHealth | None) -> ServiceHealth | None:
    """The sample's latency percentiles, with the whole window's row count and throughput."""
    if sampled is None or part.ts_min is None or part.ts_max is None:
        return sampled
    span = (part.ts_max - part.ts_min).total_seconds()
    throughput = part.n_rows / span if span > 0 else 0.0
    # The message says the throughput in the formatting service_health used for the sample's.
    message = sampled.message.replace(
        f"{num(sampled.throughput_per_s)} predictions/s", f"{num(throughput)} predictions/s"
    )
    return replace(sampled, n=part.n_rows, throughput_per_s=throughput, message=message)


def monitor_part(
    part: WindowPart, bundle: ModelBundle, settings: MonitorSettings
) -> MonitoringResult:
    """The monitoring result of the window ``part`` summarizes (see the module docstring).

    Service health gets no error counts: a table holds no error answers.
    """
    cfg = settings.monitor
    sampled = monitor_window(part.sample_frame(), bundle, settings)
    exact = {
        "n_rows": part.n_rows,
        "window_start": None if part.ts_min is None else part.ts_min.isoformat(),
        "window_end": None if part.ts_max is None else part.ts_max.isoformat(),
    }
    if sampled.status == "insufficient_data":  # the sample holds every row: nothing to replace
        return replace(sampled, **exact)
    monitored = bundle.info.monitored_features
    policy = policy_for(settings, monitored, bundle.info.extra.get("effect_thresholds"))
    checks = _Isolation()
    drift = checks.run("data_drift", lambda: dataset_drift(bundle.reference, part.profile, policy),
                       None)  # fmt: skip
    outputs = (
        checks.run("prediction_drift", lambda: _output_drift(bundle.outputs, part.outputs, policy),
                   None)
        if bundle.outputs is not None and part.outputs is not None and not part.outputs_missing
        else None
    )  # fmt: skip
    multivariate = (
        checks.run("multivariate",
                   lambda: _multivariate(bundle, part.profile, monitored, cfg),
                   [])
        if cfg.multivariate else []
    )  # fmt: skip
    quality = checks.run("data_quality", lambda: _quality(part, bundle, sampled.data_quality), None)
    performance = checks.run("performance", lambda: _performance(part, bundle, settings), None)
    result = replace(
        sampled,
        **exact,
        features=drift.features if drift else [],
        drift_share=drift.share if drift else 0.0,
        drifted_features=drift.drifted if drift else [],
        prediction_drift=outputs,
        multivariate=multivariate,
        data_quality=quality,
        performance=performance,
        service=_service(part, sampled.service),
        check_errors=[e for e in sampled.check_errors if e.check not in _EXACT] + checks.errors,
    )
    return conclude(result)
