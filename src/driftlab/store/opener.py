"""A picklable way to open the SQL store in another process (the prediction log's drain
child): a frozen value that crosses ``spawn``, opening the store only when called there."""

from __future__ import annotations

from dataclasses import dataclass

from driftlab.store.sql import SqlStore

__all__ = ["SqlStoreOpener"]


@dataclass(frozen=True)
class SqlStoreOpener:
    """Opens a :class:`SqlStore` on ``url`` without migrating it (whoever chose the URL has)."""

    url: str

    def __call__(self) -> SqlStore:
        return SqlStore(self.url, create=False)
