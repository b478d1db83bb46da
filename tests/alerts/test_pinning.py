"""Delivery connects to the address the guard checked, for webhook, Slack and e-mail.

DNS is played by resolvers the tests inject. No test sends traffic past loopback:
``socket.create_connection`` is watched, and a connection to anything but a loopback address
fails the test (or, where a test needs to see the target, is refused before it is made).
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from driftlab.alerts import (
    EmailSink,
    RetryPolicy,
    Sink,
    SlackSink,
    TransientDeliveryError,
    WebhookSink,
    build_sinks,
)
from driftlab.alerts.guard import Guard
from driftlab.config import AlertsConfig
from driftlab.errors import AlertDeliveryError, ConfigError
from driftlab.monitor import Alert
from tests.receivers import SmtpReceiver, WebhookReceiver, self_signed_cert

PUBLIC = "93.184.215.14"
ALERT = Alert("data_drift", "critical", "x", "Data drift on x.", "m:data_drift:x")
Connect = tuple[str, int]


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # A proxy in the environment would make the connection itself (see alerts.guard).
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(var, raising=False)
    yield


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[Connect]:
    """Every TCP connection made, as (host, port); one to a non-loopback host fails the test."""
    made: list[Connect] = []
    real = socket.create_connection

    def watched(address: Connect, *args: Any, **kwargs: Any) -> socket.socket:
        made.append((str(address[0]), int(address[1])))
        if not _loopback(str(address[0])):
            pytest.fail(f"a connection to {address[0]!r}, which is not a loopback address")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", watched)
    return made


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name: whatever it resolves to now was not checked


def rebinding(first: str, then: str) -> Callable[[str, int], list[str]]:
    """A resolver that answers ``first`` once (the check) and ``then`` ever after."""
    answers = [first]

    def resolve(host: str, port: int) -> list[str]:
        return [answers.pop() if answers else then]

    return resolve


def _channel(kind: str, host: str, port: int) -> dict[str, Any]:
    if kind == "email":
        return {
            "type": "email",
            "host": host,
            "port": port,
            "starttls": False,
            "sender": "d@example.com",
            "to": ["o@example.com"],
            "retries": 0,
        }
    return {"type": kind, "url": f"http://{host}:{port}/hook?token=s3cret", "retries": 0}


@dataclass(frozen=True)
class PinnedTo(Guard):
    """A guard whose every name resolves, checked, to ``address``: lets a test pin a name to
    a loopback receiver, which the real guard refuses unless allowed (and then uses the name)."""

    address: str = "127.0.0.1"

    def addresses(self, host: str, port: int, where: str) -> tuple[str, ...]:
        return (self.address,)


@pytest.mark.parametrize("kind", ["webhook", "slack", "email"])
def test_dns_rebinding_to_loopback_is_refused_before_connecting(
    kind: str, connects: list[Connect]
) -> None:
    with WebhookReceiver() as web, SmtpReceiver() as smtp:
        port = smtp.port if kind == "email" else web.port
        config = AlertsConfig.model_validate({"channels": [_channel(kind, "rebind.test", port)]})
        [sink] = build_sinks(config, resolve=rebinding(PUBLIC, "127.0.0.1"))  # checked: public
        connects.clear()  # aiosmtpd's own start-up probe
        with pytest.raises(AlertDeliveryError, match=r"127\.0\.0\.1, a loopback") as info:
            sink.send(ALERT, {})
    assert not isinstance(info.value, TransientDeliveryError)  # an attack is not retried
    assert str(info.value).startswith(f"{kind}#0: host 'rebind.test'")
    assert connects == [] and web.requests == [] and smtp.messages == []


@pytest.mark.parametrize("kind", ["webhook", "slack", "email"])
def test_delivery_connects_to_the_checked_address_not_the_name(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[Connect] = []

    def refuse(address: Connect, *args: Any, **kwargs: Any) -> socket.socket:
        made.append((str(address[0]), int(address[1])))
        raise ConnectionRefusedError("refused before any traffic")  # nothing leaves the machine

    monkeypatch.setattr(socket, "create_connection", refuse)
    answers = iter([[PUBLIC], ["1.1.1.1", PUBLIC]])  # the check, then the delivery
    config = AlertsConfig.model_validate({"channels": [_channel(kind, "alerts.test", 8025)]})
    [sink] = build_sinks(config, resolve=lambda host, port: next(answers))
    with pytest.raises(TransientDeliveryError):
        sink.send(ALERT, {})
    # Each address of the delivery's own answer, in order; never the name, never re-resolved.
    assert made == [("1.1.1.1", 8025), (PUBLIC, 8025)]


@pytest.mark.parametrize("kind", ["webhook", "slack", "email"])
def test_one_internal_address_among_public_ones_is_refused(
    kind: str, connects: list[Connect]
) -> None:
    config = AlertsConfig.model_validate({"channels": [_channel(kind, "mixed.test", 443)]})
    resolve = lambda host, port: [PUBLIC, "169.254.169.254"]  # noqa: E731
    with pytest.raises(ConfigError, match=r"resolves to 169\.254\.169\.254, a link-local") as info:
        build_sinks(config, resolve=resolve)
    assert str(info.value).startswith("alerts.channels.0.")
    assert connects == []


@pytest.mark.parametrize("kind", ["webhook", "slack", "email"])
def test_an_allowed_loopback_receiver_still_gets_the_alert(
    kind: str, connects: list[Connect]
) -> None:
    with WebhookReceiver() as web, SmtpReceiver() as smtp:
        port = smtp.port if kind == "email" else web.port
        config = AlertsConfig.model_validate(
            {"allow_hosts": [f"127.0.0.1:{port}"], "channels": [_channel(kind, "127.0.0.1", port)]}
        )
        [sink] = build_sinks(config)
        connects.clear()
        sink.send(ALERT, {})
    assert connects == [("127.0.0.1", port)]
    assert len(web.requests) + len(smtp.messages) == 1


def _sinks_to(host: str, port: int, guard: Guard) -> list[Sink]:
    url = f"https://{host}:{port}/hook?token=s3cret"
    return [
        WebhookSink(url, guard=guard, retry=RetryPolicy(0)),
        SlackSink(url, guard=guard, retry=RetryPolicy(0)),
    ]


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """Certificates for the name alerts.test only, and for 127.0.0.1 and localhost only."""
    return {
        "name": self_signed_cert(tmp_path_factory.mktemp("name"), ("alerts.test",), ()),
        "address": self_signed_cert(tmp_path_factory.mktemp("address")),
    }


def test_https_keeps_the_name_for_host_sni_and_the_certificate(
    tls: dict[str, tuple[Path, Path]], connects: list[Connect], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tls["name"][0]))  # httpx trusts it
    with WebhookReceiver(cert=tls["name"]) as rx:
        for sink in _sinks_to("alerts.test", rx.port, PinnedTo()):
            sink.send(ALERT, {})
    assert connects == [("127.0.0.1", rx.port)] * 2
    assert [r.headers["Host"] for r in rx.requests] == [f"alerts.test:{rx.port}"] * 2


def test_https_verifies_the_certificate_against_the_name_not_the_address(
    tls: dict[str, tuple[Path, Path]], connects: list[Connect], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The receiver's certificate is valid for 127.0.0.1, the address connected to, but not for
    # alerts.test, the name in the URL: it must be refused.
    monkeypatch.setenv("SSL_CERT_FILE", str(tls["address"][0]))
    with WebhookReceiver(cert=tls["address"]) as rx:
        for sink in _sinks_to("alerts.test", rx.port, PinnedTo()):
            with pytest.raises(AlertDeliveryError, match=r"delivery failed \(ConnectError\)"):
                sink.send(ALERT, {})
    assert rx.requests == []


@pytest.mark.parametrize(("cert", "delivered"), [("name", True), ("address", False)])
def test_starttls_verifies_the_name_over_the_pinned_connection(
    cert: str, delivered: bool, tls: dict[str, tuple[Path, Path]], connects: list[Connect]
) -> None:
    with SmtpReceiver(cert=tls[cert]) as rx:
        sink = EmailSink(
            "alerts.test",
            port=rx.port,
            sender="d@example.com",
            to=["o@example.com"],
            ssl_context=ssl.create_default_context(cafile=str(tls[cert][0])),
            guard=PinnedTo(),
        )
        connects.clear()
        if delivered:
            sink.send(ALERT, {})
        else:
            with pytest.raises(AlertDeliveryError, match="certificate that is not trusted"):
                sink.send(ALERT, {})
    assert connects == [("127.0.0.1", rx.port)]
    assert len(rx.messages) == (1 if delivered else 0)


def test_a_name_that_stops_resolving_is_transient(connects: list[Connect]) -> None:
    def gone(host: str, port: int) -> list[str]:
        raise socket.gaierror(-2, "Name or service not known")

    for sink in (
        WebhookSink("https://alerts.test/hook?token=s3cret", guard=Guard(resolve=gone)),
        EmailSink("alerts.test", sender="d@e.com", to=["o@e.com"], guard=Guard(resolve=gone)),
    ):
        with pytest.raises(TransientDeliveryError, match="does not resolve") as info:
            sink.send(ALERT, {})
        assert "s3cret" not in str(info.value)
    assert connects == []
