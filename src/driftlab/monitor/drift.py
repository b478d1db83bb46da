"""Per-feature data drift: window profile vs frozen reference profile.

Each feature gets a *test* and an *effect size* from the statistics catalogue (by default KS
or chi-square, and PSI; any catalogue entry that fits the feature's kind can be chosen per
project or per feature). A feature is flagged only when the test is significant after
correction across features *and* the effect size reaches its minimum: large samples make
tiny shifts significant, and a significance test alone would alarm on them. (A categorical
feature is also flagged when significant and one category's share moved by
:data:`MASS_SHIFT` or more.) Such a change
(significant, below the effect threshold) is still reported, in the feature's message and
``significant_below_effect``, so that it is seen without an alarm.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from driftlab.config import Feature, FeatureKind, MonitorConfig
from driftlab.formatting import num, p_value, percent, points
from driftlab.monitor.describe import Change, categorical_changes, describe, numeric_changes
from driftlab.monitor.result import FeatureDrift
from driftlab.profile import OTHER, CategoricalProfile, NumericProfile, Profile
from driftlab.stats import adjust_p_values, chi2, get_stat, psi
from driftlab.stats.catalogue import StatEntry
from driftlab.stats.correction import Correction

__all__ = ["DriftPolicy", "FeatureRule", "compare_profiles"]


@dataclass(frozen=True)
class FeatureRule:
    """Which test and effect size decide one feature, and the effect's minimum."""

    test: str
    effect: str
    min_effect: float


# One source for the defaults: a policy built without a project judges as [monitor] would.
_MONITOR = MonitorConfig.model_fields


@dataclass(frozen=True)
class DriftPolicy:
    alpha: float = _MONITOR["alpha"].default
    correction: Correction = _MONITOR["correction"].default
    min_effect: float = _MONITOR["min_effect"].default
    numeric_test: str = _MONITOR["numeric_test"].default
    categorical_test: str = _MONITOR["categorical_test"].default
    effect: str = _MONITOR["effect"].default
    rules: dict[str, FeatureRule] = field(default_factory=dict)  # per-feature overrides

    def rule(self, name: str, kind: FeatureKind) -> FeatureRule:
        if name in self.rules:
            return self.rules[name]
        test = self.numeric_test if kind is FeatureKind.NUMERIC else self.categorical_test
        return FeatureRule(test, self.effect, self.min_effect)

    def check(self, features: list[Feature]) -> None:
        """Raise ConfigError (listing what exists) if a named statistic does not fit."""
        for f in features:
            r = self.rule(f.name, f.kind)
            get_stat(r.test, f.kind)
            get_stat(r.effect, f.kind)


@dataclass(frozen=True)
class _Raw:
    feature: str
    kind: str
    test: StatEntry
    statistic: float
    p_value: float | None
    effect: StatEntry
    effect_value: float
    min_effect: float
    psi: float
    ref: dict
    cur: dict
    bins: list[str]
    ref_counts: list[int]
    cur_counts: list[int]


def _bin_labels(edges: np.ndarray) -> list[str]:
    if edges.size == 0:
        return ["(all missing)"]
    labels = [f"< {num(edges[0])}"]
    labels += [f"{num(a)} – {num(b)}" for a, b in itertools.pairwise(edges)]
    labels.append(f"> {num(edges[-1])}")
    return labels


def _run(entry: StatEntry, samples: tuple, counts: tuple) -> tuple[float, float | None]:
    res = entry.fn(*(samples if entry.inputs == "sample" else counts))
    return res.statistic, res.p_value


def _std(profile: NumericProfile) -> float | None:
    """The standard deviation, or None when the values' spread is beyond float range (values
    near ``±1.8e308``): a summary states what it knows, and JSON has no infinity."""
    std = profile.std
    return std if math.isfinite(std) else None


# Distinct sample values below which a feature's shape (quartile skewness) is not described.
SHAPE_MIN_DISTINCT = 20


