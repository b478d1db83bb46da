"""Grouping a run's findings into incidents, and ranking their likely causes."""

from __future__ import annotations

from dataclasses import replace

from driftlab.alerts import alerts_for
from driftlab.monitor.findings import CATALOGUE, conclude, incidents_of
from driftlab.monitor.result import MonitoringResult, MultivariateDrift
from tests.alerts.test_every_finding import _feature, _result


def _many_drifted() -> MonitoringResult:
    """Five features: four drifted (PSI a .3, b 2.0, c .5, d 1.0), e only in the classifier's
    top features (joint drift); the classifier ranks c, a, e."""
    psi = {"a": 0.3, "b": 2.0, "c": 0.5, "d": 1.0, "e": 0.01}
    features = [_feature(n, n != "e", p) for n, p in psi.items()]
    classifier = MultivariateDrift(
        "domain_classifier", 0.8, 0.6, 1e-9, True, "Multivariate drift detected.",
        {"top_features": [{"feature": "c", "importance": 0.2}, {"feature": "a", "importance": 0.05},
                          {"feature": "e", "importance": 0.02}]},
    )  # fmt: skip
    return replace(
        _result(), features=features, drifted_features=["b", "d", "c", "a"], drift_share=0.8,
        multivariate=[classifier],
    )  # fmt: skip


def test_every_alert_is_in_exactly_one_incident_grouped_by_the_catalogue() -> None:
    result = _many_drifted()
    incidents = incidents_of(result)
    alerts = alerts_for(result)
    inside = [f.fingerprint for i in incidents for f in i.findings]
    assert sorted(inside) == sorted(a.fingerprint for a in alerts)  # a partition
    group = {k.value: c.incident for k, c in CATALOGUE.items()}
    for i in incidents:
        assert {group[f.kind] for f in i.findings} == {i.group}
        assert i.fingerprint == f"churn:incident:{i.group}"
    # Data and model findings are one incident; the SLO breach and the failed check are not.
    assert [i.group for i in incidents] == ["data", "service", "checks"]
    assert [i.severity for i in incidents] == ["critical", "critical", "warning"]
    data = incidents[0]
    assert {f.kind for f in data.findings} == {
        "data_drift", "data_quality", "prediction_drift", "concept_drift", "performance",
        "label_drift",
    }  # fmt: skip
    assert data.title == (
        "data drift ×4, data quality, prediction drift, concept drift, performance, label drift"
    )
    # One finding alone: the incident says what the finding says.
    assert incidents[1].summary == result.service.message


def test_causes_rank_the_classifier_features_first_then_by_psi() -> None:
    [data, *_] = incidents_of(_many_drifted())
    ranked = [(c.rank, c.feature, c.importance, c.psi) for c in data.causes]
    assert ranked == [
        (1, "c", 0.2, 0.5), (2, "a", 0.05, 0.3), (3, "e", 0.02, 0.01),
        (4, "b", None, 2.0), (5, "d", None, 1.0),
    ]  # fmt: skip
    kinds = {c.feature: c.kinds for c in data.causes}
    assert kinds["e"] == [] and kinds["b"] == ["data_drift"]
    assert data.summary.startswith("9 findings in this run: data drift ×4,")
    assert "Most likely causes: c: domain classifier importance 0.2, PSI 0.5;" in data.summary
    assert data.summary.endswith("; and 2 more.")


def test_without_the_classifier_causes_rank_by_psi() -> None:
    result = replace(_many_drifted(), multivariate=[])
    [data, *_] = incidents_of(result)
    assert [c.feature for c in data.causes] == ["b", "d", "c", "a"]
    assert all(c.importance is None for c in data.causes)


def test_conclude_stores_incidents_that_read_back() -> None:
    result = conclude(_many_drifted())
    assert result.incidents == incidents_of(result)
    back = MonitoringResult.from_dict(result.to_dict())
    assert back.incidents == result.incidents
    # A run stored before incidents existed reads back without them.
    old = result.to_dict()
    del old["incidents"]
    assert MonitoringResult.from_dict(old).incidents == []


def test_nothing_found_is_no_incident() -> None:
    clean = replace(
        _result(joint_only=True), multivariate=[], estimated=None,
        features=[_feature("tenure", False, 0.01)],
    )  # fmt: skip
    assert conclude(clean).incidents == []
