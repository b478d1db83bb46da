"""A monitoring window streamed in chunks: the same result as the whole table up to the row
cap, exact counts and realized metrics beyond it, and memory that does not grow with it."""

from __future__ import annotations

import gc
import os
import tracemalloc
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from driftlab.config import Project, Task
from driftlab.model import ModelBundle
from driftlab.monitor import MonitoringResult, monitor_chunks, monitor_window
from driftlab.monitor.settings import MonitorSettings
from driftlab.monitor.tally import ClassTally, RegressionTally, ScoreCounts
from driftlab.scenarios.ames import AmesScenario
from driftlab.store import PredictionRecord, Store
from tests.conftest import POSTGRES_ENV, _store_params, postgres_schema
from tests.monitor.test_run import _logged

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _comparable(result: MonitoringResult) -> dict[str, Any]:
    d = result.to_dict()
    d.pop("created_at")
    return d


def _repeat(logged: pd.DataFrame, times: int) -> pd.DataFrame:
    """``times`` copies of a logged window, back to back, each row its own request."""
    parts = []
    n = len(logged)
    for k in range(times):
        part = logged.copy()
        part["request_id"] = [f"r{k * n + i:07d}" for i in range(n)]
        part["ts"] = [T0 + timedelta(seconds=k * n + i) for i in range(n)]
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _records(frame: pd.DataFrame, features: list[str]) -> list[PredictionRecord]:
    return [
        PredictionRecord(
            request_id=r["request_id"], ts=r["ts"], model_name="ames", model_version="1",
            features={f: (None if pd.isna(r[f]) else r[f]) for f in features},
            prediction=r["prediction"], probability=float(r["probability"]), latency_ms=2.0,
        )
        for r in frame.to_dict("records")
    ]  # fmt: skip


@pytest.fixture(params=_store_params())
def sql_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    from driftlab.store.sql import SqlStore

    if request.param == "sqlite":
        s = SqlStore(f"sqlite:///{tmp_path / 'store.db'}")
        yield s
        s.close()
        return
    with postgres_schema(os.environ[POSTGRES_ENV]) as url:
        s = SqlStore(url)
        yield s
        s.close()


