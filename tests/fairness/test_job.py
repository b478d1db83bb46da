"""monitor_job on the credit scenario: fairness and compliance alerts reach a real webhook,
and every compliance check lands in the audit log of the real store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from driftlab.alerts.sinks.webhook import WebhookSink
from driftlab.config import load_project
from driftlab.jobs import monitor_job
from driftlab.model import ModelBundle
from driftlab.monitor import Window
from driftlab.registry import CHAMPION, MemoryRegistry
from driftlab.scenarios import credit
from driftlab.store import SqlStore
from driftlab.store.base import LabelRecord, PredictionRecord
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
    v1 = registry.register(train_model(project, s.train))
    registry.set_alias("credit", CHAMPION, v1)
    _serve(store, registry.load("credit", v1), s.drifted, "a")
    with WebhookReceiver() as rx:
        sink = WebhookSink(rx.url)
        first = monitor_job(project, store, registry, Window(last_n=len(s.drifted)), [sink])
        kinds = [m["kind"] for m in rx.received]
        assert "fairness" in kinds and "compliance" not in kinds
        fair = next(m for m in rx.received if m["subject"] == "sex:demographic_parity_difference")
        assert fair["text"].startswith("Fairness alert on sex")
        assert fair["details"]["groups"] == ["female", "male"]
        # The challenger learns the biased labels of the shifted phase.
        biased = pd.concat([s.train, s.normal, s.drifted], ignore_index=True)
        v2 = registry.register(train_model(project, biased))
        registry.set_alias("credit", CHAMPION, v2)
        _serve(store, registry.load("credit", v2), s.after_retrain, "b")
        rx.received.clear()
        second = monitor_job(project, store, registry, Window(last_n=len(s.after_retrain)),
                             [sink])  # fmt: skip
        (comp,) = [m for m in rx.received if m["kind"] == "compliance"]
    assert comp["subject"] == "reliance:zip_code" and comp["severity"] == "critical"
    assert "zip_code is a prohibited feature" in comp["text"]
    assert comp["model_version"] == v2
    audit = store.audit("credit")
    assert {r["run_id"] for r in audit} == {first.run_id, second.run_id}
    zip_rows = {r["model_version"]: r["verdict"] for r in audit if r["feature"] == "zip_code"}
    assert zip_rows == {v1: "pass", v2: "alert"}
    proxies = [r for r in audit if r["check"] == "proxy"]
    assert {r["feature"] for r in proxies} == {"sex", "age"}
    store.close()
