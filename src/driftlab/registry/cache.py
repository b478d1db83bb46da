"""Loaded model versions kept in memory, keyed by the artifact digest recorded at registration.

A process that needs the same version twice (the demo runs every stage in one process, a script
runs several jobs, a server whose champion moves back to a version it served before)
deserializes it once. The key holds the store, the name, the version and a hash of the digest
tag (:data:`~driftlab.registry.artifacts.MANIFEST_TAG`): a bundle is reused only while the
registry still records the digest its bytes were verified against, so a version whose tag
changed is fetched and verified again. Files edited in the artifact store after a load do not
reach the cached bundle, which holds the verified bytes' objects; the next process refuses them.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping

from driftlab.model import ModelBundle
from driftlab.registry.artifacts import MANIFEST_TAG

__all__ = ["BundleCache", "digest_key"]

CacheKey = tuple[str, str, str, str]


def digest_key(store: str, name: str, version: str, tags: Mapping[str, str]) -> CacheKey | None:
    """The cache key of a version, or None when it must not be cached: no per-file digest
    recorded. A version registered before per-file digests has only the model folder's digest
    (``FOLDER_TAG``), which does not cover the run files a bundle is also built from, so it
    cannot name the bundle; it is loaded (and warned about) every time.

    >>> key = digest_key("sqlite:///m.db", "m", "1", {MANIFEST_TAG: '{"model/a": "00"}'})
    >>> key[:3], len(key[3])
    (('sqlite:///m.db', 'm', '1'), 64)
    >>> from driftlab.registry.artifacts import FOLDER_TAG
    >>> digest_key("sqlite:///m.db", "m", "1", {FOLDER_TAG: "00"}) is None
    True
    """
    recorded = tags.get(MANIFEST_TAG)
    if not recorded:
        return None
    return (store, name, str(version), hashlib.sha256(recorded.encode()).hexdigest())


class BundleCache:
    """The last ``size`` loaded bundles, least recently used evicted first; thread-safe (the
    server loads in a worker thread). Two threads missing the same key both load; the second
    result replaces the first, which is the same bytes."""

    def __init__(self, size: int = 4) -> None:
        if size < 0:
            raise ValueError(f"cache size must be >= 0, got {size}")
        self.size = size
        self.loads = 0  # misses that ran the loader: what the tests and benchmarks count
        self._items: OrderedDict[CacheKey, ModelBundle] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_load(self, key: CacheKey | None, load: Callable[[], ModelBundle]) -> ModelBundle:
        if key is not None:
            with self._lock:
                found = self._items.get(key)
                if found is not None:
                    self._items.move_to_end(key)
                    return found
        bundle = load()  # outside the lock: a load takes seconds
        with self._lock:
            self.loads += 1
            if key is not None and self.size:
                self._items[key] = bundle
                self._items.move_to_end(key)
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return bundle

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
