"""The e-mail channel: one plain-text message per alert over SMTP (STARTTLS by default).

With a :class:`~driftlab.alerts.guard.Guard`, the SMTP connection goes to the addresses the
guard checked for the server's name, never to a fresh DNS answer. smtplib verifies the STARTTLS
certificate against the name the ``SMTP`` object was given (its ``_host``), so the name is what
it is given, and only the socket, made in ``_get_socket``, goes to the checked address.
"""

from __future__ import annotations

import json
import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from driftlab.alerts.guard import Guard
from driftlab.alerts.retry import RetryPolicy, TransientDeliveryError
from driftlab.alerts.sinks.base import headline, incident_lines, jsonable
from driftlab.errors import AlertDeliveryError, ConfigError
from driftlab.monitor.result import Alert

__all__ = ["EmailSink", "email_body", "email_subject"]

_SERVER_TEXT_MAX = 120


def email_subject(alert: Alert, context: dict[str, Any]) -> str:
    """``[driftlab] CRITICAL data_drift on Gr_Liv_Area (ames-housing)``: sortable and filterable.

    >>> a = Alert("data_drift", "critical", "Gr_Liv_Area", "...", "fp")
    >>> email_subject(a, {"model": "ames-housing"})
    '[driftlab] CRITICAL data_drift on Gr_Liv_Area (ames-housing)'
    """
    return f"[driftlab] {headline(alert, context)}"


def _value(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, dict | list | tuple):
        return json.dumps(jsonable(v), separators=(", ", ": "))
    return str(v)


def email_body(alert: Alert, context: dict[str, Any]) -> str:
    """The message first, for people reading on a phone; then what produced it, the details,
    and the fingerprint to search the stored alerts with.

    >>> a = Alert("data_drift", "warning", "x", "Data drift on x.", "m:data_drift:x", {"psi": 0.1})
    >>> print(email_body(a, {"model": "m"}))
    Data drift on x.
    <BLANKLINE>
    Model: m
    Severity: warning
    Kind: data_drift
    Subject: x
    <BLANKLINE>
    Details:
      psi: 0.1
    <BLANKLINE>
    Fingerprint: m:data_drift:x
    """
    lines = [alert.message, ""]
    causes, findings = incident_lines(alert)
    if causes:
        lines += ["Likely causes, most likely first:", *(f"  {c}" for c in causes), ""]
    if findings:
        lines += [f"Findings ({len(findings)}):"]
        for f, raw in zip(findings, alert.details["findings"], strict=True):
            lines.append(f"  - {f}")
            lines += [f"      {k}: {_value(v)}" for k, v in (raw.get("details") or {}).items()]
        lines.append("")
    for key, label in (("model", "Model"), ("model_version", "Version"), ("window", "Window")):
        if context.get(key) not in (None, ""):
            lines.append(f"{label}: {context[key]}")
    lines += [f"Severity: {alert.severity}", f"Kind: {alert.kind}"]
    if alert.subject:
        lines.append(f"Subject: {alert.subject}")
    if alert.details and not findings:
        lines += ["", "Details:"] + [f"  {k}: {_value(v)}" for k, v in alert.details.items()]
    lines += ["", f"Fingerprint: {alert.fingerprint}"]
    return "\n".join(lines)


def _server_text(e: smtplib.SMTPResponseException) -> str:
    raw = e.smtp_error.decode(errors="replace") if isinstance(e.smtp_error, bytes) else e.smtp_error
    text = " ".join(str(raw).split())
    return text[:_SERVER_TEXT_MAX]


class _PinnedSMTP(smtplib.SMTP):
    """An SMTP connection to the server's name whose socket goes to the checked addresses.

    Everything smtplib does with the name (STARTTLS's SNI and certificate check, the audit
    event) keeps it; only the TCP connection is made to ``addresses``, tried in order.
    """

    def __init__(self, host: str, port: int, *, addresses: tuple[str, ...], timeout: float):
        self._addresses = addresses  # set first: the constructor connects
        super().__init__(host, port, timeout=timeout)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        if not self._addresses:
            return super()._get_socket(host, port, timeout)
        error: OSError | None = None
        for address in self._addresses:
            try:
                return socket.create_connection((address, port), timeout, self.source_address)
            except OSError as e:
                error = e
        assert error is not None
        raise error


