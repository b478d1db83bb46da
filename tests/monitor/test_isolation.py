"""A stored value never blinds monitoring: extreme inputs are handled where they would
overflow, counted as data quality, and a check that still cannot run is a finding of its own
while the other checks complete."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from driftlab.alerts import alerts_for
from driftlab.config import FeatureKind, Project
from driftlab.errors import ConfigError
from driftlab.jobs import monitor_job
from driftlab.model import ModelBundle
from driftlab.monitor import MonitoringResult, monitor_window
from driftlab.monitor.findings import findings_of
from driftlab.monitor.result import CheckError
from driftlab.monitor.settings import MonitorSettings
from driftlab.registry import CHAMPION, MemoryRegistry
from driftlab.scenarios.ames import TARGET, AmesScenario
from driftlab.schema import record_model
from driftlab.store import PredictionRecord, Window
from driftlab.store.sql import SqlStore
from tests.monitor.test_run import _logged

T0 = datetime(2026, 1, 1, tzinfo=UTC)
STATUSES = {"ok", "drift", "insufficient_data"}
# Features with a small spread: (x - mean) / std overflowed for x near 1.8e308.
NARROW = ("Full_Bath", "Fireplaces")


def _unlabeled(bundle: ModelBundle, ames: AmesScenario) -> pd.DataFrame:
    """The normal window logged without labels: these tests are about the inputs, and the
    labeled checks' bootstrap would be most of their time."""
    return _logged(bundle, ames, ames.normal, None).assign(label=None, label_ts=None)


def _window(
    bundle: ModelBundle, ames: AmesScenario, edits: list[tuple[int, str, float]]
) -> pd.DataFrame:
    """The normal window logged, with some numeric inputs replaced (as stored values)."""
    logged = _unlabeled(bundle, ames)
    for row, column, value in edits:
        logged[column] = logged[column].astype("float64")
        logged.loc[row, column] = value
    return logged


def _strict_json(result: MonitoringResult) -> dict[str, Any]:
    return json.loads(json.dumps(result.to_dict(), allow_nan=False))


@pytest.mark.parametrize(
    "edits",
    [
        pytest.param([(3, "Full_Bath", 1e308)], id="one-1e308"),
        pytest.param([(3, "Full_Bath", -1e308)], id="one-minus-1e308"),
        pytest.param(
            [(3, NARROW[0], 1.7e308), (3, NARROW[1], 1.7e308), (4, NARROW[0], 1.7e308)],
            id="sums-overflow",
        ),
        pytest.param([(3, "Lot_Area", 1.7e308), (4, "Lot_Area", -1.7e308)], id="spread-overflows"),
    ],
)
def test_one_extreme_record_is_monitored_and_counted(
    project: Project, bundle: ModelBundle, ames: AmesScenario, edits: list
) -> None:
    # Until the PCA check clipped window values to the reference's range, these windows
    # raised "Input X contains infinity" (1e308 / 0.55 overflows the scaler) and every later
    # `driftlab monitor` over them exited 3.
    result = monitor_window(_window(bundle, ames, edits), bundle, MonitorSettings.of(project))
    assert result.check_errors == [] and result.status in STATUSES
    assert [m.method for m in result.multivariate] == ["domain_classifier", "pca_reconstruction"]
    assert all(np.isfinite(m.statistic) for m in result.multivariate)
    stored = _strict_json(result)  # every number finite: nothing for the store to drop
    assert MonitoringResult.from_dict(stored) == result
    # Counted as data quality; one or two rows of 300 are below the share that alerts.
    assert result.data_quality is not None
    counted = {e.feature: e.n for e in result.data_quality.extreme}
    expected: dict[str, int] = {}
    for _, column, _ in edits:
        expected[column] = expected.get(column, 0) + 1
    assert counted == expected
    assert all(f.kind != "data_quality" for f in findings_of(result))
    extreme = result.data_quality.extreme[0]
    assert extreme.examples[0] in {abs(v) for _, _, v in edits} | {v for _, _, v in edits}


def test_a_share_of_extreme_values_is_a_data_quality_finding(
    project: Project, bundle: ModelBundle, ames: AmesScenario
) -> None:
    window = _window(bundle, ames, [(i, "Lot_Area", 1e9 + i) for i in range(6)])  # 2% of 300
    result = monitor_window(window, bundle, MonitorSettings.of(project))
    [finding] = [f for f in findings_of(result) if f.kind == "data_quality"]
    assert finding.subject == "Lot_Area" and finding.severity == "warning"
    assert finding.details["n"] == 6 and finding.details["examples"][0] == 1e9 + 5
    assert finding.message.startswith("6 of 300 values of Lot_Area (2.0%) lie far outside")
    assert result.status == "drift" and finding.message in result.summary
    assert "data_quality" in [a.kind for a in alerts_for(result)]


