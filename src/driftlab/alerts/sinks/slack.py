"""The Slack channel: an incoming webhook message laid out with Block Kit."""

from __future__ import annotations

from typing import Any

from driftlab.alerts.guard import Guard
from driftlab.alerts.retry import RetryPolicy
from driftlab.alerts.sinks.base import context_line, headline, incident_lines, json_body
from driftlab.alerts.sinks.http import post
from driftlab.monitor.result import Alert

__all__ = ["SlackSink", "slack_message"]

# Block Kit limits: a header's text, a section's text. Longer text makes Slack refuse the
# whole message (HTTP 400), so it is cut instead.
_HEADER_MAX = 150
_SECTION_MAX = 3000
_ICONS = {"critical": ":rotating_light:", "warning": ":warning:", "info": ":information_source:"}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _listing(title: str, lines: list[str]) -> str:
    """``title`` and as many ``lines`` as fit in one section, then how many did not."""
    text = title
    for i, line in enumerate(lines):
        rest = f"\n… and {len(lines) - i} more (all of them in the report)"
        if len(text) + 1 + len(line) + len(rest) > _SECTION_MAX:
            return text + rest
        text += "\n" + line
    return text


def slack_message(alert: Alert, context: dict[str, Any]) -> dict[str, Any]:
    """The message: a header (severity and kind), a section with the plain-language message,
    for an incident a section of its ranked causes and one of its findings, a context line
    (model, version, window), and ``text``, which Slack shows in notifications and where
    blocks cannot be drawn.

    Plain text rather than mrkdwn everywhere: feature names and values come from data, and
    mrkdwn would read ``*``, ``_`` or ``<`` in them as formatting.

    >>> a = Alert("data_drift", "warning", "x", "Data drift on x.", "m:data_drift:x")
    >>> m = slack_message(a, {"model": "m"})
    >>> m["text"], m["blocks"][0]["text"]["text"]
    ('WARNING data_drift on x (m): Data drift on x.', ':warning: WARNING data_drift on x (m)')
    """
    title = headline(alert, context)
    icon = ":white_check_mark:" if alert.kind == "resolved" else _ICONS.get(alert.severity, "")
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": _cut(f"{icon} {title}".strip(), _HEADER_MAX)},
        },
        {
            "type": "section",
            "text": {"type": "plain_text", "text": _cut(alert.message, _SECTION_MAX)},
        },
    ]
    causes, findings = incident_lines(alert)
    for heading, lines in (("Likely causes, most likely first:", causes),
                           (f"Findings ({len(findings)}):", findings)):  # fmt: skip
        if lines:
            text = _listing(heading, lines)
            blocks.append({"type": "section", "text": {"type": "plain_text", "text": text}})
    line = context_line(context)
    if line:
        blocks.append(
            {"type": "context", "elements": [{"type": "plain_text", "text": _cut(line, 2000)}]}
        )
    return {"text": _cut(f"{title}: {alert.message}", _SECTION_MAX), "blocks": blocks}


class SlackSink:
    """Posts each alert to a Slack incoming webhook. The URL is the secret, so never logged.

    ``guard``: as for :class:`~driftlab.alerts.sinks.webhook.WebhookSink`.
    """

    def __init__(
        self,
        url: str,
        *,
        index: int = 0,
        timeout_s: float = 5.0,
        min_severity: str = "info",
        retry: RetryPolicy = RetryPolicy(),
        guard: Guard | None = None,
    ) -> None:
        self._url = url
        self._guard = guard
        self.name = f"slack#{index}"
        self.timeout_s = timeout_s
        self.min_severity = min_severity
        self.retry = retry

    def send(self, alert: Alert, context: dict[str, Any]) -> None:
        body = json_body(slack_message(alert, context))
        post(self.name, self._url, body, {}, self.timeout_s, self._guard)