def _numeric_summary(profile: NumericProfile) -> dict:
    """Moments, range and quartiles (of the bounded sample): what a message may describe.
    Quartiles only of a sample with many distinct values: on a count (cars in a garage) they
    sit on a few integers and their skewness jumps between -1 and 1."""
    finite = [float(v) if math.isfinite(v) else None for v in (profile.min, profile.max)]
    smooth = np.unique(profile.sample).size >= SHAPE_MIN_DISTINCT
    quartiles = np.percentile(profile.sample, [25, 50, 75]).tolist() if smooth else None
    return {
        "mean": profile.mean, "std": _std(profile), "n": profile.n, "missing": profile.missing,
        "min": finite[0], "max": finite[1], "quartiles": quartiles,
    }  # fmt: skip


def _compare(name: str, ref: object, cur: object, rule: FeatureRule) -> _Raw:
    if isinstance(ref, NumericProfile) and isinstance(cur, NumericProfile):
        kind = FeatureKind.NUMERIC
        samples, counts = (ref.sample, cur.sample), (ref.counts, cur.counts)
        bins = _bin_labels(ref.edges)
        ref_sum, cur_sum = _numeric_summary(ref), _numeric_summary(cur)
    elif isinstance(ref, CategoricalProfile) and isinstance(cur, CategoricalProfile):
        kind = FeatureKind.CATEGORICAL
        cats, a, b = ref.aligned_counts(cur)
        samples, counts, bins = ((), ()), (a, b), cats
        ref_sum = {"n": int(a.sum()), "missing": ref.missing, "categories": len(ref.counts)}
        new = [c for c in cur.counts if c not in ref.counts and c != OTHER]
        cur_sum = {"n": int(b.sum()), "missing": cur.missing, "new_categories": new}
    else:
        raise TypeError(f"feature {name!r} changed kind between reference and window")
    test, effect = get_stat(rule.test, kind), get_stat(rule.effect, kind)
    statistic, p = _run(test, samples, counts)
    effect_value = _run(effect, samples, counts)[0] if effect is not test else statistic
    return _Raw(
        name, kind.value, test, statistic, p, effect, effect_value, rule.min_effect,
        psi(*counts).statistic, ref_sum, cur_sum, bins,
        np.asarray(counts[0]).tolist(), np.asarray(counts[1]).tolist(),
    )  # fmt: skip


# Short names for the most common statistics in sentences; others use the catalogue title.
_SHORT = {"ks": "KS", "psi": "PSI", "js": "JS distance"}


def _label(entry: StatEntry) -> str:
    return _SHORT.get(entry.name, entry.title)


def _changes(r: _Raw) -> list[Change]:
    if r.kind == "numeric":
        return numeric_changes(r.ref, r.cur, r.ref_counts, r.cur_counts)
    return categorical_changes(r.ref, r.cur, r.bins, r.ref_counts, r.cur_counts)


def _message(
    r: _Raw,
    p_adj: float | None,
    drifted: bool,
    small: bool = False,
    evidence: str | None = None,
    noise: float = 0.0,
) -> str:
    head = (
        "Data drift detected on feature" if drifted
        else "Significant change below the effect threshold on feature" if small
        else "No significant drift on feature"
    )  # fmt: skip
    what = describe(_changes(r))
    evidence = evidence or (
        f"{_label(r.test)} {p_value(p_adj)} after correction" if p_adj is not None
        else f"{_label(r.test)} {r.statistic:.3g}"
    )  # fmt: skip
    effect = f"{_label(r.effect)} {r.effect_value:.2f}"
    if small:
        # Seen, and said, but not alarming: a large window makes a trivial shift significant.
        net = (
            f" ({r.effect_value - noise:.2g} net of the {noise:.2g} sampling alone gives here)"
            if r.effect_value >= r.min_effect else ""
        )  # fmt: skip
        return (
            f"{head} {r.feature}: {what}, {evidence}, {_label(r.effect)} {r.effect_value:.2g}{net} "
            f"below the threshold "
            f"{r.min_effect:.2f}; reported, not alerted."
        )
    return f"{head} {r.feature}: {what}, {evidence}, {effect}."


