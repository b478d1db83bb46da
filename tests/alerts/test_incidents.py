"""Incidents end to end: a drift window with many drifted features is one incident with ranked
causes and one message per channel (real Slack-style and webhook receivers and a real SMTP
server on 127.0.0.1, a real SQLite store, the real monitor job); a persisting incident is not
re-sent within the cooldown; its end is announced once; it is sent again when it reopens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from driftlab.alerts import EmailSink, RetryPolicy, SlackSink, WebhookSink
from driftlab.config import Project
from driftlab.jobs import MonitorOutcome, monitor_job
from driftlab.model import ModelBundle
from driftlab.registry import MemoryRegistry
from driftlab.scenarios.ames import TARGET, AmesScenario
from driftlab.store import PredictionRecord, Window
from driftlab.store.sql import SqlStore
from tests.receivers import SmtpReceiver, WebhookReceiver

FAST = RetryPolicy(retries=1, backoff_s=0.0)
T0 = datetime(2026, 3, 1, tzinfo=UTC)
N = 400


def _log(store: SqlStore, bundle: ModelBundle, frame: pd.DataFrame, start: datetime, tag: str):
    rows = frame.drop(columns=[TARGET]).head(N).to_dict(orient="records")
    batch = bundle.predict(rows)
    store.log_predictions([
        PredictionRecord(f"{tag}{i}", start + timedelta(seconds=i), bundle.info.name, "1", r,
                         batch.predictions[i], batch.probability[i], 5.0)
        for i, r in enumerate(rows)
    ])  # fmt: skip
    return Window(start=start, end=start + timedelta(seconds=len(rows)))


class Channels:
    """Slack (an HTTP receiver standing in for hooks.slack.com), a webhook and e-mail."""

    def __init__(self) -> None:
        self.slack, self.hook, self.smtp = WebhookReceiver(), WebhookReceiver(), SmtpReceiver()

    def __enter__(self) -> Channels:
        for rx in (self.slack, self.hook, self.smtp):
            rx.__enter__()
        self.sinks = [
            SlackSink(self.slack.url, index=0, retry=FAST),
            WebhookSink(self.hook.url, index=1, secret="k", retry=FAST),
            EmailSink("127.0.0.1", sender="driftlab@example.com", to=["ops@example.com"],
                      port=self.smtp.port, starttls=False, index=2, retry=FAST),
        ]  # fmt: skip
        return self

    def __exit__(self, *exc: object) -> None:
        for rx in (self.slack, self.hook, self.smtp):
            rx.__exit__(*exc)

    def counts(self) -> tuple[int, int, int]:
        return len(self.slack.received), len(self.hook.received), len(self.smtp.messages)


@pytest.fixture
def sql(tmp_path: Path) -> SqlStore:
    s = SqlStore(f"sqlite:///{tmp_path / 'store.db'}")
    yield s
    s.close()


def _run(project, store, registry, window, channels) -> MonitorOutcome:
    return monitor_job(project, store, registry, window, channels.sinks)


def test_one_cause_is_one_incident_one_message_per_channel_deduplicated_then_cleared_once(
    project: Project, bundle: ModelBundle, registry: MemoryRegistry, ames: AmesScenario,
    sql: SqlStore,
) -> None:  # fmt: skip
    drifted = _log(sql, bundle, ames.drifted, T0, "a")
    with Channels() as ch:
        first = _run(project, sql, registry, drifted, ch)
        alerts = first.result.alerts
        # The scenario shifts the houses' size: many features move together.
        assert len(alerts) >= 10 and first.result.status == "drift"
        [incident] = first.result.incidents
        assert incident.fingerprint == "ames-housing:incident:data"
        assert ch.counts() == (1, 1, 1)
        assert [d.sent_to for d in first.deliveries] == [["slack#0", "webhook#1", "email#2"]]

        # The webhook carries every finding with its numbers, and the ranked causes.
        [body] = ch.hook.received
        assert (body["kind"], body["severity"]) == ("incident", incident.severity)
        findings = body["details"]["findings"]
        assert [f["fingerprint"] for f in findings] == [a.fingerprint for a in alerts]
        by_fp = {a.fingerprint: a for a in alerts}
        assert all(f["details"] == by_fp[f["fingerprint"]].details for f in findings)
        causes = body["details"]["causes"]
        assert [c["rank"] for c in causes] == list(range(1, len(causes) + 1))
        # The feature the scenario shifts leads; the domain classifier's features come first,
        # by importance, then the others by PSI.
        assert causes[0]["feature"] == "Gr_Liv_Area"
        ranked = [c for c in causes if c["importance"] is not None]
        rest = causes[len(ranked) :]
        assert ranked and all(c["importance"] is None for c in rest)
        assert [c["importance"] for c in ranked] == sorted(
            (c["importance"] for c in ranked), reverse=True
        )
        assert [c["psi"] for c in rest] == sorted((c["psi"] for c in rest), reverse=True)
        classifier = next(m for m in first.result.multivariate if m.method == "domain_classifier")
        assert {c["feature"] for c in ranked} == {
            t["feature"] for t in classifier.details["top_features"]
        }
        psi = {f.feature: f.psi for f in first.result.features}
        assert all(c["psi"] == pytest.approx(psi[c["feature"]]) for c in causes)
        drifted_names = set(first.result.drifted_features)
        assert drifted_names <= {c["feature"] for c in causes}

        # Slack: one message, its header the incident, the causes and findings inside it.
        [slack] = ch.slack.received
        header = slack["blocks"][0]["text"]["text"]
        assert header.startswith(":rotating_light: CRITICAL incident: data drift ×")
        sections = "\n".join(b["text"]["text"] for b in slack["blocks"] if b["type"] == "section")
        assert "1. Gr_Liv_Area: domain classifier importance" in sections
        assert f"Findings ({len(alerts)}):" in sections
        # E-mail: one message with every finding's sentence and numbers.
        [mail] = ch.smtp.messages
        assert mail["Subject"].startswith("[driftlab] CRITICAL incident: data drift ×")
        assert mail["X-Driftlab-Fingerprint"] == incident.fingerprint
        text = mail.get_content()
        assert all(a.message in " ".join(text.split()) for a in alerts)
        assert f"Findings ({len(alerts)}):" in text and "psi: " in text

        # The same incident in the next run: stored, held back by the cooldown, not re-sent.
        again = _run(project, sql, registry, drifted, ch)
        assert again.result.incidents[0].fingerprint == incident.fingerprint
        assert [d.suppressed for d in again.deliveries] == [True]
        assert ch.counts() == (1, 1, 1)

        # Normal traffic: one all-clear per channel; a second clean run sends nothing more.
        clean = _log(sql, bundle, ames.normal, T0 + timedelta(days=1), "b")
        cleared = _run(project, sql, registry, clean, ch)
        assert cleared.result.incidents == [] and cleared.result.alerts == []
        assert ch.counts() == (2, 2, 2)
        notice = ch.hook.received[-1]
        assert notice["kind"] == "resolved" and notice["details"]["resolved_kind"] == "incident"
        assert notice["fingerprint"] == f"{incident.fingerprint}:resolved"
        assert notice["text"].startswith("Resolved: the data incident (data drift ×")
        assert ch.smtp.messages[-1]["Subject"].startswith("[driftlab] RESOLVED incident on data")
        _run(project, sql, registry, clean, ch)
        assert ch.counts() == (2, 2, 2)

        # The drift comes back within the cooldown: people were told it ended, so it is sent.
        back = _run(project, sql, registry, drifted, ch)
        assert back.deliveries[0].sent_to == ["slack#0", "webhook#1", "email#2"]
        assert ch.counts() == (3, 3, 3) and ch.hook.received[-1]["kind"] == "incident"
    # Stored runs keep their incidents, as the report and the dashboard read them.
    stored = sql.get_run(first.run_id).result
    assert stored["incidents"][0]["fingerprint"] == incident.fingerprint
    assert len(stored["incidents"][0]["findings"]) == len(alerts)
