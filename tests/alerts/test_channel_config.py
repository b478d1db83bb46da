"""[[alerts.channels]] in a project file: defaults, errors naming key and fix, no secret echoed,
and build_sinks reading secrets from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from driftlab.alerts import EmailSink, RetryPolicy, SlackSink, WebhookSink, build_sinks
from driftlab.config import AlertChannel, AlertsConfig, load_project
from driftlab.errors import ConfigError

SECRET = "s3cret-value"
BASE = """
name = "p"
[data]
path = "d.csv"
target = "y"
[[features]]
name = "a"
"""
EMAIL = """
[[alerts.channels]]
type = "email"
host = "smtp.example.com"
sender = "driftlab@example.com"
to = ["oncall@example.com"]
"""


def _public(host: str, port: int) -> list[str]:
    return ["93.184.215.14"]


def _load(tmp_path: Path, text: str):
    path = tmp_path / "driftlab.toml"
    path.write_text(BASE + text)
    return load_project(path)


def test_every_channel_type_with_defaults(tmp_path: Path) -> None:
    p = _load(
        tmp_path,
        EMAIL
        + f"""
[alerts]
allow_hosts = ["Hooks.Slack.com", "https://alerts.internal/hook?token={SECRET}"]
[[alerts.channels]]
type = "slack"
url = "https://hooks.slack.com/services/T/B/{SECRET}"
[[alerts.channels]]
type = "webhook"
url = "https://example.com/hook"
secret_env = "HOOK_SECRET"
retries = 0
[[alerts.channels]]
type = "console"
min_severity = "critical"
""",
    )
    email, slack, hook, console = p.alerts.channels
    assert (email.port, email.starttls, email.username, email.password_env) == (
        587,
        True,
        None,
        None,
    )
    assert (email.timeout_s, email.retries, email.backoff_s) == (5.0, 3, 0.5)
    assert slack.url is not None and slack.url.get_secret_value().endswith(SECRET)
    assert hook.secret_env == "HOOK_SECRET" and hook.retries == 0
    assert console.min_severity == "critical"
    # A pasted URL keeps only its host, so neither it nor its token is kept or echoed.
    assert p.alerts.allow_hosts == ["hooks.slack.com", "alerts.internal"]
    assert SECRET not in repr(p) and SECRET not in str(p.model_dump(mode="json"))


def test_allow_hosts_take_a_port() -> None:
    hosts = ["Relay.Internal:25", "127.0.0.1", "[::1]:8025", "[::1]", "fe80::1", " h:1 "]
    assert AlertsConfig.model_validate({"allow_hosts": hosts}).allow_hosts == [
        "relay.internal:25",
        "127.0.0.1",
        "[::1]:8025",
        "::1",
        "fe80::1",
        "h:1",
    ]


def test_existing_console_and_webhook_channels_still_load(tmp_path: Path) -> None:
    p = _load(
        tmp_path,
        """
