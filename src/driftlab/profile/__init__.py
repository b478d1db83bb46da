"""Profiles: mergeable, serializable summaries of a table, with frozen reference bins."""

from driftlab.profile.build import bin_index, build_profile, quantile_edges
from driftlab.profile.model import CategoricalProfile, NumericProfile, Profile

__all__ = [
    "CategoricalProfile",
    "NumericProfile",
    "Profile",
    "bin_index",
    "build_profile",
    "quantile_edges",
]
