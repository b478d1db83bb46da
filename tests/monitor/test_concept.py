"""Concept drift: River's detectors over the error stream in label order, and the error-rate
z-test, checked on synthetic streams with a known change point and against River and scipy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from river import drift
from river.base import BinaryDriftDetector, DriftDetector
from river.drift import binary
from scipy import stats

from driftlab.errors import ConfigError, DataError
from driftlab.formatting import percent
from driftlab.monitor.concept import (
    DETECTORS,
    MIN_LABELS,
    ConceptDrift,
    detect_concept_drift,
    error_rate_test,
)
from driftlab.store.records import WINDOW_COLUMNS

T0 = datetime(2026, 11, 25, 12, tzinfo=UTC)
CHANGE = 500  # where the synthetic streams change
MAX_DELAY = 300  # labels after the change by which every detector must have fired
METHODS = sorted(DETECTORS)
# River detectors built by hand with the settings driftlab documents for 0/1 error streams.
RIVER_BINARY = {
    "adwin": lambda: drift.ADWIN(),
    "ddm": lambda: binary.DDM(warm_start=200, drift_threshold=4.0),
    "eddm": lambda: binary.EDDM(warm_start=100, alpha=0.75, beta=0.7),
    "page_hinkley": lambda: drift.PageHinkley(threshold=25.0, mode="up"),
}


def _errors(seed: int, before: float = 0.1, after: float = 0.4, n: int = 2 * CHANGE) -> np.ndarray:
    """A Bernoulli error stream: rate ``before`` for CHANGE steps, then ``after``."""
    rng = np.random.default_rng(seed)
    rate = np.where(np.arange(n) < CHANGE, before, after)
    return (rng.random(n) < rate).astype(int)


def _window(
    prediction: list, label: list, *, label_delay: list[timedelta] | None = None
) -> pd.DataFrame:
    """A logged window with the store's columns: row i predicted at T0 + i minutes, labeled an
    hour later unless ``label_delay`` says otherwise."""
    n = len(prediction)
    delay = label_delay or [timedelta(hours=1)] * n
    ts = [T0 + timedelta(minutes=i) for i in range(n)]
    w = pd.DataFrame(
        {
            "request_id": [f"req-{i:05d}" for i in range(n)],
            "ts": ts,
            "model_version": "1",
            "prediction": prediction,
            "probability": 0.9,
            "latency_ms": 2.0,
            "label": label,
            "label_ts": [t + d for t, d in zip(ts, delay, strict=True)],
            "x": np.linspace(0.0, 1.0, n),
        }
    )
    assert list(w.columns[: len(WINDOW_COLUMNS)]) == WINDOW_COLUMNS
    return w


def _classification_window(errors: np.ndarray) -> pd.DataFrame:
    """Predictions always "a"; the label is "b" where the stream has an error."""
    return _window(["a"] * len(errors), np.where(errors == 1, "b", "a").tolist())


def _river_indices(detector: DriftDetector | BinaryDriftDetector, stream: list) -> list[int]:
    fired = []
    for i, x in enumerate(stream):
        detector.update(x)
        if detector.drift_detected:
            fired.append(i)
    return fired


@pytest.mark.parametrize("method", METHODS)
def test_each_detector_finds_a_known_change_soon_after_it(method: str) -> None:
    result = detect_concept_drift(_classification_window(_errors(0)), task="binary", method=method)
    idx = [c["index"] for c in result.change_points]
    assert result.detected and result.method == method and result.n == 2 * CHANGE
    assert all(i >= CHANGE for i in idx), f"false alarm before the change: {idx}"
    assert idx[0] - CHANGE <= MAX_DELAY
    assert result.error_before is not None and result.error_after is not None
    assert result.error_before < 0.2 < result.error_after


@pytest.mark.parametrize("method", METHODS)
def test_no_change_point_on_a_stationary_stream(method: str) -> None:
    errors = _errors(0, before=0.1, after=0.1)
    result = detect_concept_drift(_classification_window(errors), task="binary", method=method)
    assert not result.detected and result.change_points == []
    assert result.error_before is None and result.error_after is None
    assert (
        result.message
        == result.change_message
        == (
            f"No change inside the window ({DETECTORS[method].title}): error rate steady at "
            f"{percent(errors.mean())} over 1,000 labeled predictions in label order."
        )
    )


# Over many seeds no detector is perfect. Upper bounds on the share of stationary streams with
# a false alarm (measured on 200 other seeds: ADWIN 0%, DDM 2.5%, EDDM 8.5%, Page-Hinkley
# 0.5%), and the share of changed streams caught within MAX_DELAY with no earlier alarm.
RATE_SEEDS = range(100, 200)
MAX_FALSE_ALARMS = {"adwin": 0.02, "ddm": 0.06, "eddm": 0.15, "page_hinkley": 0.03}
MIN_CAUGHT = {"adwin": 0.97, "ddm": 0.93, "eddm": 0.85, "page_hinkley": 0.97}


@pytest.mark.parametrize("method", METHODS)
def test_false_alarm_and_detection_rates_over_seeds(method: str) -> None:
    false_alarms = caught = 0
    for seed in RATE_SEEDS:
        quiet = _classification_window(_errors(seed, before=0.1, after=0.1))
        false_alarms += detect_concept_drift(quiet, task="binary", method=method).detected
        changed = _classification_window(_errors(seed + 1000))
        idx = [
            c["index"]
            for c in detect_concept_drift(changed, task="binary", method=method).change_points
        ]
        caught += bool(idx) and CHANGE <= idx[0] <= CHANGE + MAX_DELAY
    assert false_alarms / len(RATE_SEEDS) <= MAX_FALSE_ALARMS[method]
    assert caught / len(RATE_SEEDS) >= MIN_CAUGHT[method]


@pytest.mark.parametrize("method", METHODS)
def test_change_points_are_rivers_own_on_the_same_stream(method: str) -> None:
    errors = _errors(11)
    expected = _river_indices(RIVER_BINARY[method](), errors.astype(bool).tolist())
    result = detect_concept_drift(_classification_window(errors), task="binary", method=method)
    assert [c["index"] for c in result.change_points] == expected
    first = expected[0]
    assert result.change_points[0] == {
        "index": first,
        "request_id": f"req-{first:05d}",
        "ts": (T0 + timedelta(minutes=first)).isoformat(),
    }
    assert result.error_before == pytest.approx(errors[:first].mean())
    assert result.error_after == pytest.approx(errors[first:].mean())


def test_params_reach_the_river_detector() -> None:
    errors = _errors(11)
    expected = _river_indices(drift.ADWIN(delta=0.1), errors.tolist())
    result = detect_concept_drift(
        _classification_window(errors), task="binary", method="adwin", delta=0.1
    )
    assert [c["index"] for c in result.change_points] == expected


def _regression_window(seed: int, scale_after: float) -> tuple[pd.DataFrame, np.ndarray]:
    """Residuals N(0, 1) for CHANGE steps, then N(0, scale_after); predictions around 100."""
    rng = np.random.default_rng(seed)
    n = 2 * CHANGE
    prediction = 100 + rng.normal(0, 10, n)
    noise = rng.normal(0, 1, n) * np.where(np.arange(n) < CHANGE, 1.0, scale_after)
    label = prediction + noise
    return _window(prediction.tolist(), label.tolist()), np.abs(label - prediction)


@pytest.mark.parametrize(
    ("method", "river"),
    [("adwin", drift.ADWIN), ("page_hinkley", drift.PageHinkley)],
)
def test_regression_watches_absolute_residuals(method: str, river: type) -> None:
    window, residuals = _regression_window(3, scale_after=4.0)
    result = detect_concept_drift(window, task="regression", method=method)
    idx = [c["index"] for c in result.change_points]
    assert idx == _river_indices(river(), residuals.tolist())
    assert idx and CHANGE <= idx[0] <= CHANGE + MAX_DELAY
    assert result.error_after > result.error_before
    assert "mean absolute error rose from" in result.message

    quiet, _ = _regression_window(3, scale_after=1.0)
    assert not detect_concept_drift(quiet, task="regression", method=method).detected


@pytest.mark.parametrize("method", ["ddm", "eddm"])
def test_binary_detectors_refuse_regression(method: str) -> None:
    window, _ = _regression_window(3, scale_after=4.0)
    with pytest.raises(ConfigError, match=r"classification only.*adwin, page_hinkley"):
        detect_concept_drift(window, task="regression", method=method)


def test_unknown_method_lists_the_catalogue() -> None:
    with pytest.raises(
        ConfigError, match=r"unknown concept-drift method 'kswin'\. Available: adwin, ddm, eddm"
    ):
        detect_concept_drift(_classification_window(_errors(0)), task="binary", method="kswin")


def test_unknown_parameter_and_task_are_named() -> None:
    window = _classification_window(_errors(0))
    with pytest.raises(ConfigError, match=r"DDM has no parameter 'delta'.*warm_start"):
        detect_concept_drift(window, task="binary", method="ddm", delta=0.1)
    with pytest.raises(ConfigError, match=r"unknown task 'ranking'.*binary, multiclass"):
        detect_concept_drift(window, task="ranking")


def test_rows_are_read_in_label_order_whatever_the_window_order() -> None:
    window = _classification_window(_errors(5))
    shuffled = window.sample(frac=1.0, random_state=0)
    assert not shuffled.index.equals(window.index)
    for method in METHODS:
        assert detect_concept_drift(shuffled, task="binary", method=method) == (
            detect_concept_drift(window, task="binary", method=method)
        )


def test_label_time_decides_the_order_not_prediction_time() -> None:
    # The high-error half was predicted first but labeled last: as labels arrive, the error
    # rate rises, and the change point lies among the late labels.
    errors = np.r_[_errors(6, 0.4, 0.4)[:CHANGE], _errors(6, 0.1, 0.1)[:CHANGE]]
    delay = [timedelta(days=2)] * CHANGE + [timedelta(hours=1)] * CHANGE
    window = _window(
        ["a"] * len(errors), np.where(errors == 1, "b", "a").tolist(), label_delay=delay
    )
    result = detect_concept_drift(window, task="binary", method="adwin")
    in_label_order = np.r_[errors[CHANGE:], errors[:CHANGE]]
    assert [c["index"] for c in result.change_points] == _river_indices(
        drift.ADWIN(), in_label_order.tolist()
    )
    assert result.error_after > result.error_before
    first = result.change_points[0]
    assert int(first["request_id"].removeprefix("req-")) < CHANGE  # predicted early


def test_unlabeled_rows_are_skipped_and_too_few_labels_give_no_verdict() -> None:
    window = _classification_window(_errors(0))
    window["label"] = window["label"].astype(object)
    window.loc[MIN_LABELS - 1 :, "label"] = None
    result = detect_concept_drift(window, task="binary")
    message = (
        f"Insufficient labels: {MIN_LABELS - 1} labeled predictions in this window, "
        f"{MIN_LABELS} needed for a concept-drift verdict."
    )
    assert result == ConceptDrift(
        method="adwin",
        detected=False,
        change_points=[],
        error_before=None,
        error_after=None,
        n=MIN_LABELS - 1,
        message=message,
        change_message=message,
    )


def test_labels_and_predictions_are_compared_as_text() -> None:
    n = 200
    window = _window([1] * n, ["1"] * n)
    result = detect_concept_drift(window, task="binary", method="adwin")
    assert result.n == n and not result.detected and "error rate steady at 0%" in result.message


def test_message_says_what_changed_where_and_when() -> None:
    result = detect_concept_drift(_classification_window(_errors(11)), task="binary")
    first = result.change_points[0]["index"]
    when = (T0 + timedelta(minutes=first)).strftime("%Y-%m-%d %H:%M UTC")
    before, after = result.error_before, result.error_after
    assert before is not None and after is not None and after > before
    assert result.message == (
        f"Concept drift detected inside the window (ADWIN): error rate rose from "
        f"{percent(before)} to {percent(after)} at labeled prediction {first + 1} of 1,000 "
        f"(request req-{first:05d}, {when})."
    )


# -- error_rate_test ------------------------------------------------------------------------


def _pooled_z(p1: float, n1: int, p2: float, n2: int) -> float:
    """statsmodels' proportions_ztest (pooled variance) written out."""
    p = (p1 * n1 + p2 * n2) / (n1 + n2)
    return (p2 - p1) / np.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))