def test_a_check_that_raises_is_a_finding_and_the_others_complete(
    project: Project, bundle: ModelBundle, ames: AmesScenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("Input X contains infinity or a value too large for dtype('float64').")

    monkeypatch.setattr("driftlab.monitor.run.pca_reconstruction", broken)
    result = monitor_window(
        _logged(bundle, ames, ames.normal, None), bundle, MonitorSettings.of(project)
    )
    reason = "Input X contains infinity or a value too large for dtype('float64')."
    assert result.check_errors == [CheckError("multivariate", "ValueError", reason)]
    assert result.multivariate == []  # not run, so joint drift is undecided, not "fine"
    assert result.features and result.performance is not None and result.concept is not None
    assert result.estimated is not None and result.service is not None
    [alert] = alerts_for(result)
    assert (alert.kind, alert.subject, alert.severity) == (
        "check_failed",
        "multivariate",
        "warning",
    )
    assert alert.message == (
        "The multivariate check could not run on this window: ValueError: Input X contains "
        "infinity or a value too large for dtype('float64').; the other checks completed."
    )
    assert result.status == "drift" and alert.message in result.summary
    assert MonitoringResult.from_dict(_strict_json(result)) == result


def test_every_check_is_isolated(
    project: Project, bundle: ModelBundle, ames: AmesScenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise FloatingPointError("overflow")

    for name in ("build_profile", "outputs_profile", "window_performance", "service_health",
                 "judge_quality", "estimate_performance", "window_fairness_of",
                 "window_compliance"):  # fmt: skip
        monkeypatch.setattr(f"driftlab.monitor.run.{name}", broken)
    result = monitor_window(
        _logged(bundle, ames, ames.normal, None), bundle, MonitorSettings.of(project)
    )
    assert [e.check for e in result.check_errors] == [
        "data_drift", "data_quality", "performance", "prediction_drift", "service",
        "estimated_performance", "fairness", "compliance",
    ]  # fmt: skip
    # Nothing could be decided about drift or performance; what ran is still there.
    assert result.features == [] and result.performance is None and result.multivariate == []
    assert {a.kind for a in alerts_for(result)} == {"check_failed"}


def test_a_setting_that_cannot_work_still_stops_the_run(
    project: Project, bundle: ModelBundle, ames: AmesScenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    def misconfigured(*args: object, **kwargs: object) -> None:
        raise ConfigError("fairness.attributes names 'sex', which is not a feature")

    monkeypatch.setattr("driftlab.monitor.run.window_fairness_of", misconfigured)
    with pytest.raises(ConfigError, match=r"fairness\.attributes"):
        monitor_window(_unlabeled(bundle, ames), bundle, MonitorSettings.of(project))


def test_a_run_stored_before_check_errors_existed_still_loads(
    project: Project, bundle: ModelBundle, ames: AmesScenario
) -> None:
    result = monitor_window(_unlabeled(bundle, ames), bundle, MonitorSettings.of(project))
    old = {k: v for k, v in result.to_dict().items() if k not in ("check_errors", "data_quality")}
    loaded = MonitoringResult.from_dict(old)
    assert loaded.check_errors == [] and loaded.data_quality is None


def _record_strategy(project: Project) -> st.SearchStrategy[dict[str, Any]]:
    """Records /v1/predict accepts: finite numbers of any magnitude, any string, None where
    the feature is nullable."""
    fields = {}
    for f in project.features:
        if not f.is_model_input:
            continue
        value: st.SearchStrategy[Any] = (
            st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(2**53), 2**53)
            if f.kind is FeatureKind.NUMERIC
            else st.text(max_size=20)
        )
        fields[f.name] = value | st.none() if f.nullable else value
    return st.fixed_dictionaries(fields)


def test_any_row_the_api_accepted_can_be_monitored(
    project: Project, bundle: ModelBundle, ames: AmesScenario
) -> None:
    accepts = record_model(project)
    base = _unlabeled(bundle, ames)
    monitor = MonitorSettings.of(project)

    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(records=st.lists(_record_strategy(project), min_size=1, max_size=3))
    def check(records: list[dict[str, Any]]) -> None:
        rows = [accepts.model_validate(r).model_dump() for r in records]  # the API took them
        batch = bundle.predict(rows)
        logged = base.copy()
        for i, (row, prediction) in enumerate(zip(rows, batch.predictions, strict=True)):
            at = 7 + 11 * i
            for name, value in row.items():
                if logged[name].dtype.kind in "iu":
                    logged[name] = logged[name].astype("float64")
                logged.at[at, name] = value
            logged.at[at, "prediction"] = prediction
            if batch.probability is not None:
                logged.at[at, "probability"] = batch.probability[i]
        result = monitor_window(logged, bundle, monitor)
        assert result.status in STATUSES
        assert result.check_errors == []  # handled where they would overflow, not caught
        assert MonitoringResult.from_dict(_strict_json(result)) == result

    check()


def test_a_logged_1e308_is_monitored_through_the_store(
    project: Project, bundle: ModelBundle, ames: AmesScenario, store: SqlStore
) -> None:
    """The reported incident end to end: the value goes through the store's JSON and back,
    and the monitoring job saves a run instead of failing."""
    frame = ames.normal.iloc[:150]
    rows = frame.drop(columns=[TARGET]).to_dict(orient="records")
    rows[3] = {**rows[3], "Full_Bath": 1e308}
    rows[4] = {**rows[4], "Full_Bath": 1.7e308, "Fireplaces": -1.7e308}
    batch = bundle.predict(rows)
    store.log_predictions([
        PredictionRecord(f"r{i}", T0 + timedelta(minutes=i), bundle.info.name, "1", r,
                         batch.predictions[i], batch.probability[i], 5.0)
        for i, r in enumerate(rows)
    ])  # fmt: skip
    registry = MemoryRegistry()
    registry.set_alias(bundle.info.name, CHAMPION, registry.register(bundle))
    outcome = monitor_job(project, store, registry, Window(last_n=1000), [])
    stored = MonitoringResult.from_dict(store.get_run(outcome.run_id).result)
    assert stored.check_errors == [] and stored.status in STATUSES
    assert stored.data_quality is not None
    counted = {e.feature: e.n for e in stored.data_quality.extreme}
    assert counted == {"Full_Bath": 2, "Fireplaces": 1}
