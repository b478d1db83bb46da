"""The e-mail channel against a real SMTP server (aiosmtpd) on 127.0.0.1: plain, STARTTLS with
AUTH and a self-signed certificate, transient and permanent refusals."""

from __future__ import annotations

import logging
import ssl
from datetime import timedelta
from pathlib import Path

import pytest

from driftlab.alerts import EmailSink, RetryPolicy, TransientDeliveryError, build_sinks, dispatch
from driftlab.config import AlertsConfig
from driftlab.errors import AlertDeliveryError
from driftlab.monitor import Alert
from driftlab.store import MemoryStore
from tests.receivers import SmtpReceiver, self_signed_cert

CONTEXT = {"model": "ames-housing", "model_version": "3", "window": "last 400 predictions"}
PASSWORD = "smtp-pa55word"
FAST = RetryPolicy(retries=2, backoff_s=0.01)


def _alert() -> Alert:
    return Alert(
        "data_drift",
        "critical",
        "Gr_Liv_Area",
        "Data drift detected on feature Gr_Liv_Area: mean 1,102 vs 1,513 in training (-27%).",
        "ames-housing:data_drift:Gr_Liv_Area",
        {"psi": 1.675, "test": "ks"},
    )


@pytest.fixture
def store(tmp_path: Path) -> MemoryStore:
    return MemoryStore()


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_cert(tmp_path_factory.mktemp("tls"))


def _plain_sink(rx: SmtpReceiver, **kw) -> EmailSink:
    return EmailSink(
        "127.0.0.1",
        port=rx.port,
        starttls=False,
        sender="driftlab@example.com",
        to=["oncall@example.com", "ml@example.com"],
        **kw,
    )


def test_plain_smtp_delivers_subject_and_body(store: MemoryStore) -> None:
    with SmtpReceiver() as rx:
        out = dispatch([_alert()], [_plain_sink(rx)], store, cooldown=timedelta(0), context=CONTEXT)
    assert out[0].sent_to == ["email#0"] and not out[0].failures
    [msg] = rx.messages
    assert msg["Subject"] == "[driftlab] CRITICAL data_drift on Gr_Liv_Area (ames-housing)"
    assert msg["From"] == "driftlab@example.com"
    assert msg["To"] == "oncall@example.com, ml@example.com"
    assert msg["X-Driftlab-Fingerprint"] == "ames-housing:data_drift:Gr_Liv_Area"
    body = msg.get_content().replace("\r\n", "\n")
    assert body.startswith(_alert().message + "\n")
    for line in ("Model: ames-housing", "Version: 3", "Window: last 400 predictions"):
        assert line in body
    assert "Details:\n  psi: 1.675\n  test: ks" in body
    assert rx.envelopes == [("driftlab@example.com", ["oncall@example.com", "ml@example.com"])]


def test_starttls_and_auth_with_a_project_ca_file(
    store: MemoryStore, cert: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRIFTLAB_TEST_SMTP_PASSWORD", PASSWORD)
    with SmtpReceiver(cert=cert, login=("driftlab", PASSWORD)) as rx:
        config = AlertsConfig.model_validate(
            {
                "allow_hosts": [f"127.0.0.1:{rx.port}"],  # the SMTP host is checked too
                "channels": [
                    {
                        "type": "email",
                        "host": "127.0.0.1",
                        "port": rx.port,
                        "username": "driftlab",
                        "password_env": "DRIFTLAB_TEST_SMTP_PASSWORD",
                        "ca_file": cert[0].name,  # relative to the project folder
                        "sender": "driftlab@example.com",
                        "to": ["oncall@example.com"],
                    }
                ],
            }
        )
        sinks = build_sinks(config, root=cert[0].parent)
        out = dispatch([_alert()], sinks, store, cooldown=timedelta(0), context=CONTEXT)
    assert out[0].sent_to == ["email#0"], out[0].failures
    assert rx.logins == ["driftlab"]
    assert rx.messages[0]["Subject"].startswith("[driftlab] CRITICAL data_drift")


def test_wrong_password_is_permanent_and_not_quoted(
    store: MemoryStore, cert: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    context = ssl.create_default_context(cafile=str(cert[0]))
    with SmtpReceiver(cert=cert, login=("driftlab", PASSWORD)) as rx, caplog.at_level("DEBUG"):
        sink = EmailSink(
            "127.0.0.1",
            port=rx.port,
            sender="driftlab@example.com",
            to=["oncall@example.com"],
            username="driftlab",
            password="not-" + PASSWORD,
            ssl_context=context,
            retry=FAST,
        )
        out = dispatch([_alert()], [sink], store, cooldown=timedelta(0), context={})
    [failure] = out[0].failures  # one attempt: the same password would fail again
    assert "refused the username or password (SMTP 535" in failure
    assert "(attempt 1 of 3)" in failure
    assert PASSWORD not in caplog.text + failure and not rx.messages


def test_untrusted_certificate_is_refused_before_any_password(cert: tuple[Path, Path]) -> None:
    with SmtpReceiver(cert=cert, login=("driftlab", PASSWORD)) as rx:
        sink = EmailSink(
            "127.0.0.1",
            port=rx.port,
            sender="driftlab@example.com",
            to=["oncall@example.com"],
            username="driftlab",
            password=PASSWORD,
        )
        with pytest.raises(AlertDeliveryError, match="certificate that is not trusted") as info:
            sink.send(_alert(), {})
    assert not isinstance(info.value, TransientDeliveryError)
    assert rx.logins == [] and PASSWORD not in str(info.value)


def test_server_without_starttls_is_refused(store: MemoryStore) -> None:
    with SmtpReceiver() as rx:
        sink = EmailSink("127.0.0.1", port=rx.port, sender="d@example.com", to=["o@example.com"])
        with pytest.raises(AlertDeliveryError, match="does not offer STARTTLS"):
            sink.send(_alert(), {})
    assert not rx.messages


def test_smtp_4xx_is_retried_and_5xx_is_not(store: MemoryStore, caplog) -> None:
    with SmtpReceiver(replies=["451 4.3.0 Try again later", "451 4.3.0 Try again later"]) as rx:
        out = dispatch(
            [_alert()], [_plain_sink(rx, retry=FAST)], store, cooldown=timedelta(0), context={}
        )
    assert out[0].sent_to == ["email#0"] and len(rx.messages) == 1
    assert out[0].failures == [
        f"email#0: 127.0.0.1:{rx.port} answered SMTP 451 4.3.0 Try again later (attempt {n} of 3)"
        for n in (1, 2)
    ]
    with SmtpReceiver(replies=["554 5.7.1 Rejected"]) as rx, caplog.at_level(logging.ERROR):
        out = dispatch(
            [_alert()], [_plain_sink(rx, retry=FAST)], store, cooldown=timedelta(0), context={}
        )
    assert out[0].sent_to == [] and len(out[0].failures) == 1 and "SMTP 554" in caplog.text


def test_unreachable_server_is_transient() -> None:
    sink = EmailSink(
        "127.0.0.1", port=9, starttls=False, sender="d@example.com", to=["o@example.com"]
    )
    with pytest.raises(TransientDeliveryError, match=r"email#0: 127.0.0.1:9: delivery failed"):
        sink.send(_alert(), {})
