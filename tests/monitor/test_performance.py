"""Realized performance: numbers from scikit-learn, a significance test before 'degraded',
label coverage and lag, and service health from the prediction log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from driftlab.formatting import num
from driftlab.model import ModelBundle
from driftlab.monitor.performance import window_performance
from driftlab.monitor.service import service_health
from driftlab.scenarios.ames import TARGET, AmesScenario

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _window(
    bundle: ModelBundle, frame: pd.DataFrame, flip: float = 0.0, seed: int = 0
) -> pd.DataFrame:
    """A logged window: the model's answers on ``frame``, labels (a share flipped), times."""
    batch = bundle.predict(frame.drop(columns=[TARGET]).to_dict(orient="records"))
    labels = frame[TARGET].to_numpy(dtype=object).copy()
    rng = np.random.default_rng(seed)
    flipped = rng.random(len(labels)) < flip
    labels[flipped] = np.where(labels[flipped] == "high", "low", "high")
    n = len(frame)
    return pd.DataFrame({
        "request_id": [f"r{i}" for i in range(n)],
        "ts": [T0 + timedelta(seconds=i) for i in range(n)],
        "prediction": batch.predictions, "probability": batch.probability,
        "latency_ms": np.linspace(1.0, 100.0, n), "label": labels,
        "label_ts": [T0 + timedelta(seconds=i, hours=2) for i in range(n)],
    })  # fmt: skip


def test_metrics_match_scikit_learn(bundle: ModelBundle, ames: AmesScenario) -> None:
    w = _window(bundle, ames.normal)
    perf = window_performance(
        w, bundle.info, primary_metric="roc_auc", min_labels=30, max_drop=0.05
    )
    y = w["label"].astype(str)
    p_high = np.where(w["prediction"] == "high", w["probability"], 1 - w["probability"])
    assert perf.metrics["accuracy"] == pytest.approx(skm.accuracy_score(y, w["prediction"]))
    assert perf.metrics["f1"] == pytest.approx(skm.f1_score(y, w["prediction"], pos_label="high"))
    assert perf.metrics["roc_auc"] == pytest.approx(skm.roc_auc_score(y == "high", p_high))
    assert (
        perf.interval is not None
        and perf.interval[0] <= perf.metrics["roc_auc"] <= perf.interval[1]
    )
    assert perf.status == "ok" and perf.coverage == 1.0
    assert perf.label_lag == {"median_s": 7200.0, "p90_s": 7200.0}


def test_degraded_needs_a_material_and_significant_drop(
    bundle: ModelBundle, ames: AmesScenario
) -> None:
    bad = _window(bundle, ames.normal, flip=0.35)
    perf = window_performance(
        bad, bundle.info, primary_metric="roc_auc", min_labels=30, max_drop=0.05
    )
    assert perf.status == "degraded" and "95% CI" in perf.message
    assert perf.interval is not None and perf.interval[1] < perf.reference_metrics["roc_auc"]
    # The same drop on a handful of labels is not significant: no verdict of degradation.
    few = _window(bundle, ames.normal.head(40), flip=0.35, seed=3)
    small = window_performance(
        few, bundle.info, primary_metric="accuracy", min_labels=30, max_drop=0.05
    )
    assert small.interval is not None
    assert small.status == (
        "degraded" if small.interval[1] < small.reference_metrics["accuracy"] else "ok"
    )


def test_insufficient_labels_reports_coverage(bundle: ModelBundle, ames: AmesScenario) -> None:
    w = _window(bundle, ames.normal)
    w.loc[w.index[10:], "label"] = None
    perf = window_performance(
        w, bundle.info, primary_metric="roc_auc", min_labels=30, max_drop=0.05
    )
    assert perf.status == "insufficient_labels" and perf.n_labeled == 10
    assert perf.coverage == pytest.approx(10 / len(w))


