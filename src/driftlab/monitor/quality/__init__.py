"""Data quality of a window: what its values say about the data feeding the model, whatever
its drift — extreme and out-of-range values, impossible values (declared bounds), text where
numbers belong, new categories, missing-share jumps, duplicate ids — and label drift.

Counts come from a mergeable :class:`QualityTally` folded over the window's raw rows chunk by
chunk (:mod:`.tally`) and from the window :class:`~driftlab.profile.Profile` (missing counts,
category counts); the verdicts are in :mod:`.checks` and :mod:`.labels`.
"""

from __future__ import annotations

import pandas as pd

from driftlab.config import Feature, MonitorConfig
from driftlab.monitor.quality.checks import judge_quality
from driftlab.monitor.quality.extreme import (
    EXAMPLES,
    EXTREME_SHARE,
    EXTREME_SPANS,
    extreme_bounds,
    extreme_values,
    range_bounds,
)
from driftlab.monitor.quality.labels import label_drift, label_reference
from driftlab.monitor.quality.tally import QualityTally
from driftlab.monitor.result import DataQuality
from driftlab.profile import Profile

__all__ = [
    "EXAMPLES",
    "EXTREME_SHARE",
    "EXTREME_SPANS",
    "QualityTally",
    "data_quality",
    "extreme_bounds",
    "extreme_values",
    "judge_quality",
    "label_drift",
    "label_reference",
    "range_bounds",
]


def data_quality(
    frame: pd.DataFrame,
    reference: Profile,
    features: list[Feature],
    cfg: MonitorConfig | None = None,
    *,
    window: Profile | None = None,
    spans: float = EXTREME_SPANS,
    min_share: float | None = None,
) -> DataQuality:
    """The data quality of one table of raw window rows (a window read whole, or one part
    of a distributed window). ``spans``: what "extreme" means (reference ranges beyond the
    training min and max); ``min_share``: the share floor (default
    ``monitor.quality_min_share``).

    >>> from driftlab.profile import build_profile
    >>> f = [Feature(name="x", kind="numeric")]
    >>> ref = build_profile(pd.DataFrame({"x": [1.0, 2.0, 3.0]}), f)
    >>> dq = data_quality(pd.DataFrame({"x": [2.0, 1e308, 7.0, 7.5, None]}), ref, f)
    >>> [(e.feature, e.n, e.share, e.lower, e.upper, e.examples) for e in dq.extreme]
    [('x', 2, 0.4, -3.0, 7.0, [1e+308, 7.5])]
    """
    cfg = cfg or MonitorConfig()
    if min_share is not None:
        cfg = cfg.model_copy(update={"quality_min_share": min_share})
    tally = QualityTally.start(reference, features, margin=cfg.range_margin, spans=spans)
    return judge_quality(tally.add(frame), reference, window, features, cfg)
