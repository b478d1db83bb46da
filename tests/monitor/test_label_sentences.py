"""The sentences about the model's mistakes — error level against training, change inside the
window, the label-free estimate — and the shares of fairness and compliance, each checked
against the numbers of the same result; a fall in the error is never shown as a problem."""

from __future__ import annotations

import io
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from markupsafe import escape
from rich.console import Console

from driftlab.alerts import alerts_for
from driftlab.alerts.rules import undecided_subjects
from driftlab.calibration import LossMap
from driftlab.cli.render import _print_concept
from driftlab.config import ComplianceConfig, FairnessConfig
from driftlab.fairness import fairness_metrics, group_rates
from driftlab.fairness.compliance import _reliance_check
from driftlab.formatting import num, percent, points
from driftlab.model import ModelBundle
from driftlab.monitor.concept import detect_concept_drift, error_level, error_rate_test
from driftlab.monitor.estimate import estimate_regression
from driftlab.monitor.findings import conclude, findings_of
from driftlab.monitor.result import ConceptDrift, EstimatedPerformance, MonitoringResult
from driftlab.report.html import environment, run_view
from driftlab.store import MemoryStore
from tests.alerts.test_every_finding import _result as _every_kind
from tests.monitor.test_concept import _classification_window, _errors
from tests.monitor.test_findings import _quiet

STEADY = "No change inside the window (ADWIN): error rate steady."
REF_ERROR, N_REF, N = 0.184, 600, 2000


def _steady(n: int = N) -> ConceptDrift:
    return ConceptDrift("adwin", False, [], None, None, n, STEADY, change_message=STEADY)


def _stream(rate: float, n: int = N) -> np.ndarray:
    wrong = round(rate * n)
    return np.r_[np.ones(wrong), np.zeros(n - wrong)]


@pytest.mark.parametrize(
    ("rate", "level", "head"),
    [
        (0.41, "higher", "Error rate above training: "),  # the window
        (0.10, "lower", "Error rate below training: "),
        (0.19, "same", "Error rate in line with training: "),
    ],
)
def test_error_level_says_direction_magnitude_and_unit(rate: float, level: str, head: str) -> None:
    errors = _stream(rate)
    out = error_level(_steady(), REF_ERROR, N_REF, errors, alpha=0.05, max_rise=0.05)
    _, p_rise = error_rate_test(REF_ERROR, N_REF, errors)
    assert out.level == level and out.p_value == p_rise
    assert (out.reference_error, out.window_error) == (REF_ERROR, rate)
    assert out.level_message.startswith(
        f"{head}{percent(rate)} of 2,000 labeled predictions were wrong vs {percent(REF_ERROR)} "
        f"on the training holdout ({points(rate - REF_ERROR)}, "
    )
    assert (rate > REF_ERROR) == out.level_message.split("(")[1].startswith("+")
    assert out.message == f"{out.level_message} {STEADY}"
    assert ("improvement" in out.level_message) == (level == "lower")


def test_a_small_significant_rise_is_reported_below_the_limit() -> None:
    out = error_level(_steady(5000), 0.10, 20_000, _stream(0.125, 5000), alpha=0.05, max_rise=0.05)
    assert out.level == "higher_small"
    assert out.level_message.startswith(
        "Error rate slightly above training: 12.5% of 5,000 labeled predictions were wrong vs "
        "10% on the training holdout (+2.5 points, p < 0.001): significant, below the limit (a "
        "rise of 5 points)."
    )


def test_no_error_level_below_the_label_minimum() -> None:
    few = _steady(40)
    out = error_level(few, REF_ERROR, N_REF, _stream(0.9, 40), alpha=0.05, max_rise=0.05,
                      min_labels=100)  # fmt: skip
    assert out is few and out.level is None
    result = _run(out)
    assert findings_of(result) == []
    assert ("concept_drift", "error_rate") in undecided_subjects(result)


def _run(concept: ConceptDrift, **parts: object) -> MonitoringResult:
    return conclude(replace(_quiet(), concept=concept, **parts))


def test_a_higher_error_level_is_its_own_finding_and_says_which() -> None:
    concept = error_level(_steady(), REF_ERROR, N_REF, _stream(0.41), alpha=0.05, max_rise=0.05)
    result = _run(concept)
    [finding] = findings_of(result)
    assert (finding.subject, finding.severity) == ("error_rate", "critical")
    assert finding.message.startswith(concept.level_message)
    assert "No feature drifted" in finding.message  # the quiet run's features did not drift
    assert finding.details["window_error"] == 0.41
    [alert] = alerts_for(result)
    assert alert.fingerprint == "churn:concept_drift:error_rate"
    # With drifted features, the sentence says the rise may come from them.
    drifted = _every_kind()
    loud = _run(concept, features=drifted.features, drifted_features=drifted.drifted_features)
    level = next(f for f in findings_of(loud) if f.subject == "error_rate")
    assert "1 feature drifted too" in level.message


