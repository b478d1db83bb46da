"""The SSRF guard: only http(s) URLs to public hosts, unless alerts.allow_hosts names them."""

from __future__ import annotations

import pytest

from driftlab.alerts import SlackSink, WebhookSink, build_sinks
from driftlab.alerts.guard import check_url
from driftlab.config import AlertsConfig
from driftlab.errors import ConfigError

WHERE = "alerts.channels.2.url"


@pytest.mark.parametrize(
    ("url", "pattern"),
    [
        (
            "http://127.0.0.1:8080/hook?token=t0ken",
            r"'127\.0\.0\.1' resolves to 127\.0\.0\.1, a "
            r"loopback address; .* allow_hosts = \['127\.0\.0\.1'\]",
        ),
        ("http://localhost/t0ken", r"'localhost' resolves to .*, a loopback address"),
        ("https://10.0.0.7/t0ken", r"a private address"),
        ("http://169.254.169.254/latest/meta-data/t0ken", r"a link-local address"),
        ("http://[::ffff:192.168.1.1]/t0ken", r"a private address"),
        ("http://[::1]/t0ken", r"a loopback address"),
        ("http://0.0.0.0/t0ken", r"'0\.0\.0\.0' resolves to 0\.0\.0\.0, a "),
        ("http://100.64.0.1/t0ken", r"a non-public address"),
        ("ftp://hooks.example.com/t0ken", r"must start with https:// or http:// \(got 'ftp':\)"),
        ("file:///etc/passwd", r"must start with https://"),
        ("https:///t0ken", r"has no host name"),
        ("https://host.invalid/t0ken", r"host 'host\.invalid' does not resolve"),
    ],
)
def test_internal_or_odd_urls_are_refused_naming_the_channel(url: str, pattern: str) -> None:
    with pytest.raises(ConfigError, match=pattern) as info:
        check_url(url, WHERE)
    assert str(info.value).startswith(WHERE)
    assert "t0ken" not in str(info.value) and info.value.__cause__ is None


def test_public_addresses_pass_and_allow_hosts_permits_named_hosts() -> None:
    check_url("https://93.184.215.14/services/T/B/t0ken", WHERE)  # a public address
    check_url("http://127.0.0.1:9/hook", WHERE, ["127.0.0.1"])
    check_url("http://LOCALHOST:9/hook", WHERE, ["localhost"])
    with pytest.raises(ConfigError, match="loopback"):
        check_url("http://localhost:9/hook", WHERE, ["127.0.0.1"])  # names, not addresses


def test_build_sinks_checks_urls_and_direct_construction_does_not() -> None:
    channels = [{"type": "console"}, {"type": "slack", "url": "http://127.0.0.1:9/T/B/t0ken"}]
    with pytest.raises(ConfigError, match=r"^alerts\.channels\.1\.url: host '127\.0\.0\.1'"):
        build_sinks(AlertsConfig.model_validate({"channels": channels}))
    allowed = AlertsConfig.model_validate({"channels": channels, "allow_hosts": ["127.0.0.1"]})
    assert [s.name for s in build_sinks(allowed)] == ["console", "slack#1"]
    # Tests and the demo build sinks by hand for loopback receivers: no allowlist needed.
    assert WebhookSink("http://127.0.0.1:9/hook").name == "webhook#0"
    assert SlackSink("http://127.0.0.1:9/hook", index=3).name == "slack#3"


def test_allow_hosts_with_a_port_admits_only_that_port() -> None:
    check_url("http://127.0.0.1:8025/hook", WHERE, ["127.0.0.1:8025"])
    check_url("http://[::1]:8025/hook", WHERE, ["[::1]:8025"])
    check_url("https://relay.internal/hook", WHERE, ["relay.internal:443"])  # the default port
    for url, allowed in [
        ("http://127.0.0.1:8026/hook", "127.0.0.1:8025"),
        ("http://[::1]:22/hook", "[::1]:8025"),
        ("http://relay.internal/hook", "relay.internal:443"),
    ]:
        with pytest.raises(ConfigError, match=r"allow_hosts = \['.*:\d+'\] for that port only"):
            check_url(url, WHERE, [allowed], resolve=lambda host, port: ["10.0.0.9"])


def test_build_sinks_applies_host_and_port_entries() -> None:
    def config(allowed: str) -> AlertsConfig:
        url = "http://127.0.0.1:8025/hook?token=t0ken"
        return AlertsConfig.model_validate(
            {"allow_hosts": [allowed], "channels": [{"type": "webhook", "url": url}]}
        )

    assert [s.name for s in build_sinks(config("127.0.0.1:8025"))] == ["webhook#0"]
    assert [s.name for s in build_sinks(config("127.0.0.1"))] == ["webhook#0"]  # every port
    with pytest.raises(ConfigError, match=r"^alerts\.channels\.0\.url: host '127\.0\.0\.1'"):
        build_sinks(config("127.0.0.1:8026"))


def _email(host: str, allow_hosts: list[str] | None = None) -> AlertsConfig:
    channel = {"type": "email", "host": host, "port": 25, "sender": "d@e.com", "to": ["o@e.com"]}
    return AlertsConfig.model_validate(
        {"allow_hosts": allow_hosts or [], "channels": [{"type": "console"}, channel]}
    )


@pytest.mark.parametrize(
    ("host", "answer", "reason"),
    [
        ("169.254.169.254", None, "link-local"),
        ("10.0.0.1", None, "private"),
        ("127.0.0.1", None, "loopback"),
        ("metadata.test", "169.254.169.254", "link-local"),
        ("relay.test", "10.0.0.1", "private"),
    ],
)
def test_the_email_host_is_checked_like_a_url(host: str, answer: str | None, reason: str) -> None:
    # A resolver only for names: the addresses are refused without one.
    kw = {"resolve": lambda h, p: [answer]} if answer else {}
    with pytest.raises(ConfigError) as info:
        build_sinks(_email(host), **kw)
    assert str(info.value) == (
        f"alerts.channels.1.host: host {host!r} resolves to {answer or host}, a {reason} "
        "address; alerts go to internal addresses only when alerts.allow_hosts lists the host, "
        f"e.g. allow_hosts = ['{host}:25'] for that port only, or allow_hosts = [{host!r}]"
    )
    assert [s.name for s in build_sinks(_email(host, [f"{host}:25"]), **kw)] == [
        "console",
        "email#1",
    ]
    with pytest.raises(ConfigError, match="for that port only"):
        build_sinks(_email(host, [f"{host}:587"]), **kw)


def test_an_email_host_that_does_not_resolve_names_the_key() -> None:
    with pytest.raises(ConfigError, match=r"^alerts\.channels\.1\.host: host 'h\.invalid' does"):
        build_sinks(_email("h.invalid"))
