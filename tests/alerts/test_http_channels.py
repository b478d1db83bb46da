"""Slack and signed webhooks against real receivers on 127.0.0.1; retries and backoff."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from driftlab.alerts import (
    ConsoleSink,
    RetryPolicy,
    SlackSink,
    TransientDeliveryError,
    WebhookSink,
    build_sinks,
    dispatch,
)
from driftlab.config import AlertsConfig
from driftlab.errors import AlertDeliveryError, ConfigError
from driftlab.monitor import Alert
from driftlab.store import MemoryStore
from tests.receivers import WebhookReceiver

FAST = RetryPolicy(retries=3, backoff_s=0.01)
CONTEXT = {"model": "ames-housing", "model_version": "3", "window": "last 400 predictions"}


def _alert(severity: str = "critical") -> Alert:
    return Alert(
        "data_drift",
        severity,
        "Gr_Liv_Area",
        "Data drift detected on feature Gr_Liv_Area: mean 1,102 vs 1,513 in training (-27%).",
        "ames-housing:data_drift:Gr_Liv_Area",
        {"psi": 1.675, "p_adjusted": float("nan"), "test": "ks"},
    )


@pytest.fixture
def store(tmp_path: Path) -> MemoryStore:
    return MemoryStore()


def test_slack_posts_blocks_and_text_fallback(store: MemoryStore) -> None:
    with WebhookReceiver() as rx:
        sink = SlackSink(rx.url, index=1)
        out = dispatch([_alert()], [sink], store, cooldown=timedelta(0), context=CONTEXT)
    assert out[0].sent_to == ["slack#1"] and not out[0].failures
    msg = rx.received[0]
    header, section, context = msg["blocks"]
    assert header["type"] == "header"
    assert header["text"] == {
        "type": "plain_text",
        "text": ":rotating_light: CRITICAL data_drift on Gr_Liv_Area (ames-housing)",
    }
    assert section["type"] == "section" and section["text"]["text"] == _alert().message
    assert context["elements"][0]["text"] == (
        "model ames-housing · version 3 · window last 400 predictions"
    )
    assert msg["text"].startswith("CRITICAL data_drift on Gr_Liv_Area (ames-housing): Data drift")
    assert rx.requests[0].headers["Content-Type"] == "application/json"


def test_signed_webhook_verifies_on_the_receiver_side(store: MemoryStore) -> None:
    secret = "whsec-0123456789"
    with WebhookReceiver() as rx:
        sink = WebhookSink(rx.url, secret=secret)
        dispatch([_alert()], [sink], store, cooldown=timedelta(0), context=CONTEXT)
    req = rx.requests[0]
    # What a receiver does: HMAC the raw body bytes, compare in constant time.
    expected = "sha256=" + hmac.new(secret.encode(), req.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(req.headers["X-Driftlab-Signature"], expected)
    body = json.loads(req.body)
    assert req.headers["X-Driftlab-Timestamp"] == str(body["sent_at"])  # signed, so replayable
    assert body["details"]["p_adjusted"] is None  # NaN is not JSON; receivers would refuse it
    forged = "sha256=" + hmac.new(b"wrong", req.body, hashlib.sha256).hexdigest()
    assert not hmac.compare_digest(req.headers["X-Driftlab-Signature"], forged)


def test_unsigned_webhook_sends_no_signature(store: MemoryStore) -> None:
    with WebhookReceiver() as rx:
        dispatch([_alert()], [WebhookSink(rx.url)], store, cooldown=timedelta(0), context={})
    assert "X-Driftlab-Signature" not in rx.requests[0].headers


@pytest.mark.parametrize("transient", [503, 429])
def test_retries_until_delivered_and_records_each_failure(
    store: MemoryStore, transient: int
) -> None:
    waits: list[float] = []
    with WebhookReceiver(statuses=[transient, transient]) as rx:
        sink = WebhookSink(rx.url, retry=RetryPolicy(retries=3, backoff_s=0.5))
        out = dispatch(
            [_alert()], [sink], store, cooldown=timedelta(0), context={}, sleep=waits.append
        )
    assert out[0].sent_to == ["webhook#0"]
    assert out[0].failures == [
        f"webhook#0: receiver answered HTTP {transient} (attempt 1 of 4)",
        f"webhook#0: receiver answered HTTP {transient} (attempt 2 of 4)",
    ]
    assert waits == [0.5, 1.0]  # doubling backoff
    assert len(rx.requests) == 3


def test_client_error_is_not_retried(store: MemoryStore) -> None:
    with WebhookReceiver(status=400) as rx:
        out = dispatch(
            [_alert()], [SlackSink(rx.url, retry=FAST)], store, cooldown=timedelta(0), context={}
        )
    assert out[0].sent_to == []
    assert out[0].failures == ["slack#0: receiver answered HTTP 400 (attempt 1 of 4)"]
    assert len(rx.requests) == 1


def test_retries_give_up_after_the_last_attempt_then_one_try_per_alert(store: MemoryStore) -> None:
    with WebhookReceiver(status=500) as rx:
        sink = WebhookSink(rx.url, retry=FAST)
        alerts = [_alert(), Alert("performance", "critical", "roc_auc", "Dropped.", "m:perf")]
        out = dispatch(alerts, [sink, ConsoleSink()], store, cooldown=timedelta(0), context={})
    assert len(out[0].failures) == 4 and out[0].failures[-1].endswith("(attempt 4 of 4)")
    # The receiver is down: the next alert gets one attempt instead of another full backoff.
    assert out[1].failures == ["webhook#0: receiver answered HTTP 500 (attempt 1 of 1)"]
    assert out[1].sent_to == ["console"]
    assert len(rx.requests) == 5


def test_connection_refused_is_transient() -> None:
    sink = WebhookSink("http://127.0.0.1:9/hook?token=s3cret", timeout_s=0.5)
    with pytest.raises(TransientDeliveryError, match=r"webhook#0: delivery failed \(Connect"):
        sink.send(_alert(), {})


def test_secrets_never_reach_logs_or_errors(store: MemoryStore, caplog, tmp_path: Path) -> None:
    token, secret = "s3cret", "hmac-k3y-value"
    with caplog.at_level(logging.DEBUG), WebhookReceiver(status=503) as rx:
        sinks = build_sinks(
            AlertsConfig.model_validate(
                {
                    "allow_hosts": ["127.0.0.1"],
                    "channels": [
                        {"type": "webhook", "url": rx.url, "secret": secret, "backoff_s": 0},
                        {"type": "slack", "url": rx.url, "retries": 0},
                    ],
                }
            )
        )
        out = dispatch([_alert()], sinks, store, cooldown=timedelta(0), context={})
        dead = WebhookSink(f"http://127.0.0.1:9/{token}", secret=secret, retry=FAST)
        with pytest.raises(AlertDeliveryError) as info:
            dead.send(_alert(), {})
        with pytest.raises(ConfigError) as refused:
            build_sinks(
                AlertsConfig.model_validate({"channels": [{"type": "slack", "url": rx.url}]})
            )
    assert out[0].failures and rx.requests  # it did try, and failed
    texts = [caplog.text, str(info.value), repr(info.value), str(refused.value), *out[0].failures]
    texts += [repr(s) for s in sinks]
    for text in texts:
        assert token not in text and secret not in text
    assert info.value.__cause__ is None and info.value.__suppress_context__
