"""What the prediction log is told: a frozen value, built once from ``[store]``.

Every default is the one of :class:`driftlab.config.StoreConfig` (read from the model's
fields, not copied), so a logger built without a project file behaves as a server built
from an empty one. Only ``spool_dir`` has no default here: the project's ``"spool"`` is
relative to the project file, which the logger does not know.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Literal

from driftlab.config import StoreConfig

__all__ = ["SPOOLED", "Durability", "LogSettings"]

Durability = Literal["durable", "interval", "best_effort"]
SPOOLED: frozenset[str] = frozenset({"durable", "interval"})  # the modes kept on disk


_CONFIG = StoreConfig.model_fields


@dataclass(frozen=True)
class LogSettings:
    """The prediction log's settings; the names are those of ``[store]``.

    >>> LogSettings(durability="best_effort").batch_size == StoreConfig().batch_size
    True
    >>> LogSettings(durability="durable")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: durability 'durable' keeps records on disk and needs spool_dir ...
    """

    durability: Durability = _CONFIG["durability"].default
    spool_dir: Path | None = None
    batch_size: int = _CONFIG["batch_size"].default
    flush_interval_s: float = _CONFIG["flush_interval_s"].default
    spool_max_bytes: int = _CONFIG["spool_max_bytes"].default
    spool_segment_bytes: int = _CONFIG["spool_segment_bytes"].default
    fsync_interval_ms: float = _CONFIG["fsync_interval_ms"].default
    queue_max_records: int = _CONFIG["queue_max_records"].default

    def __post_init__(self) -> None:
        if self.spooled and self.spool_dir is None:
            raise ValueError(
                f"durability {self.durability!r} keeps records on disk and needs spool_dir "
                '(store.spool_dir); set it, or use durability = "best_effort"'
            )

    @property
    def spooled(self) -> bool:
        """Whether records are kept in the spool on disk (else in an in-memory queue)."""
        return self.durability in SPOOLED

    @classmethod
    def from_config(cls, store: StoreConfig) -> LogSettings:
        """The settings of a validated ``[store]`` table (its spool_dir already resolved)."""
        return cls(**{f.name: getattr(store, f.name) for f in fields(cls)})
