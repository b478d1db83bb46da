"""The catalogue of drift statistics: what exists, what it applies to, its default threshold.

Error messages about unknown statistics are derived from this table, never hand-kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from driftlab.config import FeatureKind
from driftlab.errors import ConfigError
from driftlab.stats._result import TestResult
from driftlab.stats.chi2 import chi2
from driftlab.stats.ks import ks
from driftlab.stats.psi import psi


@dataclass(frozen=True)
class StatEntry:
    name: str
    title: str
    kinds: frozenset[FeatureKind]
    gives: Literal["p_value", "distance"]
    # p-value statistics: drift when p < threshold; distances: drift when value >= threshold.
    default_threshold: float
    # "sample" functions take raw values (reference sample, window values);
    # "counts" functions take the reference and window counts over the frozen bins.
    inputs: Literal["sample", "counts"]
    fn: Callable[..., TestResult]


CATALOGUE: dict[str, StatEntry] = {
    e.name: e
    for e in (
        StatEntry(
            "ks",
            "Kolmogorov–Smirnov",
            frozenset({FeatureKind.NUMERIC}),
            "p_value",
            0.05,
            "sample",
            ks,
        ),
        StatEntry(
            "chi2",
            "chi-square",
            frozenset({FeatureKind.CATEGORICAL}),
            "p_value",
            0.05,
            "counts",
            chi2,
        ),
        StatEntry(
            "psi",
            "Population Stability Index",
            frozenset({FeatureKind.NUMERIC, FeatureKind.CATEGORICAL}),
            "distance",
            0.1,
            "counts",
            psi,
        ),
    )
}


def get_stat(name: str, kind: FeatureKind | None = None) -> StatEntry:
    """Look up a statistic by name, checking it applies to ``kind`` when given.

    >>> get_stat("pis")
    Traceback (most recent call last):
    ...
    driftlab.errors.ConfigError: unknown drift statistic 'pis'. Available: chi2, ks, psi
    """
    try:
        entry = CATALOGUE[name]
    except KeyError:
        raise ConfigError(
            f"unknown drift statistic {name!r}. Available: {', '.join(sorted(CATALOGUE))}"
        ) from None
    if kind is not None and kind not in entry.kinds:
        fits = sorted(n for n, e in CATALOGUE.items() if kind in e.kinds)
        raise ConfigError(
            f"drift statistic {name!r} does not apply to {kind.value} features; "
            f"use one of: {', '.join(fits)}"
        )
    return entry
