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
from driftlab.stats.anderson import anderson
from driftlab.stats.chi2 import chi2
from driftlab.stats.cvm import cvm
from driftlab.stats.energy import energy
from driftlab.stats.fisher import fisher
from driftlab.stats.gtest import gtest
from driftlab.stats.hellinger import hellinger
from driftlab.stats.jensen_shannon import jensen_shannon
from driftlab.stats.kl import kl
from driftlab.stats.ks import ks
from driftlab.stats.mannwhitney import mannwhitney
from driftlab.stats.psi import psi
from driftlab.stats.tvd import tvd
from driftlab.stats.wasserstein import wasserstein
from driftlab.stats.welch import welch
from driftlab.stats.ztest import ztest

_NUMERIC = frozenset({FeatureKind.NUMERIC})
_CATEGORICAL = frozenset({FeatureKind.CATEGORICAL})
_BOTH = frozenset({FeatureKind.NUMERIC, FeatureKind.CATEGORICAL})


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
        StatEntry("ks", "Kolmogorov–Smirnov", _NUMERIC, "p_value", 0.05, "sample", ks),
        StatEntry(
            "anderson", "Anderson–Darling k-sample", _NUMERIC, "p_value", 0.05, "sample", anderson
        ),
        StatEntry("cvm", "Cramér–von Mises", _NUMERIC, "p_value", 0.05, "sample", cvm),
        StatEntry(
            "mannwhitney", "Mann–Whitney U", _NUMERIC, "p_value", 0.05, "sample", mannwhitney
        ),
        StatEntry("welch", "Welch t-test", _NUMERIC, "p_value", 0.05, "sample", welch),
        StatEntry(
            "wasserstein",
            "Wasserstein-1 distance (reference std units)",
            _NUMERIC,
            "distance",
            0.1,
            "sample",
            wasserstein,
        ),
        StatEntry(
            "energy",
            "energy distance (reference std units)",
            _NUMERIC,
            "distance",
            0.1,
            "sample",
            energy,
        ),
        StatEntry("chi2", "chi-square", _CATEGORICAL, "p_value", 0.05, "counts", chi2),
        StatEntry(
            "gtest", "G-test (log-likelihood ratio)", _CATEGORICAL, "p_value", 0.05, "counts", gtest
        ),
        StatEntry("ztest", "two-proportion z-test", _CATEGORICAL, "p_value", 0.05, "counts", ztest),
        StatEntry("fisher", "Fisher's exact test", _CATEGORICAL, "p_value", 0.05, "counts", fisher),
        StatEntry("tvd", "total variation distance", _CATEGORICAL, "distance", 0.1, "counts", tvd),
        StatEntry("psi", "Population Stability Index", _BOTH, "distance", 0.1, "counts", psi),
        StatEntry(
            "jensen_shannon",
            "Jensen–Shannon distance",
            _BOTH,
            "distance",
            0.1,
            "counts",
            jensen_shannon,
        ),
        StatEntry("kl", "Kullback–Leibler divergence", _BOTH, "distance", 0.1, "counts", kl),
        StatEntry("hellinger", "Hellinger distance", _BOTH, "distance", 0.1, "counts", hellinger),
    )
}


def get_stat(name: str, kind: FeatureKind | None = None) -> StatEntry:
    """Look up a statistic by name, checking it applies to ``kind`` when given.

    >>> get_stat("pis")  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    driftlab.errors.ConfigError: unknown drift statistic 'pis'. Available: anderson, chi2, cvm,
    energy, fisher, gtest, hellinger, jensen_shannon, kl, ks, mannwhitney, psi, tvd,
    wasserstein, welch, ztest
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


def default_stats(kind: FeatureKind, n_reference: int, n_window: int) -> tuple[str, str]:
    """The (test, effect size) pair to use for a feature when the project names none.

    Numeric features get ``ks`` (distribution-free, sensitive to any change of shape) with
    ``psi`` as the effect size; categorical features get ``chi2`` (any number of
    categories) with ``psi``. Both names are catalogue entries that apply to ``kind``.

    The sizes are part of the signature so the choice can depend on them, but today it does
    not: the better small-sample test, ``fisher``, needs exactly two categories, which this
    function is not told, and ``ks`` and ``chi2`` are valid at every size.

    >>> default_stats(FeatureKind.NUMERIC, 2000, 500)
    ('ks', 'psi')
    >>> default_stats(FeatureKind.CATEGORICAL, 2000, 500)
    ('chi2', 'psi')
    """
    if kind is FeatureKind.NUMERIC:
        return ("ks", "psi")
    return ("chi2", "psi")