# A change in the share of missing values at least this large (and significant) is drift on
# its own: a broken upstream field is the most common real incident, and the distribution
# tests only see the values that are present.
MISSING_SHIFT = 0.1


# A significant move of at least this share of the rows into or out of one category is drift
# whatever the PSI: PSI weighs a shift by its log ratio, so 8 points moved between two large
# categories (70 % → 62 %) gives PSI 0.03, far below 0.1, though a tenth of traffic changed.
MASS_SHIFT = 0.05


# ... and only when that move is this many standard errors of a share difference under no
# drift, so that a 500-row window's noise (2 points of sd on a 50 % category) cannot reach it.
MASS_SE = 3.5


def _mass_shift(r: _Raw) -> bool:
    """Did one category's share move by :data:`MASS_SHIFT` or more, and by :data:`MASS_SE`
    standard errors ``sqrt(p(1-p)(1/n + 1/N))`` of that category's reference share ``p``?"""
    if r.kind != "categorical":
        return False
    a = np.asarray(r.ref_counts, dtype=float)
    b = np.asarray(r.cur_counts, dtype=float)
    if not a.sum() or not b.sum():
        return False
    pa, pb = a / a.sum(), b / b.sum()
    se = np.sqrt(pa * (1 - pa) * (1 / a.sum() + 1 / b.sum()))
    moved = np.abs(pb - pa)
    return bool(np.any((moved >= MASS_SHIFT) & (moved >= MASS_SE * se)))


def psi_noise(ref_counts: list[int], cur_counts: list[int], draws: int = 100) -> float:
    """The PSI that sampling alone gives on average between a reference of ``N`` and a window
    of ``n`` values: the mean PSI of ``draws`` pairs of multinomial samples of those sizes from
    the reference's shares (seeded, so a verdict is reproducible).

    Roughly ``(k − 1)·(1/n + 1/N)`` for ``k`` categories, more when some are rare (their
    empty bins weigh in PSI): 40 Zipf-distributed categories in a 500-row window give about
    0.1 from noise alone, and the bare 0.1 floor fired on clean windows.

    >>> round(psi_noise([5000, 5000], [500, 500]), 3)  # (k − 1)(1/n + 1/N) = 0.0021
    0.002
    """
    a, b = np.asarray(ref_counts, dtype=float), np.asarray(cur_counts, dtype=float)
    n_ref, n_cur = int(a.sum()), int(b.sum())
    if not n_ref or not n_cur:
        return 0.0
    rng = np.random.default_rng(0)
    shares = a / n_ref
    refs = rng.multinomial(n_ref, shares, size=draws)
    curs = rng.multinomial(n_cur, shares, size=draws)
    return float(np.mean([psi(r, c).statistic for r, c in zip(refs, curs, strict=True)]))


def _missing_shift(r: _Raw, alpha: float) -> str | None:
    ref_total = r.ref["n"] + r.ref["missing"]
    cur_total = r.cur["n"] + r.cur["missing"]
    if not ref_total or not cur_total:
        return None
    ref_share, cur_share = r.ref["missing"] / ref_total, r.cur["missing"] / cur_total
    if abs(cur_share - ref_share) < MISSING_SHIFT:
        return None
    p = chi2([r.ref["n"], r.ref["missing"]], [r.cur["n"], r.cur["missing"]]).p_value
    p = 1.0 if p is None else p  # (not `or`: a p-value that underflows to 0.0 is evidence)
    if p >= alpha:
        return None
    return (
        f"Missing values changed on feature {r.feature}: {percent(cur_share)} of the window vs "
        f"{percent(ref_share)} in training ({points(cur_share - ref_share)}), chi-square "
        f"{p_value(p)}."
    )


