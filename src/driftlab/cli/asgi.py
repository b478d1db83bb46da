"""The ASGI app factory for ``driftlab serve --workers N``.

Uvicorn starts each worker process from an import string, so the worker rebuilds the app
here from the project file named in ``DRIFTLAB_CONFIG`` (set by the serve command), with
the same adapters the CLI chooses. Run by hand:
``DRIFTLAB_CONFIG=driftlab.toml uvicorn --factory driftlab.cli.asgi:create --workers 4``.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI
from rich.console import Console

from driftlab import compose
from driftlab.cli.options import setup_logging
from driftlab.errors import ConfigError

__all__ = ["VERBOSE_ENV", "create"]

VERBOSE_ENV = "DRIFTLAB_SERVE_VERBOSE"


def create() -> FastAPI:
    """Build one worker's app from ``DRIFTLAB_CONFIG``."""
    from driftlab.serve import create_app

    config = os.environ.get("DRIFTLAB_CONFIG")
    if not config:
        raise ConfigError("DRIFTLAB_CONFIG is not set; it names the project file to serve")
    setup_logging(Console(stderr=True), os.environ.get(VERBOSE_ENV) == "1")
    p = compose.project(Path(config))
    return create_app(p, compose.open_store(p), compose.open_registry(p))
