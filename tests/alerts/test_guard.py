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
