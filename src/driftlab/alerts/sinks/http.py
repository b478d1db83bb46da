"""One HTTP POST attempt, with the answer sorted into delivered, retry, or give up.

With a :class:`~driftlab.alerts.guard.Guard`, the attempt connects to the addresses the guard
checked, never to a fresh DNS answer (see the guard's module for why). The request's URL names
the checked address itself, so the connection cannot go anywhere else, while the name stays
where the server needs it:

- the ``Host`` header carries the name (and port) of the configured URL, so virtual hosts
  and the receiver's routing see what they would without the guard;
- for https, httpcore's ``sni_hostname`` request extension makes the name the TLS
  ``server_hostname``: it is sent as SNI, and the certificate is verified against the name
  (``check_hostname``), not the address.

A custom network backend that maps the name to the address would do the same for direct
connections, but httpx does not take one without reaching into its pool, and neither way
reaches past a proxy: through a proxy, the request names the host as configured and the proxy
connects (the guard's module says what that leaves).
"""

from __future__ import annotations

import urllib.request
from urllib.parse import urlsplit

import httpx

from driftlab.alerts.guard import Guard, url_target
from driftlab.alerts.retry import TransientDeliveryError
from driftlab.errors import AlertDeliveryError, ConfigError

__all__ = ["post"]


def _proxy_for(url: str) -> str | None:
    """The proxy the environment names for ``url`` (``HTTPS_PROXY``, ``NO_PROXY``...)."""
    parts = urlsplit(url)
    if not parts.hostname or urllib.request.proxy_bypass(parts.hostname):
        return None
    proxies = urllib.request.getproxies()
    return proxies.get(parts.scheme) or proxies.get("all")


def _checked_addresses(name: str, url: str, guard: Guard) -> tuple[str, ...]:
    """The guard's addresses for the URL's host, its refusals as delivery errors."""
    try:
        host, port = url_target(url, name)
        return guard.addresses(host, port, name)
    except ConfigError as e:
        # Not retried: a name that resolves to an internal address now will next time too.
        raise AlertDeliveryError(str(e)) from None
    except OSError as e:
        raise TransientDeliveryError(
            f"{name}: the url's host does not resolve ({e.__class__.__name__})"
        ) from None


def _request(
    url: httpx.URL, body: bytes, headers: dict[str, str], timeout_s: float, address: str | None
) -> httpx.Request:
    """The POST, to ``address`` (the checked IP) when given, with the name kept for the
    ``Host`` header and TLS."""
    extensions: dict[str, object] = {"timeout": httpx.Timeout(timeout_s).as_dict()}
    headers = {"Content-Type": "application/json", **headers}
    if address is not None:
        headers["Host"] = url.netloc.decode("ascii")  # name[:port], no credentials
        extensions["sni_hostname"] = url.host
        url = url.copy_with(host=address)
    return httpx.Request("POST", url, content=body, headers=headers, extensions=extensions)


def _first_answer(transport: httpx.HTTPTransport, requests: list[httpx.Request]) -> int:
    """The status of the first request whose connection is accepted, trying them in order."""
    for request in requests[:-1]:
        try:
            response = transport.handle_request(request)
        except (httpx.ConnectError, httpx.ConnectTimeout):
            continue  # nothing was sent yet, so the next checked address may be tried
        response.read()
        return response.status_code
    response = transport.handle_request(requests[-1])
    response.read()
    return response.status_code


def post(
    name: str,
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout_s: float,
    guard: Guard | None = None,
) -> None:
    """POST ``body`` as JSON; return on 2xx, raise otherwise.

    Connection errors, timeouts, 5xx and 429 raise :class:`TransientDeliveryError`; any other
    answer (4xx, and 3xx: redirects are not followed, so a receiver cannot bounce an alert to
    an internal address) raises :class:`AlertDeliveryError`. Messages carry the sink's name and
    the error's class, never the exception text, which can include the URL and its token.

    With ``guard``, the host is resolved and checked now and the request goes to the checked
    addresses, in order, until one accepts the connection; a refused host raises
    :class:`AlertDeliveryError` before any connection is made. Without it (a sink built by
    hand, not from settings) the URL is trusted and connected to by name.

    The request goes through an ``httpx`` transport rather than a client because the client
    logs every request's full URL at INFO level, and these URLs carry tokens.
    """
    proxy = _proxy_for(url)
    addresses = () if guard is None else _checked_addresses(name, url, guard)
    try:
        target = httpx.URL(url)
        # Through a proxy the proxy connects, by name (see the module docstring).
        pinned: list[str | None] = [None] if proxy or not addresses else list(addresses)
        requests = [_request(target, body, headers, timeout_s, a) for a in pinned]
        with httpx.HTTPTransport(proxy=proxy) as transport:
            status = _first_answer(transport, requests)
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as e:
        # Chaining would carry the URL into tracebacks; the class name is enough to act on.
        raise AlertDeliveryError(
            f"{name}: the url is not a valid http(s) URL ({e.__class__.__name__})"
        ) from None
    except httpx.TransportError as e:
        raise TransientDeliveryError(f"{name}: delivery failed ({e.__class__.__name__})") from None
    except httpx.HTTPError as e:
        raise AlertDeliveryError(f"{name}: delivery failed ({e.__class__.__name__})") from None
    if 200 <= status < 300:
        return
    message = f"{name}: receiver answered HTTP {status}"
    if status == 429 or status >= 500:
        raise TransientDeliveryError(message)
    raise AlertDeliveryError(message)
