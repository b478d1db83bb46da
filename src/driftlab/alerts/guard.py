"""Refuse alert destinations that point inside the network (server-side request forgery).

Whoever can edit a project file can point a webhook at ``http://169.254.169.254/`` (cloud
credentials), an e-mail channel at an internal mail relay, or either at an admin port on
localhost, and driftlab would connect to it from wherever the monitor runs. So by default a URL
must be http(s), and a URL's host or an e-mail channel's ``host`` must resolve only to public
addresses. ``alerts.allow_hosts`` names the exceptions (a local relay, a test receiver): a
``host`` on every port, or ``host:port`` on that port only (``[::1]:8025`` for IPv6).

A check is only as good as the connection that follows it. A name resolved for the check and
resolved again by the client when it connects can answer differently the second time (DNS
rebinding: a public address for the check, 127.0.0.1 for the connection). So
:meth:`Guard.addresses` resolves once, checks every answer and returns the addresses, and the
sinks connect to exactly those, keeping the name for the HTTP ``Host`` header, TLS SNI and the
certificate check (see :mod:`driftlab.alerts.sinks.http` and :mod:`driftlab.alerts.sinks.email`).
The check runs when the sinks are built, so a bad setting fails at once, and again before each
delivery attempt, whose connection uses the addresses of that check.

A host that ``allow_hosts`` lists is trusted by name: it is not resolved here, and the client
connects to it by name, as it would without the guard. Through an HTTP proxy (``HTTPS_PROXY``),
the proxy resolves the name and makes the connection, so pinning cannot reach past it; the
address driftlab resolves is still checked, and the proxy is the place to refuse internal
destinations. Redirects, the other way around a check, are never followed.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Collection
from dataclasses import dataclass
from urllib.parse import urlsplit

from driftlab.config.alerts import allowed_host
from driftlab.errors import ConfigError

__all__ = ["Guard", "Resolver", "check_url", "internal_reason", "resolve_host", "url_target"]

Resolver = Callable[[str, int], list[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def resolve_host(host: str, port: int) -> list[str]:
    """The addresses ``getaddrinfo`` gives for a TCP connection to ``host``, as strings."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # getaddrinfo's order is the system's preference (RFC 6724); keep it, without repeats.
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


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


def url_target(url: str, where: str) -> tuple[str, int]:
    """The host (lower case) and port an http(s) URL connects to.

    Raises :class:`ConfigError` naming ``where`` for another scheme, a missing host or a bad
    port; errors never quote the URL, whose path or query often is the token.

    >>> url_target("https://Hooks.Example.com/T/x", "w"), url_target("http://[::1]:8080/", "w")
    (('hooks.example.com', 443), ('::1', 8080))
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ConfigError(f"{where} must start with https:// or http:// (got {parts.scheme!r}:)")
    host = (parts.hostname or "").lower()
    if not host:
        raise ConfigError(f"{where} has no host name; write it as https://host/path")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ConfigError(
            f"{where} has an invalid port; write it as https://host:port/path"
        ) from None
    return host, port


def _example(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"allow_hosts = ['{shown}:{port}'] for that port only, or allow_hosts = [{host!r}]"


@dataclass(frozen=True)
class Guard:
    """The destinations alerts may connect to: public addresses, and what ``allow_hosts`` lists.

    ``allow_hosts`` takes the setting's entries (``host`` or ``host:port``); ``resolve`` maps
    a host and port to addresses (``socket.getaddrinfo`` unless a test injects another).
    """

    allow_hosts: Collection[str] = ()
    resolve: Resolver = resolve_host

    def allows(self, host: str, port: int) -> bool:
        """Whether ``allow_hosts`` lists ``host`` (by name, as written) for ``port``.

        >>> g = Guard(["relay.internal", "127.0.0.1:8025"])
        >>> g.allows("relay.internal", 25), g.allows("127.0.0.1", 8025), g.allows("127.0.0.1", 22)
        (True, True, False)
        """
        host = host.lower()
        for entry in self.allow_hosts:
            allowed, allowed_port = allowed_host(entry)
            if allowed == host and allowed_port in (None, port):
                return True
        return False

    def addresses(self, host: str, port: int, where: str) -> tuple[str, ...]:
        """The addresses to connect to for ``host``: each one checked, in the resolver's order.

        Empty when ``allow_hosts`` lists the host for this port: connect by name. Raises
        :class:`ConfigError` naming ``where`` when any address is internal (one is enough to
        be reached), and lets the resolver's ``OSError`` through when the name does not resolve.

        >>> Guard().addresses("93.184.215.14", 443, "w")
        ('93.184.215.14',)
        >>> Guard(resolve=lambda host, port: ["10.0.0.7"]).addresses("relay", 25, "w")
        Traceback (most recent call last):
        ...
        driftlab.errors.ConfigError: w: host 'relay' resolves to 10.0.0.7, a private address; alerts go to internal addresses only when alerts.allow_hosts lists the host, e.g. allow_hosts = ['relay:25'] for that port only, or allow_hosts = ['relay']
        """  # noqa: E501
        host = host.lower()
        if self.allows(host, port):
            return ()
        try:
            found = [ipaddress.ip_address(host)]
        except ValueError:
            # A scoped IPv6 answer (fe80::1%eth0) is checked without its zone.
            found = [ipaddress.ip_address(a.split("%")[0]) for a in self.resolve(host, port)]
        if not found:
            raise OSError(f"no address for {host!r}")
        for ip in found:
            reason = internal_reason(ip)
            if reason is not None:
                raise ConfigError(
                    f"{where}: host {host!r} resolves to {ip}, a {reason} address; alerts go to "
                    f"internal addresses only when alerts.allow_hosts lists the host, e.g. "
                    + _example(host, port)
                )
        return tuple(str(ip) for ip in found)

    def check(self, host: str, port: int, where: str) -> None:
        """:meth:`addresses` for a setting: a name that does not resolve is a
        :class:`ConfigError` too, naming ``where`` and the fix."""
        try:
            self.addresses(host, port, where)
        except OSError as e:
            raise ConfigError(
                f"{where}: host {host!r} does not resolve ({e.__class__.__name__}); check it, "
                f"or add it to alerts.allow_hosts if it is an internal name you trust"
            ) from None


def check_url(
    url: str, where: str, allow_hosts: Collection[str] = (), *, resolve: Resolver = resolve_host
) -> None:
    """Raise :class:`ConfigError` unless ``url`` is http(s) to a public or allowed host.

    ``where`` names the setting (``alerts.channels.2.url``); errors name it and the host,
    never the URL, whose path or query often is the token.
    """
    host, port = url_target(url, where)
    Guard(allow_hosts, resolve).check(host, port, where)
