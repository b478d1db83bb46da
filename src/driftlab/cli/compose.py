"""Adapter choice for CLI commands: from settings to concrete store, registry and sinks."""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

from rich.console import Console
from rich.logging import RichHandler

from driftlab.alerts import Sink, build_sinks
from driftlab.config import Project, load_project
from driftlab.registry.base import Registry
from driftlab.store.sql import SqlStore

__all__ = ["open_registry", "open_store", "project", "setup_logging", "sinks"]


def setup_logging(console: Console, verbose: bool = False) -> None:
    handler = RichHandler(console=console, show_path=False, show_time=False, markup=False)
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


def project(path: Path) -> Project:
    return load_project(path)


def open_store(p: Project, *, create: bool = True) -> SqlStore:
    return SqlStore(p.store.url, create=create)


def open_registry(p: Project) -> Registry:
    from driftlab.registry.mlflow_registry import MlflowRegistry

    return MlflowRegistry(p.mlflow.tracking_uri, p.mlflow.experiment, p.mlflow.artifact_location)


def sinks(p: Project) -> list[Sink]:
    """The project's alert channels; raises ConfigError for a refused URL or a missing secret."""
    return build_sinks(p.alerts, root=p.root)
