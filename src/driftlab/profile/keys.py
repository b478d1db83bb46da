"""Row keys for bottom-k sampling: a hash of the row's position in the whole stream.

Keying by position (not by a random draw per call) is what makes samples mergeable and
chunking-invariant: a row gets the same key whether the table is profiled at once or in
chunks, as long as each chunk passes its ``row_offset``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["row_keys"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def row_keys(n: int, offset: int = 0, seed: int = 0) -> np.ndarray:
    """Uniform-looking keys in [0, 1) for rows ``offset .. offset + n - 1`` (splitmix64).

    >>> k = row_keys(5, offset=10)
    >>> bool(np.array_equal(k[2:], row_keys(3, offset=12)))
    True
    >>> bool(((k >= 0) & (k < 1)).all())
    True
    """
    with np.errstate(over="ignore"):
        z = np.arange(offset, offset + n, dtype=np.uint64) + np.uint64(seed) * _GOLDEN + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) / float(1 << 53)
