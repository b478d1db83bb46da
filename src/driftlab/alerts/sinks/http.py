"""One HTTP POST attempt, with the answer sorted into delivered, retry, or give up."""

from __future__ import annotations

import urllib.request
from urllib.parse import urlsplit

import httpx

from driftlab.alerts.retry import TransientDeliveryError
from driftlab.errors import AlertDeliveryError

__all__ = ["post"]


def _proxy_for(url: str) -> str | None:
    """The proxy the environment names for ``url`` (``HTTPS_PROXY``, ``NO_PROXY``...)."""
    parts = urlsplit(url)
    if not parts.hostname or urllib.request.proxy_bypass(parts.hostname):
        return None
    proxies = urllib.request.getproxies()
    return proxies.get(parts.scheme) or proxies.get("all")


def post(name: str, url: str, body: bytes, headers: dict[str, str], timeout_s: float) -> None:
    """POST ``body`` as JSON; return on 2xx, raise otherwise.

    Connection errors, timeouts, 5xx and 429 raise :class:`TransientDeliveryError`; any other
    answer (4xx, and 3xx: redirects are not followed, so a receiver cannot bounce an alert to
    an internal address) raises :class:`AlertDeliveryError`. Messages carry the sink's name and
    the error's class, never the exception text, which can include the URL and its token.

    The request goes through an ``httpx`` transport rather than a client because the client
    logs every request's full URL at INFO level, and these URLs carry tokens.
    """
    try:
        request = httpx.Request(
            "POST",
            url,
            content=body,
            headers={"Content-Type": "application/json", **headers},
            extensions={"timeout": httpx.Timeout(timeout_s).as_dict()},
        )
        with httpx.HTTPTransport(proxy=_proxy_for(url)) as transport:
            response = transport.handle_request(request)
            response.read()
            status = response.status_code
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
