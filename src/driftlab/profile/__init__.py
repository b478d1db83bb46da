"""Profiles: mergeable, serializable summaries of a table, with frozen reference bins."""

from driftlab.profile.build import (
    bin_index,
    build_profile,
    build_profile_arrays,
    build_profile_chunks,
    quantile_edges,
)
from driftlab.profile.keys import row_keys
from driftlab.profile.model import OTHER, CategoricalProfile, NumericProfile, Profile, RowSample

__all__ = [
    "OTHER",
    "CategoricalProfile",
    "NumericProfile",
    "Profile",
    "RowSample",
    "bin_index",
    "build_profile",
    "build_profile_arrays",
    "build_profile_chunks",
    "quantile_edges",
    "row_keys",
]
