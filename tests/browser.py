"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium, never a download.

Without it the tests skip with the reason, except where ``DRIFTLAB_REQUIRE_BROWSER=1`` (CI,
whose ``make test`` installs it): there a skipped browser test would hide a broken page.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# The flags the project runs Chromium with: no sandbox (containers), nothing phoning home.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")


def _unavailable(reason: str) -> None:
    if os.environ.get("DRIFTLAB_REQUIRE_BROWSER") == "1":
        pytest.fail(f"DRIFTLAB_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


def chromium() -> Path:
    """The Chromium binary, or skip (fail under DRIFTLAB_REQUIRE_BROWSER=1) saying why."""
    if not CHROMIUM.exists():
        _unavailable(
            f"{CHROMIUM} is missing: 'make test' installs Debian's chromium when run as root "
            "with apt-get (as CI does); elsewhere run 'apt-get install -y chromium'"
        )
    return CHROMIUM


def sync_playwright():  # type: ignore[no-untyped-def]
    """Playwright's sync API, or skip (fail under DRIFTLAB_REQUIRE_BROWSER=1)."""
    try:
        from playwright.sync_api import sync_playwright as start
    except ImportError:
        _unavailable("the playwright package is missing: pip install -e '.[dev]'")
    return start()
