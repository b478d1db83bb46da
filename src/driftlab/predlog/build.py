"""The prediction logger built from ``[store]``, in one place for every composition root."""

from __future__ import annotations

from collections.abc import Callable

from driftlab.config import StoreConfig
from driftlab.predlog.drain_process import StoreFactory
from driftlab.predlog.logger import PredictionLogger
from driftlab.predlog.metrics import LogMetrics
from driftlab.predlog.settings import LogSettings
from driftlab.store import Store

__all__ = ["logger_from_settings"]


def logger_from_settings(
    store_cfg: StoreConfig,
    store: Store,
    *,
    child_store: StoreFactory | None = None,
    metrics: LogMetrics | None = None,
    on_failure: Callable[[], None] | None = None,
) -> PredictionLogger:
    """A logger for ``store`` as ``[store]`` says. ``child_store`` (a picklable factory of
    the same store) is used only when ``store.drain_process`` is on: the spool's inserts
    then run in a child process.

    >>> cfg = StoreConfig(durability="best_effort")
    >>> logger = logger_from_settings(cfg, store=None)  # type: ignore[arg-type]
    >>> logger.durability, logger.settings.batch_size
    ('best_effort', 256)
    """
    return PredictionLogger(
        store,
        LogSettings.from_config(store_cfg),
        metrics=metrics,
        on_failure=on_failure,
        child_store=child_store if store_cfg.drain_process else None,
    )
