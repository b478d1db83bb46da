"""A monitoring window read chunk by chunk, in memory bounded by ``monitor.max_rows_in_memory``.

Up to that many rows the reader holds every chunk and hands back the whole window: every
check then sees every row, exactly as on a table read at once. Past it, the reader switches
to streaming and, chunk by chunk,

- counts the window Profile into the reference's frozen bins (drift, and quality's counts),
- counts the profile of the logged model outputs (prediction drift),
- tallies the realized performance (:mod:`.tally`: confusion counts, log loss, ROC AUC),
- keeps the size and the time span (throughput),
- keeps a bottom-k uniform sample of whole rows, in stream order (so label order holds),

all of which merge across chunks. What stays in memory is one chunk, the sample and the
counts, whatever the window's size. The checks that need rows run on the sample, and the
result says which (``MonitoringResult.sampled``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from driftlab.errors import ConfigError, DataError
from driftlab.model import ModelBundle
from driftlab.model_outputs import logged_outputs, prediction_feature
from driftlab.monitor.performance import usable_labels
from driftlab.monitor.tally import Counted, tally_for
from driftlab.profile import Profile, build_profile, row_keys
from driftlab.profile.model import bottom_k
from driftlab.schema import coerce_frame
from driftlab.store.records import WINDOW_COLUMNS

__all__ = ["Streamed", "WindowReader", "outputs_profile"]

# Row keys of the window's row sample. Not the profile's seed (0): the two samples need not
# coincide, and a window's rows must not be keyed as the reference's were.
SAMPLE_SEED = 1


@dataclass(frozen=True)
class Streamed:
    """What a streamed window counted over every row; each part is None with the error that
    stopped it (reported by its check), or None when the window has no such part."""

    n_rows: int
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    profile: Profile | None
    outputs: Profile | None  # the logged outputs; None without a reference or probabilities
    counted: Counted | None
    errors: dict[str, Exception]  # check name -> what stopped its counting
    n_sampled: int

    @property
    def span_s(self) -> float:
        if self.start is None or self.end is None:
            return 0.0
        return float((self.end - self.start).total_seconds())


def outputs_profile(
    frame: pd.DataFrame, bundle: ModelBundle, row_offset: int = 0
) -> Profile | None:
    """The profile of the window's logged model outputs (None when not comparable)."""
    if bundle.outputs is None:
        return None
    values = logged_outputs(frame, bundle.info)
    if values is None:
        return None
    feature = prediction_feature(bundle.info)
    return build_profile(values, [feature], reference=bundle.outputs, row_offset=row_offset)


class WindowReader:
    """Feed chunks with :meth:`add`; :meth:`finish` gives the rows the checks read (the whole
    window, or its sample) and, for a streamed window, what was counted over every row."""

    def __init__(self, bundle: ModelBundle, sample_size: int, max_rows: int) -> None:
        self._bundle, self._sample_size, self._max_rows = bundle, sample_size, max_rows
        self._held: list[pd.DataFrame] = []
        self._n = 0
        self._stream: _Stream | None = None

    def add(self, chunk: pd.DataFrame) -> None:
        if self._stream is not None:
            self._stream.add(chunk)
            return
        self._held.append(chunk)
        self._n += len(chunk)
        if self._n > self._max_rows:
            self._stream = _Stream(self._bundle, self._sample_size, self._max_rows)
            held, self._held = self._held, []
            for c in held:
                self._stream.add(c)

    def finish(self) -> tuple[pd.DataFrame, Streamed | None]:
        if self._stream is not None:
            return self._stream.finish()
        held = [c for c in self._held if not c.empty] or self._held[:1]
        if not held:
            return pd.DataFrame(columns=WINDOW_COLUMNS), None
        return (held[0] if len(held) == 1 else _concat(held)), None


