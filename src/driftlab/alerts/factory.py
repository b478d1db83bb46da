"""From ``[alerts]`` settings to sinks: destinations checked, secrets read from the environment."""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from pathlib import Path

from driftlab.alerts.guard import Guard, Resolver, resolve_host, url_target
from driftlab.alerts.retry import RetryPolicy
from driftlab.alerts.sinks import ConsoleSink, EmailSink, Sink, SlackSink, WebhookSink
from driftlab.config import AlertChannel, AlertsConfig
from driftlab.errors import ConfigError

__all__ = ["build_sinks"]


def _secret(
    ch: AlertChannel, key: str, env_key: str, where: str, environ: Mapping[str, str]
) -> str | None:
    """The secret given inline (``key``) or in the environment variable ``env_key`` names."""
    inline = getattr(ch, key)
    if inline is not None:
        return str(inline.get_secret_value())
    var = getattr(ch, env_key)
    if var is None:
        return None
    value = environ.get(var)
    if not value:
        raise ConfigError(
            f"{where}.{env_key} = {var!r}, but that environment variable is not set; "
            f"export {var}=... where driftlab runs, or remove {env_key}"
        )
    return value


def _ssl_context(ch: AlertChannel, where: str, root: Path | None) -> ssl.SSLContext | None:
    if ch.ca_file is None:
        return None
    path = ch.ca_file if root is None else root / ch.ca_file
    try:
        return ssl.create_default_context(cafile=str(path))
    except (OSError, ssl.SSLError) as e:
        raise ConfigError(
            f"{where}.ca_file = {str(path)!r} cannot be read as PEM certificates "
            f"({e.__class__.__name__}); point it at the CA file that signed the server's "
            "certificate"
        ) from e


def build_sinks(
    config: AlertsConfig,
    *,
    root: Path | None = None,
    environ: Mapping[str, str] | None = None,
    resolve: Resolver = resolve_host,
) -> list[Sink]:
    """One sink per channel, in order; a channel's name carries its index (``slack#1``).

    Raises :class:`ConfigError` for a URL that fails :func:`~driftlab.alerts.guard.check_url`,
    an e-mail ``host`` and ``port`` that fail the same check, or a ``*_env`` variable that is
    not set. Each network sink keeps the :class:`~driftlab.alerts.guard.Guard` (``allow_hosts``
    and ``resolve``) and checks again before each delivery. Relative ``ca_file`` paths are
    resolved against ``root`` (the project folder). Errors name the channel and key, never a
    URL or a secret.
    """
    environ = os.environ if environ is None else environ
    guard = Guard(tuple(config.allow_hosts), resolve)
    out: list[Sink] = []
    for i, ch in enumerate(config.channels):
        where = f"alerts.channels.{i}"
        retry = RetryPolicy(ch.retries, ch.backoff_s)
        if ch.type == "console":
            out.append(ConsoleSink(min_severity=ch.min_severity))
            continue
        if ch.type == "email":
            assert ch.host is not None and ch.sender is not None  # AlertChannel requires them
            ssl_context = _ssl_context(ch, where, root)
            guard.check(ch.host, ch.port, f"{where}.host")
            out.append(
                EmailSink(
                    ch.host,
                    sender=ch.sender,
                    to=list(ch.to),
                    port=ch.port,
                    starttls=ch.starttls,
                    username=ch.username,
                    password=_secret(ch, "password", "password_env", where, environ),
                    index=i,
                    timeout_s=ch.timeout_s,
                    min_severity=ch.min_severity,
                    retry=retry,
                    ssl_context=ssl_context,
                    guard=guard,
                )
            )
            continue
        assert ch.url is not None  # AlertChannel requires it for webhook and slack
        url = ch.url.get_secret_value()
        guard.check(*url_target(url, f"{where}.url"), f"{where}.url")
        if ch.type == "slack":
            sink: Sink = SlackSink(
                url,
                index=i,
                timeout_s=ch.timeout_s,
                min_severity=ch.min_severity,
                retry=retry,
                guard=guard,
            )
        else:
            sink = WebhookSink(
                url,
                index=i,
                timeout_s=ch.timeout_s,
                min_severity=ch.min_severity,
                secret=_secret(ch, "secret", "secret_env", where, environ),
                retry=retry,
                guard=guard,
            )
        out.append(sink)
    for sink, ch in zip(out, config.channels, strict=True):
        sink.kinds = tuple(ch.kinds)  # type: ignore[attr-defined]  # read by dispatch's routing
    return out