def test_a_window_under_the_cap_streamed_from_the_store_is_the_whole_window(
    sql_store: Store, project: Project, bundle: ModelBundle, ames: AmesScenario
) -> None:
    logged = _logged(bundle, ames, ames.normal, flip_after=len(ames.normal) // 2)
    features = [f.name for f in bundle.info.input_features]
    sql_store.log_predictions(_records(logged, features))
    from driftlab.store import LabelRecord

    sql_store.add_labels(
        [LabelRecord(r["request_id"], str(r["label"]), T0) for r in logged.to_dict("records")]
    )
    settings = MonitorSettings.of(project)
    span = sql_store.window_span("ames", last_n=len(logged))
    pages = list(sql_store.iter_window("ames", chunk_rows=37, span=span))
    assert len(pages) > 5 and max(len(p) for p in pages) == 37
    streamed = monitor_chunks(iter(pages), bundle, settings, max_rows=len(logged))
    whole = monitor_window(sql_store.read_window("ames"), bundle, settings)
    assert streamed.sampled is None and streamed.concept is not None
    assert _comparable(streamed) == _comparable(whole)


def test_above_the_cap_counts_and_realized_metrics_are_exact(
    project: Project, bundle: ModelBundle, ames: AmesScenario
) -> None:
    window = _repeat(_logged(bundle, ames, ames.normal, flip_after=None), 6)
    # Unlabel a third of the rows, so coverage is not trivially 1.
    window.loc[window.index % 3 == 0, ["label", "label_ts"]] = None
    settings = MonitorSettings.of(project)
    cap = 1000
    chunks = (window.iloc[i : i + 700] for i in range(0, len(window), 700))
    result = monitor_chunks(chunks, bundle, settings, max_rows=cap)
    whole = monitor_window(window, bundle, settings)
    assert result.n_rows == len(window) == whole.n_rows
    assert result.sampled is not None and result.sampled["n_sampled"] == cap
    assert {"concept_drift", "performance_interval", "service_latency"} <= set(
        result.sampled["checks"]
    )
    # Drift over every row: the same verdicts and statistics as the whole table.
    assert [(f.feature, f.drifted) for f in result.features] == [
        (f.feature, f.drifted) for f in whole.features
    ]
    for a, b in zip(result.features, whole.features, strict=True):
        assert a.statistic == pytest.approx(b.statistic, rel=1e-9, abs=1e-12)
        assert a.p_value == pytest.approx(b.p_value, rel=1e-6, abs=1e-12)
    assert result.prediction_drift is not None and whole.prediction_drift is not None
    assert result.prediction_drift.statistic == pytest.approx(whole.prediction_drift.statistic)
    # Realized performance over every labeled row, against scikit-learn.
    labeled = window[window["label"].notna()]
    yt, yp = labeled["label"].astype(str), labeled["prediction"].astype(str)
    pos = bundle.info.positive_class
    p_pos = np.where(yp == pos, labeled["probability"], 1 - labeled["probability"])
    perf = result.performance
    assert perf is not None and perf.n_labeled == len(labeled)
    assert perf.coverage == pytest.approx(len(labeled) / len(window))
    m = perf.metrics
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(yt, yp), rel=1e-12)
    assert m["precision"] == pytest.approx(skm.precision_score(yt, yp, pos_label=pos), rel=1e-12)
    assert m["recall"] == pytest.approx(skm.recall_score(yt, yp, pos_label=pos), rel=1e-12)
    assert m["f1"] == pytest.approx(skm.f1_score(yt, yp, pos_label=pos), rel=1e-12)
    classes = bundle.info.classes
    proba = np.column_stack([p_pos if c == pos else 1 - p_pos for c in classes])
    assert m["log_loss"] == pytest.approx(skm.log_loss(yt, proba, labels=classes), rel=1e-9)
    assert m["roc_auc"] == pytest.approx(skm.roc_auc_score(yt == pos, p_pos), rel=1e-12)
    assert (
        perf.breakdown["confusion_matrix"] == skm.confusion_matrix(yt, yp, labels=classes).tolist()
    )
    assert "uniform sample of" in perf.message
    assert result.service is not None and result.service.n == len(window)
    assert result.service.throughput_per_s == pytest.approx(whole.service.throughput_per_s)  # type: ignore[union-attr]
    assert MonitoringResult.from_dict(result.to_dict()) == result
    from rich.console import Console

    from driftlab.cli.render import print_result

    console = Console(record=True, width=200)
    print_result(console, result)
    text = console.export_text()
    assert f"over all {len(window)} predictions" in text and f"uniform sample of {cap}" in text


def _class_frame(rng: np.random.Generator, n: int, classes: list[str]) -> pd.DataFrame:
    label = rng.choice(classes, n)
    pred = np.where(rng.random(n) < 0.7, label, rng.choice(classes, n))
    return pd.DataFrame({"label": label, "prediction": pred,
                         "probability": rng.uniform(0.34, 1.0, n)})  # fmt: skip


@pytest.mark.parametrize("chunk", [1, 333, 5000])
def test_the_class_tally_matches_scikit_learn(bundle: ModelBundle, chunk: int) -> None:
    info = bundle.info
    rng = np.random.default_rng(7)
    frame = _class_frame(rng, 5000, list(info.classes))
    frame.loc[:4, "prediction"] = "neither"  # a prediction outside the classes
    tally = ClassTally(info)
    for i in range(0, len(frame), chunk):
        part = frame.iloc[i : i + chunk]
        tally.add(part, part)
    got = tally.counted().metrics
    yt, yp, pos = frame["label"], frame["prediction"], info.positive_class
    p_pos = np.where(yp == pos, frame["probability"], 1 - frame["probability"])
    assert got["accuracy"] == pytest.approx(skm.accuracy_score(yt, yp))
    # The positive class's scores (labels=[pos]: a third value among the predictions).
    one = {"labels": [pos], "average": "micro"}
    assert got["f1"] == pytest.approx(skm.f1_score(yt, yp, **one))
    assert got["precision"] == pytest.approx(skm.precision_score(yt, yp, **one))
    assert got["recall"] == pytest.approx(skm.recall_score(yt, yp, **one))
    assert got["roc_auc"] == pytest.approx(skm.roc_auc_score(yt == pos, p_pos), rel=1e-12)
    assert tally.auc_error_bound() == 0.0


