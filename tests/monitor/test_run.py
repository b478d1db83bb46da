"""One monitoring run end to end in memory: every part of the result, and its alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from driftlab.alerts import alerts_for
from driftlab.config import Project
from driftlab.model import ModelBundle
from driftlab.monitor import MonitoringResult, monitor_window
from driftlab.monitor.settings import MonitorSettings
from driftlab.scenarios.ames import AmesScenario

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _logged(
    bundle: ModelBundle, ames: AmesScenario, frame: pd.DataFrame, flip_after: int | None
) -> pd.DataFrame:
    rows = ames.records(frame)
    batch = bundle.predict(rows)
    labels = frame[ames.target].to_numpy(dtype=object).copy()
    if flip_after is not None:
        tail = labels[flip_after:]
        labels[flip_after:] = np.where(tail == "high", "low", "high")
    n = len(rows)
    base = pd.DataFrame({
        "request_id": [f"r{i:04d}" for i in range(n)],
        "ts": [T0 + timedelta(minutes=i) for i in range(n)],
        "model_version": "1", "prediction": batch.predictions, "probability": batch.probability,
        "latency_ms": 2.0, "label": labels,
        "label_ts": [T0 + timedelta(minutes=i, hours=1) for i in range(n)],
    })  # fmt: skip
    return pd.concat([base, pd.DataFrame(rows)], axis=1)


def test_quiet_window_has_every_section_and_no_alerts(
    project: Project, bundle: ModelBundle, ames: AmesScenario
) -> None:
    result = monitor_window(
        _logged(bundle, ames, ames.normal, None), bundle, MonitorSettings.of(project)
    )
    assert result.status == "ok" and alerts_for(result) == []
    assert result.prediction_drift is not None and not result.prediction_drift.drifted
    assert [m.method for m in result.multivariate] == ["domain_classifier", "pca_reconstruction"]
    assert result.estimated is not None and result.service is not None
    assert result.concept is not None and not result.concept.detected
    assert result.concept.p_value is not None and result.concept.p_value > 0.01
    assert MonitoringResult.from_dict(result.to_dict()) == result


def test_flipped_labels_are_concept_drift(
    project: Project, bundle: ModelBundle, ames: AmesScenario
) -> None:
    window = pd.concat(
        [ames.normal, ames.normal.sample(frac=1.0, random_state=1)], ignore_index=True
    )
    logged = _logged(bundle, ames, window, flip_after=len(ames.normal))
    result = monitor_window(logged, bundle, MonitorSettings.of(project))
    concept = result.concept
    assert concept is not None and concept.detected and concept.p_value is not None
    assert concept.p_value < 1e-6 and concept.window_error > concept.reference_error  # type: ignore[operator]
    first = concept.change_points[0]["index"]
    assert len(ames.normal) <= first < len(ames.normal) + 150  # detected soon after the change
    kinds = [a.kind for a in alerts_for(result)]
    assert "concept_drift" in kinds and "performance" in kinds
    assert not any(f.drifted for f in result.features)  # the inputs did not move at all


def test_a_column_turned_to_text_is_a_finding_not_a_failed_run(
    project: Project, bundle: ModelBundle, ames: AmesScenario
) -> None:
    window = _logged(bundle, ames, ames.normal, None)
    window["Gr_Liv_Area"] = window["Gr_Liv_Area"].astype(object)
    turned = window.index[::10]
    window.loc[turned, "Gr_Liv_Area"] = [f"{v} sq ft" for v in range(len(turned))]
    result = monitor_window(window, bundle, MonitorSettings.of(project))
    assert result.check_errors == []
    found = {a.subject: a for a in alerts_for(result) if a.kind == "data_quality"}
    text = found["Gr_Liv_Area:unparsable"]
    assert text.details["n"] == len(turned) and text.details["examples"][0].endswith(" sq ft")
    assert "Gr_Liv_Area:missing_jump" not in found  # the text is not counted as missing too
    assert MonitoringResult.from_dict(result.to_dict()) == result