class _Stream:
    """The streaming state of a window larger than the cap."""

    def __init__(self, bundle: ModelBundle, sample_size: int, max_rows: int) -> None:
        self.bundle, self.sample_size, self.cap = bundle, sample_size, max_rows
        self.features = bundle.info.monitored_features
        self.n = 0
        self.start: pd.Timestamp | None = None
        self.end: pd.Timestamp | None = None
        self.profile: Profile | None = Profile.empty()
        self.outputs: Profile | None = Profile.empty() if bundle.outputs is not None else None
        self.tally = tally_for(bundle.info)
        self.errors: dict[str, Exception] = {}
        self.columns: dict[str, None] = {}  # every column seen, in order of appearance
        self.pieces: list[pd.DataFrame] = []
        self.keys: list[np.ndarray] = []
        self.held = 0
        self.threshold = math.inf  # a row whose key is above it cannot enter the sample

    def add(self, chunk: pd.DataFrame) -> None:
        if chunk.empty:
            return
        offset = self.n
        self.n += len(chunk)
        ts = pd.to_datetime(chunk["ts"], utc=True)
        lo, hi = ts.min(), ts.max()
        self.start = lo if self.start is None else min(self.start, lo)
        self.end = hi if self.end is None else max(self.end, hi)
        self.columns.update(dict.fromkeys(chunk.columns))
        self._count(chunk, offset)
        keys = row_keys(len(chunk), offset, SAMPLE_SEED)
        keep = keys < self.threshold
        self.pieces.append(chunk[keep])
        self.keys.append(keys[keep])
        self.held += int(keep.sum())
        # Compact now and then, not on every chunk: once the sample is full, only about
        # cap / rows-so-far of a chunk's rows pass the threshold, so this is rare.
        if self.held > self.cap + self.cap // 4:
            self._compact()

    def _count(self, chunk: pd.DataFrame, offset: int) -> None:
        # Each count stops at its first failure, which its check reports (as for a window
        # read at once); a window that is not the model's features stops the run.
        if self.profile is not None:
            absent = {f.name: None for f in self.features if f.name not in chunk.columns}
            features = coerce_frame(chunk.assign(**absent), self.features, strict=False)
            self.profile = self._guard("data_drift", lambda: self.profile.merge(  # type: ignore[union-attr]
                build_profile(features, self.features, reference=self.bundle.reference,
                              sample_size=self.sample_size, row_offset=offset)))  # fmt: skip
        if self.outputs is not None:
            part = self._guard("prediction_drift",
                               lambda: outputs_profile(chunk, self.bundle, offset))  # fmt: skip
            self.outputs = None if part is None else self.outputs.merge(part)
        if "performance" not in self.errors:
            labeled = usable_labels(chunk, self.bundle.info)
            self._guard("performance", lambda: self.tally.add(chunk, labeled))

    def _guard(self, check: str, compute: Any) -> Any:
        try:
            return compute()
        except (ConfigError, DataError):
            raise
        except Exception as e:  # any failure of one count, reported by its check
            self.errors.setdefault(check, e)
            return None

    def _compact(self) -> None:
        frame = _concat(self.pieces)
        keys = np.concatenate(self.keys)
        keep = np.sort(bottom_k(keys, self.cap))  # the k smallest keys, in stream order
        self.pieces = [frame.iloc[keep].reset_index(drop=True)]
        self.keys = [keys[keep]]
        self.held = len(keep)
        self.threshold = float(keys[keep].max()) if len(keep) >= self.cap else math.inf

    def finish(self) -> tuple[pd.DataFrame, Streamed]:
        self._compact()
        sample = self.pieces[0]
        # A column only the unsampled rows had is all-missing in the sample, not absent.
        absent = {c: None for c in self.columns if c not in sample.columns}
        sample = sample.assign(**absent) if absent else sample
        counted = None if "performance" in self.errors else self.tally.counted()
        return sample, Streamed(
            n_rows=self.n, start=self.start, end=self.end, profile=self.profile,
            outputs=self.outputs, counted=counted, errors=dict(self.errors),
            n_sampled=len(sample),
        )  # fmt: skip


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Chunks as one table, as if read at once: a column all-missing in one chunk (objects)
    must not keep the whole column as objects when the other chunks hold numbers."""
    out = pd.concat(frames, ignore_index=True)
    mixed = [
        c for c in out.columns
        if out[c].dtype == object and any(f[c].dtype != object for f in frames if c in f)
    ]  # fmt: skip
    return out.astype({c: out[[c]].infer_objects()[c].dtype for c in mixed}) if mixed else out
