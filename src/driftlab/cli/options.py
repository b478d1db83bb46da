"""What every command module shares: exit codes, option aliases, the consoles, log set-up and
the JSON and time helpers.

Typer reads each command's signature when the app is built, so the types in these aliases are
cheap to import (Path, bool); anything heavy is imported inside the command that needs it.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import warnings
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from driftlab.errors import ConfigError
from driftlab.redact import safe_url

__all__ = [
    "DEFAULT_CONFIG",
    "EXIT_FAILED",
    "EXIT_FOUND",
    "EXIT_USAGE",
    "ConfigOpt",
    "JsonOpt",
    "VerboseOpt",
    "console",
    "emit_json",
    "err_console",
    "parse_time",
    "setup_logging",
    "spinner",
]

EXIT_FOUND = 1
EXIT_USAGE = 2
EXIT_FAILED = 3

DEFAULT_CONFIG = Path("driftlab.toml")

ConfigOpt = Annotated[
    Path,
    typer.Option("--config", "-c", help="Project file (TOML).", envvar="DRIFTLAB_CONFIG"),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON only.")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Show debug logs.")]

console = Console(stderr=False)
err_console = Console(stderr=True)


def emit_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, default=str) + "\n")


def parse_time(value: str | None, flag: str) -> datetime | None:
    """An ISO date/time from a command-line flag, UTC when it names no zone.

    >>> parse_time("2026-11-25", "--since")
    datetime.datetime(2026, 11, 25, 0, 0, tzinfo=datetime.timezone.utc)
    """
    if value is None:
        return None
    try:
        ts = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            f"{flag} {value!r} is not an ISO date/time; use e.g. 2026-11-25 or 2026-11-25T14:00"
        ) from None
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def spinner(message: str, *, quiet: bool) -> AbstractContextManager[Any]:
    """A spinner on the console during long work; none with --json, whose output is parsed."""
    return nullcontext() if quiet else console.status(message, spinner="dots")


class _MaskCredentials(logging.Filter):
    """Masks URL passwords in every record: MLflow, SQLAlchemy and urllib3 log the URLs
    they connect to, which may be the tracking URI or the store URL with a password."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = safe_url(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = safe_url(logging.Formatter().formatException(record.exc_info))
        return True


def setup_logging(console: Console, verbose: bool = False) -> None:
    from rich.logging import RichHandler

    handler = RichHandler(console=console, show_path=False, show_time=False, markup=False)
    handler.addFilter(_MaskCredentials())
    logging.basicConfig(level=logging.WARNING, handlers=[handler], format="%(message)s", force=True)
    logging.getLogger("driftlab").setLevel(logging.DEBUG if verbose else logging.INFO)
    # MLflow and alembic narrate every migration and registration; keep the console readable.
    for noisy in ("mlflow", "alembic", "urllib3", "httpx", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING if verbose else logging.ERROR)
    if not verbose:
        # MLflow resets its own logger level when imported; this is the setting it reads.
        os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")
        warnings.filterwarnings("ignore", module="mlflow")
        warnings.filterwarnings("ignore", category=FutureWarning)
