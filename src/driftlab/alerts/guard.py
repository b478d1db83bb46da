"""Refuse alert URLs that point inside the network (server-side request forgery).

Whoever can edit a project file can point a webhook at ``http://169.254.169.254/`` (cloud
credentials) or an admin port on localhost, and driftlab would POST to it from wherever the
monitor runs. So by default a URL must be http(s) and its host must resolve only to public
addresses; ``alerts.allow_hosts`` names the exceptions (a local relay, a test receiver).

The check runs when the sinks are built. It does not stop a host whose DNS answer changes
between the check and the delivery (DNS rebinding); redirects, the other way around it, are
never followed (see :func:`driftlab.alerts.sinks.http.post`).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Collection
from urllib.parse import urlsplit

from driftlab.errors import ConfigError

__all__ = ["check_url", "internal_reason"]

Resolver = Callable[[str, int], list[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def internal_reason(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public address, or None when it is.

    >>> internal_reason(ipaddress.ip_address("10.1.2.3")), internal_reason(
    ...     ipaddress.ip_address("::ffff:127.0.0.1")), internal_reason(
    ...     ipaddress.ip_address("93.184.215.14"))
    ('private', 'loopback', None)
    """
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 reaches 127.0.0.1
    for reason in ("loopback", "link_local", "private", "reserved", "multicast", "unspecified"):
        if getattr(ip, f"is_{reason}"):
            return reason.replace("_", "-")
    # Shared address space (100.64.0.0/10) and the like: neither private nor global.
    return None if ip.is_global else "non-public"


def check_url(
    url: str, where: str, allow_hosts: Collection[str] = (), *, resolve: Resolver = _resolve
) -> None:
    """Raise :class:`ConfigError` unless ``url`` is http(s) to a public or allowed host.

    ``where`` names the setting (``alerts.channels.2.url``); errors name it and the host,
    never the URL, whose path or query often is the token.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ConfigError(f"{where} must start with https:// or http:// (got {parts.scheme!r}:)")
    host = (parts.hostname or "").lower()
    if not host:
        raise ConfigError(f"{where} has no host name; write it as https://host/path")
    if host in {h.lower() for h in allow_hosts}:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ConfigError(
            f"{where} has an invalid port; write it as https://host:port/path"
        ) from None
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            addresses = [ipaddress.ip_address(a.split("%")[0]) for a in resolve(host, port)]
        except OSError as e:
            raise ConfigError(
                f"{where}: host {host!r} does not resolve ({e.__class__.__name__}); check the "
                f"URL, or add it to alerts.allow_hosts if it is an internal name you trust"
            ) from None
    for ip in addresses:
        reason = internal_reason(ip)
        if reason is not None:
            raise ConfigError(
                f"{where}: host {host!r} resolves to {ip}, a {reason} address; alerts go to "
                f"internal addresses only when alerts.allow_hosts lists the host, e.g. "
                f"allow_hosts = [{host!r}]"
            )
