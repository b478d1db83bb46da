"""Effect-size thresholds fitted on the reference itself.

A fixed PSI floor of 0.1 is a rule of thumb. How much a feature's effect statistic moves
between windows *with no drift at all* depends on the feature and the window size; fitting
measures it: cut the reference into consecutive windows of the monitoring size, compare each
with the whole reference, and take mean + k·σ of the effect statistic per feature. The chunks
are part of the reference they are compared with, which makes the fitted band slightly
narrow; the configured minimum still applies as a floor.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from driftlab.config import Feature
from driftlab.monitor.drift import DriftPolicy, compare_profiles
from driftlab.profile import Profile, build_profile

__all__ = ["fit_effect_thresholds"]


def fit_effect_thresholds(
    frame: pd.DataFrame,
    features: list[Feature],
    reference: Profile,
    policy: DriftPolicy,
    *,
    window_rows: int,
    k: float = 3.0,
    min_chunks: int = 5,
    max_chunks: int = 50,
) -> dict[str, float]:
    """Per feature, mean + k·σ of its effect statistic over reference windows.

    Returns ``{}`` when the reference holds fewer than ``min_chunks`` windows: with fewer,
    σ is not worth trusting and the configured minimum should decide alone.
    """
    n_chunks = min(len(frame) // max(window_rows, 1), max_chunks)
    if n_chunks < min_chunks:
        return {}
    values: dict[str, list[float]] = {f.name: [] for f in features}
    for i in range(n_chunks):
        chunk = frame.iloc[i * window_rows : (i + 1) * window_rows]
        window = build_profile(chunk, features, reference=reference)
        for result in compare_profiles(reference, window, policy):
            values[result.feature].append(result.effect_value)
    return {
        name: float(np.mean(v) + k * np.std(v, ddof=1)) for name, v in values.items() if len(v) > 1
    }
