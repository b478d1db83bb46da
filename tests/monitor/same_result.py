"""Two monitoring results are the same: every field equal, numbers to a tolerance."""

from __future__ import annotations

import math
from typing import Any

from driftlab.monitor import MonitoringResult


def _same(a: Any, b: Any, path: str, rel: float) -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return [f"{path}: keys {sorted(set(a) ^ set(b))} on one side only"]
        return [m for k in a for m in _same(a[k], b[k], f"{path}.{k}", rel)]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} vs {len(b)} items"]
        return [m for i, (x, y) in enumerate(zip(a, b, strict=True))
                for m in _same(x, y, f"{path}[{i}]", rel)]  # fmt: skip
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool):
        if math.isnan(a) and math.isnan(b):
            return []
        return [] if math.isclose(a, b, rel_tol=rel, abs_tol=1e-12) else [f"{path}: {a} vs {b}"]
    return [] if a == b else [f"{path}: {a!r} vs {b!r}"]


def differences(a: MonitoringResult, b: MonitoringResult, *, rel: float = 1e-9) -> list[str]:
    """Where ``a`` and ``b`` differ (their creation times aside)."""
    da, db = a.to_dict(), b.to_dict()
    da.pop("created_at"), db.pop("created_at")
    return _same(da, db, "result", rel)


def field_differences(
    a: MonitoringResult, b: MonitoringResult, fields: list[str], *, rel: float = 1e-9
) -> list[str]:
    """Where the ``fields`` of ``a`` and ``b`` differ."""
    da, db = a.to_dict(), b.to_dict()
    return [m for f in fields for m in _same(da[f], db[f], f, rel)]
