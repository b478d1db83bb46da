"""An in-memory registry for fast unit tests (no MLflow)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from driftlab.errors import ModelNotFoundError
from driftlab.model import ModelBundle
from driftlab.registry.base import ModelVersion

__all__ = ["MemoryRegistry"]


class MemoryRegistry:
    def __init__(self) -> None:
        self._bundles: dict[tuple[str, str], ModelBundle] = {}
        self._created: dict[tuple[str, str], str] = {}
        self._aliases: dict[tuple[str, str], str] = {}

    def register(self, bundle: ModelBundle, *, tags: dict[str, str] | None = None) -> str:
        name = bundle.info.name
        version = str(sum(1 for n, _ in self._bundles if n == name) + 1)
        self._bundles[(name, version)] = replace(bundle, version=version)
        self._created[(name, version)] = datetime.now(UTC).isoformat(timespec="seconds")
        return version

    def load(self, name: str, version: str) -> ModelBundle:
        try:
            return self._bundles[(name, version)]
        except KeyError:
            raise ModelNotFoundError(f"model {name!r} has no version {version!r}") from None

    def alias_version(self, name: str, alias: str) -> str | None:
        return self._aliases.get((name, alias))

    def set_alias(self, name: str, alias: str, version: str) -> None:
        self.load(name, version)
        self._aliases[(name, alias)] = version

    def versions(self, name: str) -> list[ModelVersion]:
        out = []
        for (n, v), bundle in self._bundles.items():
            if n != name:
                continue
            aliases = tuple(a for (m, a), ver in self._aliases.items() if m == n and ver == v)
            out.append(
                ModelVersion(n, v, None, aliases, bundle.info.metrics, self._created[(n, v)])
            )
        return sorted(out, key=lambda m: int(m.version))
