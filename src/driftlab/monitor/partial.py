"""A window summarized in parts that merge: what an engine that never holds the whole window
(Spark executors, one partition each) sends to the one place that decides.

A :class:`WindowPart` holds, for a run of consecutive rows at a known position in the window:
the window :class:`~driftlab.profile.Profile` of the monitored features and the profile of the
model's outputs, both counted into the reference's frozen bins; the exact counts realized
performance needs (:class:`LabelCounts`: a confusion matrix, log-loss and error sums); the
extreme values data quality counts; the time span; and a bottom-k sample of whole rows, keyed
like the profiles' samples, for the checks that need rows. Every part merges exactly, so
``part(a + b) == part(a).merge(part(b))`` for every field but the (bounded) row sample, which
is the bottom-k sample of ``a + b``.

The decision from a merged part is :mod:`driftlab.monitor.merged`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from driftlab.metrics import weighted as wm
from driftlab.model import ModelBundle, ModelInfo
from driftlab.model_outputs import logged_outputs, positive_probability, prediction_feature
from driftlab.monitor.performance import usable_labels
from driftlab.monitor.quality import EXTREME_SPANS, data_quality
from driftlab.monitor.result import ExtremeValues
from driftlab.monitor.settings import MonitorSettings
from driftlab.profile import Profile, build_profile
from driftlab.profile.build import moments
from driftlab.profile.keys import row_keys
from driftlab.profile.model import bottom_k
from driftlab.schema import coerce_frame

__all__ = ["LabelCounts", "PartContext", "WindowPart", "window_part"]


@dataclass(frozen=True, eq=False)
class LabelCounts:
    """Exact sums over the usable labeled rows (those :func:`usable_labels` keeps).

    Classification: ``confusion[i, j]`` counts true class ``i`` predicted as class ``j``, the
    last column a prediction outside the classes; ``loss_sum`` is the summed log loss of a
    binary model (None when a labeled row lacks its probability, as the in-process metrics
    then omit it). Regression: squared, absolute and relative error sums, and the target's
    count, mean, ``m2`` (sum of squared deviations), min and max for R².
    """

    n: int
    confusion: np.ndarray | None = None
    loss_sum: float | None = None
    sse: float = 0.0
    sae: float = 0.0
    sape: float = 0.0
    y_mean: float = 0.0
    y_m2: float = 0.0
    y_min: float = math.inf
    y_max: float = -math.inf

    def merge(self, other: LabelCounts) -> LabelCounts:
        n = self.n + other.n
        delta = other.y_mean - self.y_mean
        mean = self.y_mean + delta * other.n / n if n else 0.0
        # Chan et al.'s parallel variance, as the profiles merge their moments.
        cross = delta * delta * self.n * other.n / n if self.n and other.n else 0.0
        return LabelCounts(
            n=n,
            confusion=None if self.confusion is None or other.confusion is None
            else self.confusion + other.confusion,
            loss_sum=None if self.loss_sum is None or other.loss_sum is None
            else self.loss_sum + other.loss_sum,
            sse=self.sse + other.sse,
            sae=self.sae + other.sae,
            sape=self.sape + other.sape,
            y_mean=mean,
            y_m2=self.y_m2 + other.y_m2 + cross,
            y_min=min(self.y_min, other.y_min),
            y_max=max(self.y_max, other.y_max),
        )  # fmt: skip


def label_counts(window: pd.DataFrame, info: ModelInfo) -> LabelCounts:
    """The :class:`LabelCounts` of ``window``'s rows."""
    labeled = usable_labels(window, info)
    n = len(labeled)
    if not info.task.is_classification:
        t = labeled["label"].astype(float).to_numpy()
        p = labeled["prediction"].astype(float).to_numpy()
        ones = np.ones(n)
        # The weighted kernels' means times n: the formulas (MAPE's epsilon) exist once.
        sums = [float(fn(t, p, ones)) * n if n else 0.0 for fn in (wm.mse, wm.mae, wm.mape)]
        mean, m2 = moments(t)
        return LabelCounts(n, sse=sums[0], sae=sums[1], sape=sums[2], y_mean=mean, y_m2=m2,
                           y_min=float(t.min()) if n else math.inf,
                           y_max=float(t.max()) if n else -math.inf)  # fmt: skip
    classes = pd.Index(info.classes)
    c = len(classes)
    t = classes.get_indexer(labeled["label"].astype(str))
    p = classes.get_indexer(labeled["prediction"].astype(str))
    p = np.where(p < 0, c, p)  # any other prediction: the last column
    confusion = np.bincount(t * (c + 1) + p, minlength=c * (c + 1)).reshape(c, c + 1)
    loss: float | None = None
    pos = positive_probability(labeled, info) if c == 2 else None
    if pos is not None:
        col = info.classes.index(info.positive_class)  # type: ignore[arg-type]
        proba = np.empty((n, 2))
        proba[:, col], proba[:, 1 - col] = pos, 1.0 - pos
        loss = float(wm.log_loss(t, proba, np.ones(n))) * n if n else 0.0
    return LabelCounts(n, confusion=confusion.astype(np.int64), loss_sum=loss)