class EmailSink:
    """Sends each alert as a plain-text e-mail through an SMTP server.

    With ``starttls`` (the default) the connection is upgraded to TLS and the server's
    certificate verified before any password is sent; ``ssl_context`` replaces the default
    verification, e.g. to trust a company CA. SMTP 4xx answers and lost connections are
    transient (retried); 5xx answers, a refused login or an untrusted certificate are not.

    ``guard`` (what :func:`~driftlab.alerts.build_sinks` gives from ``alerts.allow_hosts``)
    checks ``host`` and ``port`` before each attempt and holds the connection to the checked
    address; a sink built by hand without one trusts its host.
    """

    def __init__(
        self,
        host: str,
        *,
        sender: str,
        to: list[str],
        port: int = 587,
        starttls: bool = True,
        username: str | None = None,
        password: str | None = None,
        index: int = 0,
        timeout_s: float = 5.0,
        min_severity: str = "info",
        retry: RetryPolicy = RetryPolicy(),
        ssl_context: ssl.SSLContext | None = None,
        guard: Guard | None = None,
    ) -> None:
        self._guard = guard
        self.host, self.port, self.starttls = host, port, starttls
        self.sender, self.to = sender, list(to)
        self._username, self._password = username, password
        self._ssl_context = ssl_context
        self.name = f"email#{index}"
        self.timeout_s = timeout_s
        self.min_severity = min_severity
        self.retry = retry

    def __repr__(self) -> str:
        return f"EmailSink(name={self.name!r}, host={self.host!r}, port={self.port})"

    def message(self, alert: Alert, context: dict[str, Any]) -> EmailMessage:
        msg = EmailMessage()
        msg["Subject"] = email_subject(alert, context)
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.to)
        msg["Date"] = formatdate(usegmt=True)
        # The sender's domain, not socket.getfqdn(), which can stall on a slow resolver.
        msg["Message-ID"] = make_msgid("driftlab", domain=self.sender.rpartition("@")[2])
        msg["X-Driftlab-Fingerprint"] = alert.fingerprint
        msg.set_content(email_body(alert, context))
        return msg

    def send(self, alert: Alert, context: dict[str, Any]) -> None:
        msg = self.message(alert, context)
        addresses = self._checked_addresses()
        try:
            with _PinnedSMTP(
                self.host, self.port, addresses=addresses, timeout=self.timeout_s
            ) as smtp:
                smtp.ehlo()
                if self.starttls:
                    smtp.starttls(context=self._ssl_context or ssl.create_default_context())
                    smtp.ehlo()
                if self._username is not None:
                    smtp.login(self._username, self._password or "")
                smtp.send_message(msg)
        except (smtplib.SMTPException, OSError) as e:
            raise self._explain(e) from e

    def _checked_addresses(self) -> tuple[str, ...]:
        """The guard's addresses for the server, before any connection; () means by name."""
        if self._guard is None:
            return ()
        try:
            return self._guard.addresses(self.host, self.port, self.name)
        except ConfigError as e:
            # Not retried: a name that resolves to an internal address now will next time too.
            raise AlertDeliveryError(str(e)) from None
        except OSError as e:
            raise TransientDeliveryError(
                f"{self.name}: {self.host}:{self.port}: the host does not resolve "
                f"({e.__class__.__name__})"
            ) from None

    def _explain(self, e: Exception) -> AlertDeliveryError:
        """Sort an SMTP or socket failure into transient or permanent, in words a person can
        act on. Server answers are quoted (they hold no credentials); passwords never are."""
        at = f"{self.name}: {self.host}:{self.port}"
        if isinstance(e, smtplib.SMTPNotSupportedError):
            return AlertDeliveryError(
                f"{at} does not offer STARTTLS; use the server's submission port (587), or set "
                "starttls = false only for a relay on a trusted network"
            )
        if isinstance(e, smtplib.SMTPAuthenticationError):
            return AlertDeliveryError(
                f"{at} refused the username or password (SMTP {e.smtp_code} {_server_text(e)}); "
                "check username and password_env"
            )
        if isinstance(e, smtplib.SMTPRecipientsRefused):
            codes = sorted({code for code, _ in e.recipients.values()})
            cls = TransientDeliveryError if all(400 <= c < 500 for c in codes) else None
            text = f"{at} refused the recipients {', '.join(e.recipients)} (SMTP {codes})"
            return (cls or AlertDeliveryError)(text)
        if isinstance(e, smtplib.SMTPResponseException):
            text = f"{at} answered SMTP {e.smtp_code} {_server_text(e)}"
            transient = 400 <= e.smtp_code < 500
            return TransientDeliveryError(text) if transient else AlertDeliveryError(text)
        if isinstance(e, ssl.SSLCertVerificationError):
            return AlertDeliveryError(
                f"{at} presented a certificate that is not trusted ({e.verify_message}); "
                "set ca_file to the CA that signed it"
            )
        if isinstance(e, ssl.SSLError):
            return AlertDeliveryError(f"{at}: TLS handshake failed ({e.__class__.__name__})")
        # Lost or refused connections, timeouts, SMTPServerDisconnected: worth another try.
        return TransientDeliveryError(f"{at}: delivery failed ({e.__class__.__name__}: {e})")
