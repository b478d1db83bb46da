"""``[alerts]`` and ``[[alerts.channels]]``: where alerts go, and what each channel takes."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import ConfigDict, Field, SecretStr, ValidationInfo, field_validator, model_validator

from driftlab.config._base import Strict
from driftlab.kinds import FindingKind

__all__ = ["ALERT_KINDS", "AlertChannel", "AlertsConfig", "allowed_host"]

# What a monitoring run can alert on: one kind per check in driftlab.monitor.findings (its
# catalogue is keyed by these). A channel may take only some of them (``kinds``), and an
# all-clear notice follows the kind it ends.
ALERT_KINDS = tuple(kind.value for kind in FindingKind)


class AlertChannel(Strict):
    """One ``[[alerts.channels]]`` entry: ``console``, ``webhook``, ``slack`` or ``email``.

    Which keys apply depends on ``type``. A key that does not apply is refused rather than
    ignored, since it usually means the channel is not the one the author thinks it is.
    ``url``, ``password`` and ``secret`` are secrets (a Slack URL *is* its token): they print as
    ``**********`` in reprs, dumps and validation errors. ``password_env`` and ``secret_env``
    name environment variables to read them from instead, when the sinks are built.
    """

    # Defaults are validated too, so a missing required key is caught by the same check.
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    type: Literal["console", "webhook", "slack", "email"] = Field(
        description="`console` (the `driftlab.alerts` logger, on stderr), `webhook` (JSON POST), "
        "`slack` (incoming webhook, message blocks) or `email` (SMTP)"
    )
    min_severity: Literal["info", "warning", "critical"] = Field(
        "info", description="`info`, `warning` or `critical`; quieter alerts skip this channel"
    )
    # Route by finding: e.g. fairness and compliance to the compliance officer's mailbox. Empty
    # means every kind. A resolved notice goes where the alert it ends went.
    kinds: list[str] = Field(
        default_factory=list,
        description="only these findings (empty: all): any of "
        + ", ".join(f"`{k}`" for k in ALERT_KINDS)
        + ' — e.g. `kinds = ["fairness", "compliance"]` on the compliance officer\'s email '
        "channel. A resolved notice goes where the alert it ends went",
    )
    url: SecretStr | None = Field(
        None,
        description="`webhook`, `slack`: required; never logged or shown in errors (it may "
        "carry a token)",
    )
    secret: SecretStr | None = Field(
        None,
        description="`webhook`: HMAC-SHA256 key; adds `X-Driftlab-Signature: sha256=<hex of the "
        "body>` and `X-Driftlab-Timestamp` (the body's `sent_at` carries the same time, so it "
        "is signed)",
    )
    secret_env: str | None = Field(
        None,
        description="`webhook`: the name of the environment variable holding `secret`, instead "
        "of `secret`",
    )
    host: str | None = Field(None, description="`email`: SMTP server (required)")
    port: Annotated[int, Field(ge=1, le=65535)] = Field(587, description="`email`: SMTP port")
    starttls: bool = Field(
        True,
        description="`email`: STARTTLS verifies the server certificate before any password is sent",
    )
    ca_file: Path | None = Field(
        None, description="`email`: a PEM file of extra trusted CAs (needs `starttls`)"
    )
    username: str | None = Field(
        None,
        description="`email`: login user; a username and a password go together (both or "
        "neither; a password needs STARTTLS)",
    )
    password: SecretStr | None = Field(None, description="`email`: login password")
    password_env: str | None = Field(
        None,
        description="`email`: the name of the environment variable holding the password, "
        "instead of `password`",
    )
    sender: str | None = Field(None, description="`email`: From address (required)")
    to: list[str] = Field(
        default_factory=list, description="`email`: list of recipients (required)"
    )
    timeout_s: Annotated[float, Field(gt=0)] = Field(
        5.0,
        description="`webhook`, `slack`, `email`: seconds before an attempt is given up",
    )
    retries: Annotated[int, Field(ge=0, le=10)] = Field(
        3,
        description="`webhook`, `slack`, `email`: connection errors, timeouts, 5xx and 429 "
        "(SMTP 4xx) are retried with doubling waits; other answers are not",
    )
    backoff_s: Annotated[float, Field(ge=0, le=60)] = Field(
        0.5, description="`webhook`, `slack`, `email`: the first wait between retries"
    )

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, kinds: list[str]) -> list[str]:
        unknown = [k for k in kinds if k not in ALERT_KINDS]
        if unknown:
            raise ValueError(
                f"unknown alert kind(s) {unknown}; use some of: {', '.join(ALERT_KINDS)}"
            )
        return kinds

    _NETWORK: ClassVar[tuple[str, ...]] = ("webhook", "slack", "email")
    _EMAIL_KEYS: ClassVar[tuple[str, ...]] = (
        "host",
        "port",
        "starttls",
        "ca_file",
        "username",
        "password",
        "password_env",
        "sender",
        "to",
    )
    # The types each key applies to. Console accepted url and timeout_s before there were other
    # types, so it still does (and ignores them).
    _USED_BY: ClassVar[dict[str, tuple[str, ...]]] = {
        "url": ("webhook", "slack", "console"),
        "secret": ("webhook",),
        "secret_env": ("webhook",),
        **dict.fromkeys(_EMAIL_KEYS, ("email",)),
        "timeout_s": (*_NETWORK, "console"),
        "retries": _NETWORK,
        "backoff_s": _NETWORK,
    }
    _REQUIRED: ClassVar[dict[str, dict[str, str]]] = {
        "webhook": {"url": "a webhook channel needs url = 'https://...'"},
        "slack": {
            "url": "a slack channel needs url = 'https://hooks.slack.com/services/...', "
            "the incoming webhook's URL"
        },
        "email": {
            "host": "an email channel needs host = 'smtp.example.com'",
            "sender": "an email channel needs sender = 'driftlab@example.com'",
            "to": "an email channel needs to = ['oncall@example.com'], the list of recipients",
        },
    }
    _SECRETS: ClassVar[tuple[str, ...]] = ("url", "secret", "password")

    @model_validator(mode="before")
    @classmethod
    def _hide_secrets(cls, data: Any) -> Any:
        # Validation errors quote the offending value. Wrapping secrets (and the values of
        # unknown keys, which may be a misspelled "password") keeps them off the console.
        if not isinstance(data, dict):
            return data
        return {
            k: SecretStr(v)
            if isinstance(v, str) and (k in cls._SECRETS or k not in cls.model_fields)
            else v
            for k, v in data.items()
        }

    @field_validator("*")
    @classmethod
    def _fits_type(cls, value: Any, info: ValidationInfo) -> Any:
        kind, key = info.data.get("type"), info.field_name
        if kind is None or key not in cls._USED_BY:
            return value  # type itself is invalid, and that error is the one to read
        default = cls.model_fields[key].get_default(call_default_factory=True)
        if kind not in cls._USED_BY[key] and value != default:
            users = ", ".join(t for t in cls._USED_BY[key] if t != "console")
            raise ValueError(f"{key} does not apply to type = {kind!r} (only {users}); remove it")
        required = cls._REQUIRED.get(kind, {})
        if key in required and not value:
            raise ValueError(required[key])
        return value

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        web = info.data.get("type") in ("webhook", "slack")
        if (
            web
            and url is not None
            and not url.get_secret_value().startswith(("https://", "http://"))
        ):
            raise ValueError("url must start with https:// (or http://)")
        return url

    @field_validator("secret_env", "password_env")
    @classmethod
    def _env_name(cls, name: str | None, info: ValidationInfo) -> str | None:
        inline = (info.field_name or "").removesuffix("_env")
        if name is not None and not name.isidentifier():
            raise ValueError(
                f"{info.field_name} names an environment variable, e.g. 'SMTP_PASSWORD'"
            )
        if name is not None and info.data.get(inline) is not None:
            raise ValueError(f"set {inline} or {info.field_name}, not both")
        return name

    @field_validator("sender")
    @classmethod
    def _sender_address(cls, sender: str | None) -> str | None:
        if sender is not None and "@" not in sender:
            raise ValueError("sender must be an e-mail address, e.g. 'driftlab@example.com'")
        return sender

    @field_validator("to")
    @classmethod
    def _recipient_addresses(cls, to: list[str]) -> list[str]:
        bad = [a for a in to if "@" not in a]
        if bad:
            raise ValueError(f"to must list e-mail addresses; not one: {', '.join(bad)}")
        return to

    @field_validator("password_env")
    @classmethod
    def _login_complete(cls, password_env: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("type") != "email":
            return password_env
        has_password = password_env is not None or info.data.get("password") is not None
        if info.data.get("username") and not has_password:
            raise ValueError(
                "username is set but no password; set password_env = 'SMTP_PASSWORD' "
                "(the variable that holds it), or password"
            )
        if has_password and not info.data.get("username"):
            raise ValueError("a password needs username = '...'; set it, or drop the password")
        if has_password and not info.data.get("starttls", True):
            raise ValueError(
                "starttls = false would send the password unencrypted; set starttls = true"
            )
        return password_env

    @field_validator("ca_file")
    @classmethod
    def _ca_needs_tls(cls, ca_file: Path | None, info: ValidationInfo) -> Path | None:
        if ca_file is not None and not info.data.get("starttls", True):
            raise ValueError("ca_file is used only with starttls = true; remove one of them")
        return ca_file


class AlertsConfig(Strict):
    """``[alerts]``: where alerts go and how often an ongoing problem is sent again."""

    channels: list[AlertChannel] = Field(
        default_factory=lambda: [AlertChannel(type="console")],
        description="where alerts go (`[[alerts.channels]]` tables, keys below); default: one "
        "`console` channel. Declaring any channel replaces the default.",
    )
    cooldown_minutes: Annotated[float, Field(ge=0)] = Field(
        60.0, description="an alert already sent within this time is stored but not sent again"
    )
    # Hosts that alert channels may name although they resolve to private, loopback or
    # link-local addresses (refused by default: see driftlab.alerts.guard).
    allow_hosts: list[str] = Field(
        default_factory=list,
        description="webhook, Slack and e-mail (SMTP) hosts allowed even though they resolve to "
        "private, loopback or link-local addresses: `host` allows every port, `host:port` only "
        'that one (`[::1]:8025` for an IPv6 address), e.g. `["127.0.0.1:8025", '
        '"relay.internal"]`. A host is matched by the name the URL or `host` key gives, not by '
        "its address. All others are refused, also when their DNS answer changes after the "
        "check, so an alert cannot be pointed at internal services",
    )

    @field_validator("allow_hosts", mode="before")
    @classmethod
    def _host_names(cls, hosts: Any) -> Any:
        # A pasted URL keeps only its host: echoing it back in an error would print its token.
        if not isinstance(hosts, list):
            return hosts
        return [
            (urlsplit(h).hostname or "") if isinstance(h, str) and "/" in h else h for h in hosts
        ]

    @field_validator("allow_hosts")
    @classmethod
    def _lower(cls, hosts: list[str]) -> list[str]:
        if any(not h.strip() for h in hosts):
            raise ValueError(
                "allow_hosts has an empty entry; list host names like 'hooks.slack.com'"
            )
        out = []
        for entry in hosts:
            host, port = allowed_host(entry)
            if port is None:
                out.append(host)
            else:
                out.append(f"[{host}]:{port}" if ":" in host else f"{host}:{port}")
        return out


def allowed_host(entry: str) -> tuple[str, int | None]:
    """An ``alerts.allow_hosts`` entry as (host, port); port None allows every port.

    ``host`` and ``host:port``; an IPv6 address takes a port only in brackets, ``[::1]:8025``,
    since ``::1`` alone is already full of colons. Raises ValueError naming the entry and the
    way to write it.

    >>> allowed_host("Relay.Internal"), allowed_host("127.0.0.1:8025")
    (('relay.internal', None), ('127.0.0.1', 8025))
    >>> allowed_host("[::1]:25"), allowed_host("[::1]"), allowed_host("fe80::1")
    (('::1', 25), ('::1', None), ('fe80::1', None))
    >>> allowed_host("relay:smtp")
    Traceback (most recent call last):
    ...
    ValueError: allow_hosts entry 'relay:smtp' has port 'smtp'; a port is a number from 1 to 65535: write 'relay:25' for one port, or 'relay' for every port
    """  # noqa: E501
    text = entry.strip().lower()
    port_text: str | None = None
    if text.startswith("["):
        inside, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")) or not _is_ipv6(inside):
            raise ValueError(
                f"allow_hosts entry {entry!r} is not host, host:port or [IPv6 address]:port; "
                "write e.g. '[::1]:8025', or '::1' for every port"
            )
        host, port_text = inside, (rest[1:] if rest else None)
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
    else:
        host = text  # a name, an IPv4 address or a bare IPv6 address: every port
    if not host:
        raise ValueError(f"allow_hosts entry {entry!r} has no host; write e.g. 'relay.internal:25'")
    if port_text is None:
        return host, None
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        shown = f"[{host}]" if ":" in host else host
        raise ValueError(
            f"allow_hosts entry {entry!r} has port {port_text!r}; a port is a number from 1 to "
            f"65535: write '{shown}:25' for one port, or '{host}' for every port"
        )
    return host, int(port_text)


def _is_ipv6(text: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(text), ipaddress.IPv6Address)
    except ValueError:
        return False