@dataclass(frozen=True, eq=False)
class PartContext:
    """What every part is built against: small enough to ship to each executor (the
    reference profiles and the model's description, not its pipeline)."""

    info: ModelInfo
    reference: Profile
    outputs: Profile | None
    sample_size: int  # the profiles' row samples (monitor.sample_size)
    sample_rows: int  # whole rows kept for the row checks
    spans: float = EXTREME_SPANS

    @classmethod
    def of(cls, bundle: ModelBundle, settings: MonitorSettings, sample_rows: int) -> PartContext:
        cfg = settings.monitor
        return cls(bundle.info, bundle.reference, bundle.outputs, cfg.sample_size,
                   max(sample_rows, cfg.sample_size, cfg.min_rows))  # fmt: skip


@dataclass(frozen=True, eq=False)
class WindowPart:
    """A mergeable summary of rows ``offset ..`` of a window (see the module docstring)."""

    n_rows: int
    ts_min: pd.Timestamp | None
    ts_max: pd.Timestamp | None
    profile: Profile
    outputs: Profile | None  # None: no outputs profile (no reference for it, or no values)
    outputs_missing: bool  # some rows could not give the output value (binary: no probability)
    labels: LabelCounts
    extreme: dict[str, ExtremeValues]
    sample_keys: np.ndarray
    sample_pos: np.ndarray  # the rows' positions in the window
    sample: pd.DataFrame
    k: int  # the sample's bound

    def merge(self, other: WindowPart) -> WindowPart:
        keys = np.concatenate([self.sample_keys, other.sample_keys])
        keep = bottom_k(keys, max(self.k, other.k))
        rows = pd.concat([self.sample, other.sample], ignore_index=True).iloc[keep]
        return WindowPart(
            n_rows=self.n_rows + other.n_rows,
            ts_min=_pick(min, self.ts_min, other.ts_min),
            ts_max=_pick(max, self.ts_max, other.ts_max),
            profile=self.profile.merge(other.profile),
            outputs=_merge_optional(self.outputs, other.outputs),
            outputs_missing=self.outputs_missing or other.outputs_missing,
            labels=self.labels.merge(other.labels),
            extreme=_merge_extreme(self.extreme, other.extreme),
            sample_keys=keys[keep],
            sample_pos=np.concatenate([self.sample_pos, other.sample_pos])[keep],
            sample=rows.reset_index(drop=True),
            k=max(self.k, other.k),
        )

    def sample_frame(self) -> pd.DataFrame:
        """The sampled rows in window order."""
        order = np.argsort(self.sample_pos, kind="stable")
        return self.sample.iloc[order].reset_index(drop=True)


def _pick(fn: Any, a: Any, b: Any) -> Any:
    if a is None or pd.isna(a):
        return b
    if b is None or pd.isna(b):
        return a
    return fn(a, b)


def _merge_optional(a: Profile | None, b: Profile | None) -> Profile | None:
    if a is None or b is None:
        return a or b
    return a.merge(b)


def _merge_extreme(
    a: dict[str, ExtremeValues], b: dict[str, ExtremeValues]
) -> dict[str, ExtremeValues]:
    # Counts add; the examples of each side are its most extreme values, so the most extreme
    # of their union are the union's. The finding itself is rebuilt on the merged window.
    out = dict(a)
    for name, e in b.items():
        if name in out:
            mine = out[name]
            out[name] = replace(mine, n=mine.n + e.n, examples=mine.examples + e.examples)
        else:
            out[name] = e
    return out


def window_part(frame: pd.DataFrame, offset: int, ctx: PartContext) -> WindowPart:
    """The part of the window rows ``frame``, which start at position ``offset``.

    ``frame`` is already completed (:func:`driftlab.monitor.source.complete_window`).
    """
    info = ctx.info
    n = len(frame)
    monitored = info.monitored_features
    # Optional metadata that no client sent is all-missing (as monitor_window reads it).
    absent = {f.name: None for f in monitored if f.name not in frame.columns}
    features = coerce_frame(frame.assign(**absent), monitored, strict=False)
    profile = build_profile(features, monitored, reference=ctx.reference,
                            sample_size=ctx.sample_size, row_offset=offset)  # fmt: skip
    outputs, outputs_missing = None, False
    if ctx.outputs is not None:
        values = logged_outputs(frame, info)
        if values is None:
            outputs_missing = True
        else:
            outputs = build_profile(values, [prediction_feature(info)], reference=ctx.outputs,
                                    row_offset=offset)  # fmt: skip
    quality = data_quality(features, ctx.reference, monitored, spans=ctx.spans)
    keys = row_keys(n, offset)
    keep = bottom_k(keys, ctx.sample_rows)
    sample = frame.iloc[keep].reset_index(drop=True)
    ts = frame["ts"]
    return WindowPart(
        n_rows=n,
        ts_min=ts.min() if n else None,
        ts_max=ts.max() if n else None,
        profile=profile,
        outputs=outputs,
        outputs_missing=outputs_missing,
        labels=label_counts(frame, info),
        extreme={e.feature: e for e in quality.extreme},
        sample_keys=keys[keep],
        sample_pos=np.arange(offset, offset + n)[keep],
        sample=sample,
        k=ctx.sample_rows,
    )