[[alerts.channels]]
type = "console"
[[alerts.channels]]
type = "webhook"
url = "https://example.com/hook"
timeout_s = 2.0
min_severity = "warning"
""",
    )
    assert [c.type for c in p.alerts.channels] == ["console", "webhook"]
    assert AlertsConfig().channels == [AlertChannel(type="console")]


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        (
            EMAIL.replace('to = ["oncall@example.com"]', ""),
            r"alerts\.channels\.0\.to: an email "
            r"channel needs to = \['oncall@example\.com'\], the list of recipients",
        ),
        (
            EMAIL.replace('host = "smtp.example.com"', ""),
            r"channels\.0\.host: an email channel "
            r"needs host = 'smtp\.example\.com'",
        ),
        (
            EMAIL.replace('"oncall@example.com"', '"oncall"'),
            r"channels\.0\.to: to must list "
            r"e-mail addresses; not one: oncall",
        ),
        (
            EMAIL + f'username = "u"\npassword = "{SECRET}"\nstarttls = false\n',
            r"password_env: starttls = false would send the password unencrypted; set starttls",
        ),
        (EMAIL + 'username = "u"\n', r"username is set but no password; set password_env = "),
        (EMAIL + f'password = "{SECRET}"\n', r"a password needs username = "),
        (
            EMAIL + f'username = "u"\npassword = "{SECRET}"\npassword_env = "P"\n',
            r"channels\.0\.password_env: set password or password_env, not both",
        ),
        (
            EMAIL + 'username = "u"\npassword_env = "not a name"\n',
            r"password_env names an environment variable, e.g\. 'SMTP_PASSWORD'",
        ),
        (
            EMAIL + f'url = "https://example.com/{SECRET}"\n',
            r"channels\.0\.url: url does not apply to type = 'email' \(only webhook, slack\); "
            r"remove it",
        ),
        ('[[alerts.channels]]\ntype = "slack"\n', r"a slack channel needs url = 'https://hooks"),
        (
            f'[[alerts.channels]]\ntype = "slack"\nurl = "hooks.slack.com/{SECRET}"\n',
            r"channels\.0\.url: url must start with https://",
        ),
        (
            f'[[alerts.channels]]\ntype = "webhook"\nurl = "https://e.com"\npasword = "{SECRET}"\n',
            r"channels\.0\.pasword: unknown key",
        ),
        (
            f'[[alerts.channels]]\ntype = "webhook"\nurl = "https://e.com"\npassword = "{SECRET}"',
            r"channels\.0\.password: password does not apply to type = 'webhook' \(only email\)",
        ),
        (
            '[[alerts.channels]]\ntype = "console"\nretries = 2\n',
            r"channels\.0\.retries: retries does not apply to type = 'console'",
        ),
        (
            '[[alerts.channels]]\ntype = "pager"\n',
            r"channels\.0\.type: Input should be 'console', "
            r"'webhook', 'slack' or 'email'",
        ),
        ('[alerts]\nallow_hosts = [""]\n', r"alerts\.allow_hosts: allow_hosts has an empty entry"),
        (
            '[alerts]\nallow_hosts = ["relay:smtp"]\n',
            r"alerts\.allow_hosts: allow_hosts entry 'relay:smtp' has port 'smtp'; a port is a "
            r"number from 1 to 65535: write 'relay:25' for one port, or 'relay' for every port",
        ),
        (
            '[alerts]\nallow_hosts = ["127.0.0.1:70000"]\n',
            r"entry '127\.0\.0\.1:70000' has port '70000'; .* write '127\.0\.0\.1:25'",
        ),
        (
            '[alerts]\nallow_hosts = ["[::1]:x"]\n',
            r"entry '\[::1\]:x' has port 'x'; .* write '\[::1\]:25' for one port, or '::1'",
        ),
        (
            '[alerts]\nallow_hosts = ["[::1"]\n',
            r"entry '\[::1' is not host, host:port or \[IPv6 address\]:port; write e\.g\. "
            r"'\[::1\]:8025'",
        ),
        ('[alerts]\nallow_hosts = [":25"]\n', r"entry ':25' has no host; write e\.g\."),
    ],
)
def test_invalid_channels_name_key_and_fix_without_echoing_secrets(
    tmp_path: Path, text: str, pattern: str
) -> None:
    with pytest.raises(ConfigError, match=pattern) as info:
        _load(tmp_path, text)
    assert SECRET not in str(info.value)


def test_build_sinks_reads_secrets_from_the_environment(tmp_path: Path) -> None:
    config = AlertsConfig.model_validate(
        {
            "channels": [
                {"type": "slack", "url": "https://93.184.215.14/services/T/B/x", "retries": 1},
                {
                    "type": "webhook",
                    "url": "https://93.184.215.14/hook",
                    "secret_env": "HOOK_SECRET",
                    "backoff_s": 2,
                },
                {
                    "type": "email",
                    "host": "smtp.example.com",
                    "port": 2525,
                    "username": "u",
                    "password_env": "SMTP_PASSWORD",
                    "sender": "d@example.com",
                    "to": ["o@example.com"],
                },
            ]
        }
    )
    environ = {"HOOK_SECRET": SECRET, "SMTP_PASSWORD": "pw"}
    # smtp.example.com is checked like a URL's host: a resolver stands in for DNS.
    slack, hook, email = build_sinks(config, environ=environ, resolve=_public)
    assert isinstance(slack, SlackSink) and slack.retry == RetryPolicy(1, 0.5)
    assert isinstance(hook, WebhookSink) and hook.retry == RetryPolicy(3, 2.0)
    assert hook._secret == SECRET
    assert isinstance(email, EmailSink) and (email.name, email.port) == ("email#2", 2525)
    assert email._password == "pw"
    with pytest.raises(
        ConfigError,
        match=r"alerts\.channels\.1\.secret_env = 'HOOK_SECRET', but that environment "
        r"variable is not set; export HOOK_SECRET=",
    ):
        build_sinks(config, environ={"SMTP_PASSWORD": "pw"}, resolve=_public)


def test_unreadable_ca_file_names_the_key(tmp_path: Path) -> None:
    config = AlertsConfig.model_validate(
        {
            "channels": [
                {
                    "type": "email",
                    "host": "h",
                    "sender": "d@e.com",
                    "to": ["o@e.com"],
                    "ca_file": "missing.pem",
                }
            ]
        }
    )
    with pytest.raises(ConfigError, match=r"alerts\.channels\.0\.ca_file = '.*missing\.pem'"):
        build_sinks(config, root=tmp_path)
