"""Adapter choice for the composition roots (the CLI, the demo, the ASGI worker factory): from
settings to the concrete store, registry and alert sinks.

It sits below both the CLI and the demo, so the demo needs nothing from the CLI. Adapters are
imported when a function is called, not when this module is: ``driftlab --help`` imports it
without pulling in SQLAlchemy, MLflow or the monitoring core.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from driftlab.alerts import Sink
    from driftlab.config import Project
    from driftlab.registry.base import Registry
    from driftlab.store.sql import SqlStore

__all__ = ["open_registry", "open_store", "project", "sinks"]


def project(path: Path) -> Project:
    from driftlab.config import load_project

    return load_project(path)


def open_store(p: Project, *, create: bool = True) -> SqlStore:
    from driftlab.store.sql import SqlStore

    return SqlStore(p.store.url, create=create)


def open_registry(p: Project) -> Registry:
    from driftlab.registry.mlflow_registry import MlflowRegistry

    return MlflowRegistry(p.mlflow.tracking_uri, p.mlflow.experiment, p.mlflow.artifact_location)


def sinks(p: Project) -> list[Sink]:
    """The project's alert channels; raises ConfigError for a refused URL or a missing secret."""
    from driftlab.alerts import build_sinks

    return build_sinks(p.alerts, root=p.root)
