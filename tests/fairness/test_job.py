"""monitor_job on the credit scenario: fairness and compliance alerts reach a real webhook,
and every compliance check lands in the audit log of the real store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from prometheus_client import CollectorRegistry

from driftlab.alerts.sinks.webhook import WebhookSink
from driftlab.config import load_project
from driftlab.jobs import monitor_job
from driftlab.model import ModelBundle
from driftlab.monitor.reference import prepare_reference
from driftlab.registry import CHAMPION, MemoryRegistry
from driftlab.scenarios import credit
from driftlab.serve.run_gauges import MonitoringGauges
from driftlab.store import LabelRecord, PredictionRecord, Window
from driftlab.store.sql import SqlStore
from driftlab.train import train_model
from tests.receivers import WebhookReceiver


def _serve(store: SqlStore, bundle: ModelBundle, frame: pd.DataFrame, tag: str) -> None:
    """Log ``frame`` the way /v1/predict does: protected attributes apart from the inputs."""
    target = credit.TARGET
    rows = frame.drop(columns=[target]).to_dict(orient="records")
    batch = bundle.predict(rows)
    meta = {"sex", "age"}
    start = datetime.now(UTC)
    store.log_predictions([
        PredictionRecord(
            f"{tag}{i}", start + timedelta(milliseconds=i), "credit", str(bundle.version),
            {k: v for k, v in r.items() if k not in meta}, batch.predictions[i],
            batch.probability[i], 1.0, attributes={k: r[k] for k in meta},
        )
        for i, r in enumerate(rows)
    ])  # fmt: skip
    store.add_labels([LabelRecord(f"{tag}{i}", str(y), start) for i, y in
                      enumerate(frame[target])])  # fmt: skip


@pytest.mark.slow
def test_alerts_reach_the_webhook_and_checks_reach_the_audit(tmp_path: Path) -> None:
    s = credit.prepare(tmp_path / "credit")
    project = load_project(s.project_file)
    store = SqlStore(f"sqlite:///{tmp_path / 'store.db'}")
    registry = MemoryRegistry()
    v1 = registry.register(train_model(project, s.train, prepare=prepare_reference))
    registry.set_alias("credit", CHAMPION, v1)
    _serve(store, registry.load("credit", v1), s.drifted, "a")
    with WebhookReceiver() as rx:
        sink = WebhookSink(rx.url)
        first = monitor_job(project, store, registry, Window(last_n=len(s.drifted)), [sink])
        # One message: the incident, the fairness gap inside it with its numbers.
        [incident] = rx.received
        kinds = [f["kind"] for f in incident["details"]["findings"]]
        assert incident["kind"] == "incident" and "fairness" in kinds and "compliance" not in kinds
        fair = next(f for f in incident["details"]["findings"]
                    if f["subject"] == "sex:demographic_parity_difference")  # fmt: skip
        assert fair["message"].startswith("Fairness alert on sex")
        assert fair["details"]["groups"] == ["female", "male"]
        # The challenger learns the biased labels of the shifted phase.
        biased = pd.concat([s.train, s.normal, s.drifted], ignore_index=True)
        v2 = registry.register(train_model(project, biased, prepare=prepare_reference))
        registry.set_alias("credit", CHAMPION, v2)
        _serve(store, registry.load("credit", v2), s.after_retrain, "b")
        rx.received.clear()
        second = monitor_job(project, store, registry, Window(last_n=len(s.after_retrain)),
                             [sink])  # fmt: skip
        # A compliance breach joins the open incident: a new kind, so it is sent at once,
        # cooldown or not.
        [update] = rx.received
        (comp,) = [f for f in update["details"]["findings"] if f["kind"] == "compliance"]
    assert comp["subject"] == "reliance:zip_code" and comp["severity"] == "critical"
    assert "zip_code is a prohibited feature" in comp["message"]
    assert update["model_version"] == v2
    audit = [r.to_dict() for r in store.audit("credit")]
    assert {r["run_id"] for r in audit} == {first.run_id, second.run_id}
    zip_rows = {r["model_version"]: r["verdict"] for r in audit if r["feature"] == "zip_code"}
    assert zip_rows == {v1: "pass", v2: "alert"}
    proxies = [r for r in audit if r["check"] == "proxy"]
    assert {r["feature"] for r in proxies} == {"sex", "age"}

    # Prometheus mirrors every stored statistic of the latest run, fairness and compliance too.
    registry_ = CollectorRegistry()
    MonitoringGauges(registry_, refresh_s=0).update(store, "credit")
    result = store.get_run(second.run_id).result
    get = registry_.get_sample_value
    zip_check = next(
        c for c in result["compliance"]["checks"]
        if c["check"] == "reliance" and c["feature"] == "zip_code"
    )  # fmt: skip
    assert get(
        "driftlab_compliance_value",
        {"check": "reliance", "feature": "zip_code", "prohibited": "true"},
    ) == pytest.approx(zip_check["value"])
    assert get("driftlab_compliance_alert", {"check": "reliance", "feature": "zip_code"}) == 1.0
    for m in result["fairness"]["metrics"]:
        labels = {"attribute": m["attribute"], "metric": m["metric"]}
        assert get("driftlab_fairness_violation", labels) == float(m["status"] == "violation")
        if m["value"] is not None:
            assert get("driftlab_fairness_metric", {**labels, "source": "window"}) == pytest.approx(
                m["value"]
            )
    for q, v in result["service"]["latency_ms"].items():
        assert get("driftlab_window_latency_ms", {"quantile": q}) == pytest.approx(v)
    assert get("driftlab_prediction_psi") == pytest.approx(result["prediction_drift"]["psi"])
    store.close()
