"""One check per kind of finding: the run's status, summary, alerts, decided kinds and the
settings' alert kinds are all read off the same catalogue, so they cannot disagree."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from driftlab.alerts import alerts_for, decided_kinds
from driftlab.alerts.resolved import resolved_alerts
from driftlab.alerts.rules import SEVERITIES, undecided_subjects
from driftlab.config import ALERT_KINDS, Project
from driftlab.fairness.result import (
    ComplianceCheck,
    ComplianceResult,
    FairnessMetric,
    FairnessResult,
)
from driftlab.kinds import FindingKind
from driftlab.model import ModelBundle
from driftlab.monitor import MonitoringResult, monitor_window
from driftlab.monitor.findings import CATALOGUE, conclude, findings_of
from driftlab.scenarios.ames import AmesScenario
from tests.alerts.test_every_finding import MODEL, _feature
from tests.alerts.test_every_finding import _result as _every_kind
from tests.monitor.test_run import _logged


def _metric(status: str, metric: str = "demographic_parity_difference") -> FairnessMetric:
    return FairnessMetric(
        "sex", metric, 0.25, 0.02, 0.1, ["female", "male"], 1e-4, [0.15, 0.35], status, False,
        "Fairness alert on sex: selection rate 30% for female vs 55% for male.",
    )  # fmt: skip


def _check(verdict: str) -> ComplianceCheck:
    return ComplianceCheck(
        "reliance", "zip_code", True, 0.2, [0.15, 0.25], 0.0, 0.05, 400, verdict,
        "zip_code is a prohibited feature, yet 20% of decisions change when it is shuffled.",
    )  # fmt: skip


def _fairness(status: str) -> FairnessResult:
    return FairnessResult("yes", 30, [], [], [_metric(status)], f"Fairness: {status}.")


def _compliance(verdict: str) -> ComplianceResult:
    return ComplianceResult([_check(verdict)], 400, 5, 0, f"Compliance: {verdict}.")


def _quiet() -> MonitoringResult:
    """Every part present and checked, nothing found (the parts of tests/alerts' every-kind
    run, each back to normal)."""
    loud = _every_kind()
    assert loud.performance is not None and loud.service is not None
    assert loud.concept is not None and loud.data_quality is not None
    assert loud.estimated is not None
    assert loud.label_drift is not None
    return replace(
        loud,
        features=[_feature("tenure", False, 0.01)],
        drifted_features=[],
        drift_share=0.0,
        prediction_drift=_feature("prediction", False, 0.01),
        multivariate=[replace(m, drifted=False) for m in loud.multivariate],
        service=replace(loud.service, status="ok"),
        concept=replace(loud.concept, detected=False, level="same"),
        performance=replace(
            loud.performance,
            status="ok",
            metrics={"roc_auc": 0.89},
            message="Model performance ok: roc_auc 0.89 vs 0.90 on the training holdout.",
        ),
        fairness=_fairness("ok"),
        compliance=_compliance("pass"),
        data_quality=replace(loud.data_quality, extreme=[]),
        estimated=replace(
            loud.estimated, metrics={"roc_auc": 0.89}, bands={"roc_auc": [0.87, 0.91]}
        ),
        check_errors=[],
        label_drift=replace(loud.label_drift, drifted=False),
    )


def _alone(kind: FindingKind) -> MonitoringResult:
    """A quiet run with one part moved so that exactly ``kind`` finds something."""
    quiet, loud = _quiet(), _every_kind()
    changes = {
        FindingKind.DATA_DRIFT: {
            "features": loud.features,
            "drifted_features": loud.drifted_features,
            "drift_share": loud.drift_share,
        },
        FindingKind.PREDICTION_DRIFT: {"prediction_drift": loud.prediction_drift},
        FindingKind.MULTIVARIATE_DRIFT: {"multivariate": _every_kind(joint_only=True).multivariate},
        FindingKind.SERVICE: {"service": loud.service},
        FindingKind.CONCEPT_DRIFT: {"concept": loud.concept},
        FindingKind.FAIRNESS: {"fairness": _fairness("violation")},
        FindingKind.COMPLIANCE: {"compliance": _compliance("alert")},
        FindingKind.PERFORMANCE: {"performance": loud.performance},
        FindingKind.DATA_QUALITY: {"data_quality": loud.data_quality},
        FindingKind.CHECK_FAILED: {"check_errors": loud.check_errors},
        # An estimated drop is a finding only while the labels give no verdict.
        FindingKind.ESTIMATED_PERFORMANCE: {
            "estimated": loud.estimated,
            "performance": replace(quiet.performance, status="insufficient_labels", n_labeled=3),
        },
        FindingKind.LABEL_DRIFT: {"label_drift": loud.label_drift},
    }[kind]
    return conclude(replace(quiet, **changes))


def test_a_quiet_run_is_ok_and_decides_every_kind() -> None:
    quiet = conclude(_quiet())
    assert findings_of(quiet) == [] and alerts_for(quiet) == []
    assert quiet.status == "ok"
    # With a realized performance verdict, the label-free estimate has nothing to decide.
    assert decided_kinds(quiet) == set(ALERT_KINDS) - {"estimated_performance"}
    assert undecided_subjects(quiet) == set()
    unlabeled = conclude(replace(_quiet(), performance=None))
    assert decided_kinds(unlabeled) == set(ALERT_KINDS) - {"performance"}


@pytest.mark.parametrize("kind", list(FindingKind))
def test_status_is_ok_exactly_when_nothing_is_found(kind: FindingKind) -> None:
    result = _alone(kind)
    alerts = alerts_for(result)
    assert alerts and {a.kind for a in alerts} == {kind.value}
    # Until each kind was decided in one place, drifted predictions alone left the status
    # "ok" while the rules alerted (and the command exited 1).
    assert result.status == "drift"
    assert all(a.severity in SEVERITIES for a in alerts)
    assert all(a.fingerprint.startswith(f"{MODEL}:{kind}") for a in alerts)
    assert result.summary != conclude(_quiet()).summary  # the summary says so too
    assert kind.value in decided_kinds(result)


def test_the_summary_keeps_its_sentences() -> None:
    loud = conclude(_every_kind())
    assert loud.summary.startswith("Data drift in 1 of 1 features (100%): tenure. ")
    assert "Prediction drift detected." in loud.summary
    assert loud.summary.endswith("Label drift detected: the label distribution moved by 20.0%.")
    assert "roc_auc 0.70 vs 0.90 on the training holdout." in loud.summary
    quiet = conclude(_quiet())
    assert quiet.summary.startswith("No data drift in 1 features.")
    assert "Multivariate drift detected" in conclude(_every_kind(joint_only=True)).summary


def test_unchecked_subjects_are_undecided() -> None:
    result = replace(_quiet(), fairness=_fairness("beyond_limit"), compliance=_compliance("info"))
    assert undecided_subjects(result) == {
        ("fairness", "sex:demographic_parity_difference"),
        ("compliance", "reliance:zip_code"),
    }
    # A fairness check where no metric had enough data decided nothing.
    assert "fairness" not in decided_kinds(replace(result, fairness=_fairness("insufficient_data")))


def test_alert_kinds_are_the_catalogues_and_each_has_its_resolved_phrase() -> None:
    assert ALERT_KINDS == tuple(k.value for k in CATALOGUE) == tuple(FindingKind)
    for kind, check in CATALOGUE.items():
        assert check.kind is kind and check.resolved
        [notice] = resolved_alerts([], {f"m:{kind}:x": datetime(2026, 11, 25, tzinfo=UTC)}, "m")
        assert f"Resolved: {check.resolved.format(subject='x')} is no longer" in notice.message


def test_drifted_predictions_alone_make_a_drift_run(
    project: Project, bundle: ModelBundle, ames: AmesScenario
) -> None:
    """The model says "yes" with near certainty to everyone while the inputs are as usual
    (no labels yet): the run must not call that "ok"."""
    logged = _logged(bundle, ames, ames.normal, None).assign(label=None, label_ts=None)
    positive = bundle.info.positive_class
    assert positive is not None
    result = monitor_window(logged.assign(prediction=positive, probability=0.999), bundle, project)
    # The same score for everyone also ranks no one: the expected ROC AUC falls to 0.5.
    kinds = [a.kind for a in alerts_for(result)]
    assert kinds == ["prediction_drift", "estimated_performance"]
    assert result.estimated is not None and result.estimated.metrics["roc_auc"] == 0.5
    assert result.status == "drift" and "Prediction drift detected" in result.summary