def _counts_p_adjusted(raws: list[_Raw], correction: Correction) -> list[float]:
    """Per feature, the corrected p-value of chi-square on the frozen bins' counts (every row
    of both sides), which decides only whether a change is reported as significant-but-small."""
    ps = [chi2(*(_inner(r.ref_counts), _inner(r.cur_counts)) if r.kind == "numeric"
               else (r.ref_counts, r.cur_counts)).p_value for r in raws]  # fmt: skip
    return adjust_p_values([1.0 if p is None else p for p in ps], correction) if ps else []


def _inner(counts: list[int]) -> list[int]:
    """Numeric bin counts with the under- and overflow bins folded into their neighbours.
    The reference's are empty by construction (its own min and max bound them), so one window
    value beyond the training range would make chi-square "significant" on its own.

    >>> _inner([1, 5, 5, 2]), _inner([0, 7, 0])
    ([6, 7], [7])
    """
    if len(counts) < 3:
        return list(counts)
    inner = list(counts[1:-1])
    inner[0] += counts[0]
    inner[-1] += counts[-1]
    return inner


def compare_profiles(
    reference: Profile, window: Profile, policy: DriftPolicy
) -> list[FeatureDrift]:
    """Compare every feature of ``window`` with ``reference``, one FeatureDrift each.

    p-value tests are corrected together across features (``policy.correction``); a test
    that gives a distance instead is "significant" at its catalogue threshold. Features
    with no observed values in the window are reported with p = 1 (no evidence), never NaN.
    """
    raws: list[_Raw] = []
    for name, ref in reference.features.items():
        kind = FeatureKind.NUMERIC if isinstance(ref, NumericProfile) else FeatureKind.CATEGORICAL
        raws.append(_compare(name, ref, window.features[name], policy.rule(name, kind)))
    tested = [i for i, r in enumerate(raws) if r.p_value is not None]
    adjusted: dict[int, float] = dict(
        zip(tested, adjust_p_values([raws[i].p_value for i in tested], policy.correction),
            strict=True)
    )  # fmt: skip
    counted = _counts_p_adjusted(raws, policy.correction)
    out = []
    for i, r in enumerate(raws):
        p_adj = adjusted.get(i)
        significant = (
            p_adj < policy.alpha if p_adj is not None
            else r.statistic >= r.test.default_threshold
        )  # fmt: skip
        # PSI (the default effect) is judged net of what sampling alone gives at this size.
        noise = psi_noise(r.ref_counts, r.cur_counts) if r.effect.name == "psi" else 0.0
        drifted = bool(significant and (r.effect_value - noise >= r.min_effect or _mass_shift(r)))
        missing = _missing_shift(r, policy.alpha)
        # Sample-based tests stop gaining power at sample_size rows; the frozen bins' counts
        # cover every row, so a small shift in a big window is still seen (never alerted).
        on_counts = not significant and counted[i] < policy.alpha
        small = bool((significant or on_counts) and not drifted and missing is None)
        evidence = (
            f"chi-square on the bin counts of all rows {p_value(counted[i])} after correction"
            if small and on_counts else None
        )  # fmt: skip
        message = missing or _message(r, p_adj, drifted, small, evidence, noise)
        drifted = drifted or missing is not None
        out.append(
            FeatureDrift(
                feature=r.feature, kind=r.kind, test=r.test.name, statistic=r.statistic,
                p_value=r.p_value if r.p_value is not None else 1.0,
                p_adjusted=float(p_adj) if p_adj is not None else 1.0,
                effect=r.effect.name, effect_value=r.effect_value, min_effect=r.min_effect,
                psi=r.psi, drifted=drifted, reference_summary=r.ref,
                window_summary={**r.cur, "change": describe(_changes(r), most=1)},
                bins=r.bins, reference_counts=r.ref_counts, window_counts=r.cur_counts,
                message=message, significant_below_effect=small,
            )
        )  # fmt: skip
    return out