@pytest.mark.parametrize(
    ("ref_errors", "n_ref", "win_errors", "n_win"),
    [(40, 400, 16, 100), (25, 500, 60, 300), (90, 300, 20, 250), (5, 1000, 9, 60)],
)
def test_error_rate_test_matches_the_pooled_z_test_and_scipy_chi2(
    ref_errors: int, n_ref: int, win_errors: int, n_win: int
) -> None:
    window = np.r_[np.ones(win_errors), np.zeros(n_win - win_errors)]
    z, p = error_rate_test(ref_errors / n_ref, n_ref, window)
    expected = _pooled_z(ref_errors / n_ref, n_ref, win_errors / n_win, n_win)
    assert z == pytest.approx(expected, rel=1e-12)
    assert p == pytest.approx(stats.norm.sf(expected), rel=1e-12)
    # Independent check: z^2 is Pearson's chi-square of the 2x2 table (no continuity
    # correction), whose p-value is two-sided.
    table = [[ref_errors, n_ref - ref_errors], [win_errors, n_win - win_errors]]
    chi2, p_two, _, _ = stats.chi2_contingency(table, correction=False)
    assert z**2 == pytest.approx(chi2, rel=1e-9)
    assert p == pytest.approx(p_two / 2 if z > 0 else 1 - p_two / 2, rel=1e-9)


def test_error_rate_test_is_one_sided() -> None:
    better = np.r_[np.ones(2), np.zeros(98)]
    worse = np.r_[np.ones(30), np.zeros(70)]
    assert error_rate_test(0.1, 400, better)[1] > 0.9
    assert error_rate_test(0.1, 400, worse)[1] < 1e-6


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((1.5, 400, np.zeros(10)), r"reference_error must be a rate in \[0, 1\]; got 1\.5"),
        ((0.1, 0, np.zeros(10)), r"n_reference must be at least 1; got 0"),
        ((0.1, 400, np.array([])), r"window_errors is empty"),
        ((0.1, 400, np.array([0, 1, 2])), r"0/1 error indicators; found 2$"),
    ],
)
def test_error_rate_test_rejects_bad_input(args: tuple, match: str) -> None:
    with pytest.raises(DataError, match=match):
        error_rate_test(*args)
