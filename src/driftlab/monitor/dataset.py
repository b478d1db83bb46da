"""Dataset-level drift: every feature compared, a verdict, and the drifted list by effect."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from driftlab.config import Feature
from driftlab.monitor.drift import DriftPolicy, compare_profiles
from driftlab.monitor.result import FeatureDrift
from driftlab.profile import Profile, build_profile

__all__ = ["DatasetDrift", "dataset_drift", "drift_between"]


@dataclass(frozen=True)
class DatasetDrift:
    features: list[FeatureDrift]
    drifted: list[str]  # largest effect first
    share: float
    n_reference: int
    n_window: int

    @property
    def any(self) -> bool:
        return bool(self.drifted)


def dataset_drift(reference: Profile, window: Profile, policy: DriftPolicy) -> DatasetDrift:
    """Compare two profiles feature by feature and summarize."""
    results = compare_profiles(reference, window, policy)
    drifted = sorted((r for r in results if r.drifted), key=lambda r: r.psi, reverse=True)
    return DatasetDrift(
        features=results,
        drifted=[r.feature for r in drifted],
        share=len(drifted) / len(results) if results else 0.0,
        n_reference=reference.n_rows,
        n_window=window.n_rows,
    )


def drift_between(
    reference: pd.DataFrame,
    window: pd.DataFrame,
    features: list[Feature],
    *,
    policy: DriftPolicy | None = None,
    bins: int = 10,
    sample_size: int = 2000,
) -> DatasetDrift:
    """Library entry point: profile ``reference``, count ``window`` into its frozen edges,
    compare. For repeated monitoring, keep the reference profile and call
    :func:`dataset_drift` instead."""
    ref = build_profile(reference, features, bins=bins, sample_size=sample_size)
    win = build_profile(window, features, reference=ref, sample_size=sample_size)
    return dataset_drift(ref, win, policy or DriftPolicy())