def test_service_health_percentiles_and_slo(bundle: ModelBundle, ames: AmesScenario) -> None:
    w = _window(bundle, ames.normal)
    ok = service_health(w, max_p99_ms=None)
    assert ok is not None and ok.status == "ok"
    expected = np.percentile(w["latency_ms"], [50, 95, 99])
    assert [ok.latency_ms[k] for k in ("p50", "p95", "p99")] == pytest.approx(list(expected))
    assert ok.throughput_per_s == pytest.approx(len(w) / (len(w) - 1))
    breach = service_health(w, max_p99_ms=50.0)
    assert breach is not None and breach.status == "slo_breach"
    assert breach.message.startswith("Latency SLO breached: p99 99 ms (limit 50 ms).")
    # 3 server errors among len(w) predictions + 3 errors + 7 client errors.
    errs = service_health(w, max_p99_ms=None, errors={"4xx": 7, "5xx": 3}, max_error_rate=0.001)
    assert errs is not None and errs.status == "slo_breach"
    assert errs.error_rates["5xx"] == pytest.approx(3 / (len(w) + 10))
    assert "Error-rate SLO breached" in errs.message
    assert service_health(w.head(0), max_p99_ms=50.0) is None


def test_breakdown_matches_scikit_learn(bundle: ModelBundle, ames: AmesScenario) -> None:
    w = _window(bundle, ames.normal, flip=0.1)
    perf = window_performance(
        w, bundle.info, primary_metric="roc_auc", min_labels=30, max_drop=0.05
    )
    y, pred = w["label"].astype(str), w["prediction"].astype(str)
    assert (
        perf.breakdown["confusion_matrix"]
        == skm.confusion_matrix(y, pred, labels=["high", "low"]).tolist()
    )
    assert perf.breakdown["per_class"]["low"]["recall"] == pytest.approx(
        skm.recall_score(y, pred, pos_label="low")
    )


def test_absolute_floor_needs_the_interval_below_it(
    bundle: ModelBundle, ames: AmesScenario
) -> None:
    w = _window(bundle, ames.normal)
    high_floor = window_performance(w, bundle.info, primary_metric="accuracy", min_labels=30,
                                    max_drop=1.0, floor=0.99)  # fmt: skip
    assert high_floor.status == "degraded" and "below the floor 0.99" in high_floor.message
    low_floor = window_performance(w, bundle.info, primary_metric="accuracy", min_labels=30,
                                   max_drop=1.0, floor=0.5)  # fmt: skip
    assert low_floor.status == "ok"


def test_regression_metrics_match_scikit_learn() -> None:
    from driftlab.metrics import regression_metrics

    rng = np.random.default_rng(0)
    y, p = rng.normal(10, 2, 200), rng.normal(10, 2, 200)
    m = regression_metrics(y, p)
    assert m["rmse"] == pytest.approx(np.sqrt(skm.mean_squared_error(y, p)))
    assert m["mape"] == pytest.approx(skm.mean_absolute_percentage_error(y, p))
    assert m["r2"] == pytest.approx(skm.r2_score(y, p))


@pytest.mark.parametrize(
    ("rows", "flip", "seed"), [(None, 0.0, 0), (None, 0.35, 0), (40, 0.35, 3), (40, 0.0, 1)]
)
def test_the_verdict_sentence_matches_its_numbers(
    bundle: ModelBundle, ames: AmesScenario, rows: int | None, flip: float, seed: int
) -> None:
    """A drop beyond the limit that the interval does not yet support is "may have dropped",
    never "is stable"; a significant rise is "improved"."""
    frame = ames.normal if rows is None else ames.normal.head(rows)
    perf = window_performance(
        _window(bundle, frame, flip=flip, seed=seed), bundle.info, primary_metric="accuracy",
        min_labels=30, max_drop=0.05,
    )  # fmt: skip
    assert perf.interval is not None
    now, before, (lo, hi) = (
        perf.metrics["accuracy"],
        perf.reference_metrics["accuracy"],
        perf.interval,
    )
    beyond = before - now > 0.05
    verb = (
        "dropped" if beyond and hi < before
        else "may have dropped (not significant yet)" if beyond
        else "improved" if lo > before
        else "is stable"
    )  # fmt: skip
    limit = " (limit: a drop of 0.05)" if beyond else ""
    assert perf.message == (
        f"Model performance {verb}: accuracy {num(now)} (95% CI {num(lo)}–{num(hi)}) on "
        f"{len(frame)} labeled predictions vs {num(before)} on the training holdout{limit}."
    )
    assert (perf.status == "degraded") == (verb == "dropped")