def test_roc_auc_beyond_the_distinct_scores_kept_is_within_its_bound() -> None:
    rng = np.random.default_rng(11)
    y = rng.random(20_000) < 0.3
    # Scores crowding near 1, as a confident model's do, and some exact ties.
    p = np.clip(1 - np.exp(-rng.gamma(2 + 3 * y, 2.0)), 0, 1).round(9)
    counts = ScoreCounts(max_scores=4096)
    for i in range(0, len(y), 3000):
        counts.add(p[i : i + 3000], y[i : i + 3000])
    exact = skm.roc_auc_score(y, p)
    assert counts.binned and counts.scores.size <= 4096
    assert 0 < counts.error_bound() < 0.01
    assert abs(counts.roc_auc() - exact) <= counts.error_bound()  # type: ignore[operator]
    assert abs(counts.roc_auc() - exact) < 1e-3  # type: ignore[operator]


def test_the_multiclass_and_regression_tallies_match_scikit_learn(bundle: ModelBundle) -> None:
    classes = ["a", "b", "c"]
    info = replace(bundle.info, task=Task("multiclass"), classes=classes, positive_class=None)
    frame = _class_frame(np.random.default_rng(3), 3000, classes)
    tally = ClassTally(info)
    for i in range(0, 3000, 700):
        tally.add(frame.iloc[i : i + 700], frame.iloc[i : i + 700])
    counted = tally.counted()
    yt, yp = frame["label"], frame["prediction"]
    for name, fn in [("precision", skm.precision_score), ("recall", skm.recall_score),
                     ("f1", skm.f1_score)]:  # fmt: skip
        assert counted.metrics[name] == pytest.approx(fn(yt, yp, average="macro", labels=classes))
    assert "roc_auc" not in counted.metrics and "log_loss" not in counted.metrics
    per = skm.precision_recall_fscore_support(yt, yp, labels=classes, zero_division=0)
    assert [counted.breakdown["per_class"][c]["recall"] for c in classes] == pytest.approx(per[1])

    rng = np.random.default_rng(5)
    t = rng.normal(1e6, 10.0, 4000)  # far from zero: a naive sum of squares loses R²
    p = t + rng.normal(0, 3.0, 4000)
    reg = RegressionTally()
    for i in range(0, 4000, 900):
        part = pd.DataFrame({"label": t[i : i + 900], "prediction": p[i : i + 900]})
        reg.add(part, part)
    got = reg.counted().metrics
    assert got["mse"] == pytest.approx(skm.mean_squared_error(t, p), rel=1e-9)
    assert got["mae"] == pytest.approx(skm.mean_absolute_error(t, p), rel=1e-9)
    assert got["mape"] == pytest.approx(skm.mean_absolute_percentage_error(t, p), rel=1e-9)
    assert got["r2"] == pytest.approx(skm.r2_score(t, p), rel=1e-9)


def _peak_bytes(logged: pd.DataFrame, times: int, bundle: ModelBundle, project: Project) -> int:
    """Peak traced memory of monitoring ``times`` copies of ``logged``, generated chunk by
    chunk (the window never exists whole)."""
    n = len(logged)

    def chunks() -> Iterator[pd.DataFrame]:
        for k in range(times):
            part = logged.copy()
            part["request_id"] = [f"r{k * n + i:08d}" for i in range(n)]
            part["ts"] = [T0 + timedelta(seconds=k * n + i) for i in range(n)]
            yield part

    settings = MonitorSettings.of(project)
    gc.collect()
    tracemalloc.start()
    try:
        result = monitor_chunks(chunks(), bundle, settings, max_rows=2000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.n_rows == n * times and result.sampled is not None
    return peak


def test_memory_does_not_grow_with_the_window(
    project: Project, bundle: ModelBundle, ames: AmesScenario
) -> None:
    logged = _repeat(_logged(bundle, ames, ames.normal, flip_after=None), 3)
    small = _peak_bytes(logged, 8, bundle, project)
    large = _peak_bytes(logged, 32, bundle, project)  # 4× the rows
    assert large < 1.5 * small, (small, large)
