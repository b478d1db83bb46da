"""The served model: one bundle at a time, swapped atomically when the champion moves."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from driftlab.model import ModelBundle, PredictionBatch
from driftlab.registry.base import CHAMPION, Registry

__all__ = ["ModelHolder", "Served"]

log = logging.getLogger(__name__)

ONNX = "onnxruntime"
SKLEARN = "scikit-learn"


@dataclass(frozen=True)
class Served:
    """One loaded version and how it is run: the compiled ONNX model when it converted and
    matched scikit-learn on the reference sample, else the scikit-learn pipeline (and why)."""

    bundle: ModelBundle
    compiled: Any = None  # driftlab.onnx_engine.CompiledModel, imported only when ONNX is on
    engine: str = SKLEARN
    engine_reason: str | None = None
    parity: dict[str, Any] | None = None

    def predict(self, records: list[dict[str, Any]]) -> PredictionBatch:
        if self.compiled is not None:
            try:
                batch: PredictionBatch | None = self.compiled.predict(records)
            except Exception as e:  # ONNX Runtime raises its own types; never a 500 for it
                log.warning("ONNX Runtime failed (%s); scikit-learn answers this request",
                            e.__class__.__name__)  # fmt: skip
                batch = None
            if batch is not None:
                return batch
        # No compiled model, or a value ONNX's float32 cannot hold: scikit-learn answers
        # (and raises the same errors it always did).
        return self.bundle.predict(records)


class ModelHolder:
    """Holds the champion. Requests read ``served`` once and keep that reference, so a swap
    mid-request never mixes two versions in one answer."""

    def __init__(
        self,
        registry: Registry,
        name: str,
        alias: str = CHAMPION,
        *,
        onnx: bool = False,
        threads: int = 1,
        on_swap: Callable[[Served], None] | None = None,
    ) -> None:
        self.registry = registry
        self.name = name
        self.alias = alias
        self.onnx = onnx
        self.threads = threads
        self.on_swap = on_swap
        self.served: Served | None = None
        self._lock = asyncio.Lock()

    @property
    def bundle(self) -> ModelBundle | None:
        return self.served.bundle if self.served else None

    @property
    def version(self) -> str | None:
        return self.served.bundle.version if self.served else None

    def prepare(self, bundle: ModelBundle) -> Served:
        """Compile ``bundle`` to ONNX when enabled and it matches scikit-learn; log the engine."""
        if not self.onnx:
            return Served(bundle, engine_reason="ONNX is off (serve.onnx = false)")
        from driftlab.onnx_engine import compile_bundle

        outcome = compile_bundle(bundle, threads=self.threads)
        parity = outcome.parity.to_dict() if outcome.parity else None
        if outcome.model is None:
            log.warning("version %s runs on scikit-learn: %s", bundle.version, outcome.reason)
            return Served(bundle, engine_reason=outcome.reason, parity=parity)
        assert outcome.parity is not None
        log.info(
            "version %s runs on ONNX Runtime (parity on %d reference rows: max abs diff %.2g)",
            bundle.version, outcome.parity.rows, outcome.parity.max_abs_diff,
        )  # fmt: skip
        return Served(bundle, outcome.model, ONNX, None, parity)

    def load_sync(self) -> ModelBundle | None:
        version = self.registry.alias_version(self.name, self.alias)
        if version is None:
            return None
        if self.served is None or self.version != version:
            served = self.prepare(self.registry.load(self.name, version))
            old = self.version
            self.served = served
            if self.on_swap is not None:
                self.on_swap(served)
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
