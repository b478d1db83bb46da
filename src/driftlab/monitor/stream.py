"""Profiles of logged predictions straight from the store, chunk by chunk.

For windows too large to hold in memory: the store pages through the rows, each page is
counted into the reference's frozen bins, and the partial profiles merge — the result equals
profiling the whole window at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pandas as pd

from driftlab.config import Feature
from driftlab.profile import Profile, build_profile_chunks
from driftlab.schema import coerce_frame
from driftlab.store.ports import WindowSource

__all__ = ["profile_from_store"]


def profile_from_store(
    store: WindowSource,
    model_name: str,
    features: list[Feature],
    reference: Profile,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    chunk_rows: int = 50_000,
    sample_size: int = 2000,
) -> Profile:
    """Profile the logged predictions of ``model_name`` in [start, end) in constant memory."""

    def chunks() -> Iterator[pd.DataFrame]:
        for frame in store.iter_window(model_name, start=start, end=end, chunk_rows=chunk_rows):
            absent = {f.name: None for f in features if f.name not in frame.columns}
            yield coerce_frame(frame.assign(**absent), features, strict=False)

    return build_profile_chunks(chunks(), features, reference=reference, sample_size=sample_size)
