"""Credentials kept out of what driftlab prints: messages, logs and JSON output.

The store URL (``store.url``) and the MLflow tracking URI (``mlflow.tracking_uri``) may
carry a password (``postgresql://user:secret@host/db``, ``https://user:token@mlflow/``).
Every place that shows one of them, or an error text that may quote one, goes through
:func:`safe_url`, so there is one rule for what is hidden.
"""

from __future__ import annotations

import re

__all__ = ["MASK", "safe_url"]

MASK = "***"

# scheme://user:password@ — the password stops at the first '@', '/', or whitespace (a
# literal '@' or '/' in a password must be percent-encoded in a URL anyway).
_CREDENTIALS = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/@:]*:)[^\s/@]+@")


def safe_url(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``***``: a URL alone, or a
    message (an exception's text, a log line) that quotes one.

    >>> safe_url("postgresql+psycopg://u:s3cret@db:5432/driftlab")
    'postgresql+psycopg://u:***@db:5432/driftlab'
    >>> safe_url("request to https://user:tok@mlflow.example/api failed")
    'request to https://user:***@mlflow.example/api failed'
    >>> safe_url("sqlite:///driftlab.db")
    'sqlite:///driftlab.db'
    """
    return _CREDENTIALS.sub(rf"\1{MASK}@", text)