def test_a_lower_error_level_is_an_improvement_not_a_finding() -> None:
    concept = error_level(_steady(), REF_ERROR, N_REF, _stream(0.10), alpha=0.05, max_rise=0.05)
    assert findings_of(_run(concept)) == []


def _fell() -> ConceptDrift:
    """ADWIN on a stream whose error rate falls from 40% to 10% halfway."""
    result = detect_concept_drift(
        _classification_window(_errors(3, before=0.4, after=0.1)), task="binary"
    )
    assert result.detected and result.improved
    return result


def test_a_fall_inside_the_window_is_an_improvement_in_words_colour_and_alerts() -> None:
    concept = _fell()
    first = concept.change_points[0]["index"]
    before, after = concept.error_before, concept.error_after
    assert before is not None and after is not None and after < before
    assert concept.message.startswith(
        f"The error rate fell inside the window (ADWIN): from {percent(before)} to "
        f"{percent(after)} at labeled prediction {first + 1} of 1,000 "
    )
    assert "An improvement, not an alert." in concept.message
    assert "Concept drift detected" not in concept.message
    result = _run(concept)
    assert findings_of(result) == [] and result.status == "ok"
    # Green in the terminal and in the report, never red.
    assert "31m" not in _terminal(concept) and "32m" in _terminal(concept)
    html = _report(result)
    assert f'<p class="ok">{escape(concept.message)}</p>' in html


def test_a_rise_inside_the_window_is_red_and_alerted() -> None:
    concept = detect_concept_drift(_classification_window(_errors(11)), task="binary")
    assert concept.worsened
    result = _run(concept)
    assert [f.subject for f in findings_of(result)] == ["adwin"]
    assert "31m" in _terminal(concept)
    assert f'<p class="drift">{escape(concept.message)}</p>' in _report(result)


def test_report_colours_each_concept_sentence_by_its_own_verdict() -> None:
    higher = error_level(_fell(), REF_ERROR, N_REF, _stream(0.41, 1000), alpha=0.05, max_rise=0.05)
    html = _report(_run(higher))
    assert f'<p class="drift"><b>Against training:</b> {escape(higher.level_message)}</p>' in html
    assert f'<p class="ok"><b>Inside the window:</b> {escape(higher.change_message)}</p>' in html


def _terminal(concept: ConceptDrift) -> str:
    out = io.StringIO()
    _print_concept(Console(file=out, force_terminal=True, color_system="standard"), concept)
    return out.getvalue()


def _report(result: MonitoringResult) -> str:
    store = MemoryStore()
    run_id = store.save_run(
        result.model_name, "1", replace(result, alerts=alerts_for(result)).to_dict()
    )
    env = environment()
    return env.get_template("run.html.j2").render(**run_view(env, store.get_run(run_id), []))


# -- the label-free estimate -----------------------------------------------------------------

DROP = EstimatedPerformance(
    1000,
    {"roc_auc": 0.762, "accuracy": 0.7},
    {"roc_auc": [0.741, 0.783], "accuracy": [0.67, 0.73]},
    "Estimated without labels: roc_auc 0.762 (95% band 0.741–0.783) on 1000 predictions vs "
    "0.86 on the training holdout.",
    "roc_auc",
    {"roc_auc": 0.86, "accuracy": 0.8},
)


def _unlabeled(estimated: EstimatedPerformance, **parts: object) -> MonitoringResult:
    quiet = _quiet()
    assert quiet.performance is not None
    performance = replace(quiet.performance, status="insufficient_labels", n_labeled=0,
                          metrics={}, reference_metrics={"roc_auc": 0.86})  # fmt: skip
    return conclude(replace(quiet, performance=performance, estimated=estimated, **parts))


def test_an_estimated_drop_without_labels_is_a_finding_with_its_band() -> None:
    """The issue's window: 0 labels, estimated ROC AUC 0.762 against 0.860 on the holdout."""
    result = _unlabeled(DROP)
    [finding] = findings_of(result)
    assert (finding.kind, finding.subject, finding.severity) == (
        "estimated_performance", "roc_auc", "warning"
    )  # fmt: skip
    assert finding.message == (
        f"Estimated drop in roc_auc, not yet confirmed by labels: {num(0.762)} (95% band "
        f"{num(0.741)}–{num(0.783)}) on 1,000 predictions vs {num(0.86)} on the training holdout, "
        f"{num(0.86 - 0.762)} below it (limit: a drop of 0.05). Estimated from the model's "
        "calibrated confidence; 0 of the window's predictions are labeled."
    )
    assert finding.message in result.summary
    assert finding.details["band"] == [0.741, 0.783]


