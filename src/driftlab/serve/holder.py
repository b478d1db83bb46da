"""The served model: one bundle at a time, swapped atomically when the champion moves."""

from __future__ import annotations

import asyncio
import logging

from driftlab.model import ModelBundle
from driftlab.registry.base import CHAMPION, Registry

__all__ = ["ModelHolder"]

log = logging.getLogger(__name__)


class ModelHolder:
    """Holds the champion. Requests read ``bundle`` once and keep that reference, so a swap
    mid-request never mixes two versions in one answer."""

    def __init__(self, registry: Registry, name: str, alias: str = CHAMPION) -> None:
        self.registry = registry
        self.name = name
        self.alias = alias
        self.bundle: ModelBundle | None = None
        self._lock = asyncio.Lock()

    @property
    def version(self) -> str | None:
        return self.bundle.version if self.bundle else None

    def load_sync(self) -> ModelBundle | None:
        version = self.registry.alias_version(self.name, self.alias)
        if version is None:
            return None
        if self.bundle is None or self.bundle.version != version:
            bundle = self.registry.load(self.name, version)
            old = self.version
            self.bundle = bundle
            log.info("serving %s version %s (was %s)", self.name, version, old)
        return self.bundle

    async def refresh(self) -> bool:
        """Check the registry; load and swap in a new champion. True when the version changed."""
        async with self._lock:
            before = self.version
            await asyncio.to_thread(self.load_sync)
            return self.version != before

    async def poll(self, interval_s: float) -> None:
        while True:
            await asyncio.sleep(interval_s)
            try:
                await self.refresh()
            except Exception:  # keep serving the current model if the registry hiccups
                log.exception("champion reload failed; still serving version %s", self.version)
