"""The model registry port: register versions, resolve aliases, load bundles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from driftlab.model import ModelBundle

__all__ = ["CHALLENGER", "CHAMPION", "ModelVersion", "Registry"]

CHAMPION = "champion"
CHALLENGER = "challenger"


@dataclass(frozen=True)
class ModelVersion:
    name: str
    version: str
    run_id: str | None
    aliases: tuple[str, ...]
    metrics: dict[str, float]
    created_at: str


class Registry(Protocol):
    """Where trained models and their reference profiles live.

    Adapters: :class:`~driftlab.registry.mlflow_registry.MlflowRegistry` (production) and
    :class:`~driftlab.registry.memory.MemoryRegistry` (unit tests).
    """

    def register(self, bundle: ModelBundle, *, tags: dict[str, str] | None = None) -> str:
        """Store ``bundle`` as a new version of ``bundle.info.name``; return the version."""
        ...

    def load(self, name: str, version: str) -> ModelBundle: ...

    def alias_version(self, name: str, alias: str) -> str | None:
        """The version an alias points at, or None when the alias is not set."""
        ...

    def set_alias(self, name: str, alias: str, version: str) -> None: ...

    def versions(self, name: str) -> list[ModelVersion]: ...