def test_under_data_drift_the_estimate_says_it_can_miss_concept_drift() -> None:
    drifted = _every_kind()
    result = _unlabeled(DROP, features=drifted.features, drifted_features=["tenure"])
    finding = next(f for f in findings_of(result) if f.kind == "estimated_performance")
    assert finding.message.endswith(
        "The estimate assumes the relation between inputs and outcome is unchanged; with data "
        "drift in 1 feature it can miss concept drift, and true quality may be much lower. "
        "Labels will tell."
    )


@pytest.mark.parametrize(
    ("estimate", "band"),
    [
        (0.83, [0.81, 0.85]),  # a drop of 0.03: within the 0.05 limit
        (0.80, [0.74, 0.87]),  # beyond the limit, but the band reaches the holdout value
    ],
)
def test_no_estimated_finding_within_the_limit_or_the_band(estimate: float, band: list) -> None:
    est = replace(DROP, metrics={"roc_auc": estimate}, bands={"roc_auc": band})
    result = _unlabeled(est)
    assert findings_of(result) == []
    assert est.message in result.summary  # the estimate is still said


def test_labels_supersede_the_estimate() -> None:
    result = conclude(replace(_quiet(), estimated=DROP))  # performance has a verdict
    assert [f.kind for f in findings_of(result)] == []


def test_an_estimated_rise_in_a_lower_is_better_metric() -> None:
    est = EstimatedPerformance(400, {"mae": 12.0}, {"mae": [11.0, 13.0]}, "mae 12", "mae",
                               {"mae": 10.0})  # fmt: skip
    result = _unlabeled(est, settings={"metric": "mae", "max_metric_drop": 0.05})
    # (the quiet run's performance names roc_auc; without a band for it, mae is judged)
    [finding] = findings_of(result)
    assert finding.message.startswith(
        "Estimated rise in mae, not yet confirmed by labels: 12 (95% band 11–13) on 400 "
        "predictions vs 10 on the training holdout, 2 above it (limit: a rise of 5% of it)."
    )


def test_regression_mae_band_covers_the_realized_mae(bundle: ModelBundle) -> None:
    """Residuals drawn with the loss map's own spread per bin: the realized MAE falls inside
    the band in about 95% of windows."""
    sigma = np.array([1.0, 3.0, 10.0])
    loss = LossMap([0.0, 10.0, 20.0], (sigma * np.sqrt(2 / np.pi)).tolist(), (sigma**2).tolist())
    info = replace(bundle.info, metrics={"mae": 3.0})  # only the holdout value is read
    rng = np.random.default_rng(0)
    pred = rng.uniform(0, 30, 500)
    est = estimate_regression(pd.DataFrame({"prediction": pred}), info, loss)
    assert est is not None and est.metric == "mae"
    lo, hi = est.bands["mae"]
    assert f"(95% band {num(lo)}–{num(hi)})" in est.message
    scale = sigma[np.clip(np.searchsorted([0.0, 10.0, 20.0], pred, side="right") - 1, 0, 2)]
    hits = sum(lo <= np.abs(rng.normal(0, scale)).mean() <= hi for _ in range(400))
    assert 0.92 * 400 <= hits <= 0.98 * 400


# -- shares in fairness and compliance --------------------------------------------------------


@pytest.mark.parametrize(
    ("share", "text"), [(0.0023, "0.23%"), (0.041, "4.1%"), (0.18, "18%"), (0.0, "0%")]
)
def test_reliance_keeps_enough_digits(share: float, text: str) -> None:
    check = _reliance_check("zip_code", share, 4000, False, None, ComplianceConfig())
    assert check.message == f"{text} of decisions change when zip_code is shuffled."
    assert percent(check.value) == text


def test_fairness_names_classes_as_classes() -> None:
    rng = np.random.default_rng(1)
    g = rng.choice(["a", "b"], 4000).astype(object)
    y = rng.random(4000) < 0.5  # truth: favorable class "0"
    pred = rng.random(4000) < np.where(g == "a", 0.3, 0.6) + 0.2 * y
    rates = group_rates("attr", g, pred, y.astype(float), None, min_group_size=1)
    out = fairness_metrics("attr", rates, [], FairnessConfig(min_group_size=1), "0",
                           labeled=True, unfavorable="1")  # fmt: skip
    text = " ".join(m.message for m in out)
    assert "not-0" not in text and "truly" not in text
    assert "selection rate (share of rows predicted as class 0)" in text
    odds = next(m for m in out if m.metric == "equalized_odds_difference")
    assert (
        "share of rows whose true class is 1 predicted as class 0" in odds.message
        or "share of rows whose true class is 0 predicted as class 0" in odds.message
    )
