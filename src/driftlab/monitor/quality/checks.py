"""The data-quality verdicts of a window, from its tally and its profile.

Each problem is counted for every column and shown; it is a **finding** (``flagged``) only
when it reaches ``monitor.quality_min_share`` of the window's rows — one stray record is
shown, but paging someone for it would be noise — and, where chance alone could produce it,
when a one-sided test against the reference is significant at ``monitor.quality_alpha``:

- **out of range**: values beyond the training minimum or maximum by more than
  ``monitor.range_margin`` training ranges. A new value exceeds the largest of ``n``
  exchangeable reference values with probability ``1/(n + 1)`` whatever the distribution
  (heavy tails included), so the expected share beyond either end is at most ``2/(n + 1)``;
  the count is tested against it (binomial, one-sided).
- **declared bounds**: values below ``min_value`` or above ``max_value`` — impossible, so no
  test. Rows that an extreme-values or declared-bounds finding of the same feature already
  report do not count towards its out-of-range finding: one cause, one finding.
- **unparsable**: values of a numeric feature that are not numbers (a column that started
  arriving as text); monitoring reads them as missing, so they are subtracted from the
  missing count below.
- **new category**: categories the reference never held. The chance of meeting an unseen
  category is estimated from the reference by Good–Turing, ``(n₁ + 1)/(n + 1)`` with ``n₁``
  the categories seen once; the count is tested against it. A reference that folded a tail
  into "other" (more than ``max_categories`` values) cannot tell a new category from a rare
  one: no verdict.
- **missing jump**: the missing share rose by at least ``monitor.missing_jump`` over the
  training share, significantly (pooled two-proportion z-test, one-sided). Features the
  window does not hold at all (optional metadata no client sent) are skipped.
- **duplicate**: rows whose request id (or ``unique`` id feature) repeats an earlier row's.
"""

from __future__ import annotations

from driftlab.config import Feature, MonitorConfig
from driftlab.formatting import num
from driftlab.monitor.quality.tally import REQUEST_ID, QualityTally, ValueCounts
from driftlab.monitor.result import DataQuality, ExtremeValues, QualityIssue
from driftlab.profile import OTHER, CategoricalProfile, NumericProfile, Profile
from driftlab.stats.proportions import pooled_z

__all__ = ["judge_quality"]


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _excess_p(k: int, n: int, p0: float) -> float:
    """P(X ≥ k) for X ~ Binomial(n, p0): how surprising ``k`` such rows are by chance."""
    if k <= 0:
        return 1.0
    from scipy import stats  # imported at the call: the monitoring core loads without scipy

    return float(stats.binom.sf(k - 1, n, min(max(p0, 0.0), 1.0)))


def _examples(values: list[object]) -> str:
    return ", ".join(num(v) if isinstance(v, float) else repr(v) for v in values)


def _out_of_range(
    name: str,
    c: ValueCounts,
    tally: QualityTally,
    ref: NumericProfile,
    cfg: MonitorConfig,
    covered: int,
) -> QualityIssue:
    """``covered``: rows a finding of the same feature already reports (extreme values, or
    values outside the declared bounds); the rest must make a finding on their own, so that
    one cause is one finding."""
    b = tally.bounds[name]
    n_rows = tally.n_rows
    share = c.n / n_rows
    expected = 2.0 / (ref.n + 1)
    p = _excess_p(c.n, tally.present.get(name, 0), expected)
    rest = c.n - covered
    flagged = (
        rest / n_rows >= cfg.quality_min_share
        and _excess_p(rest, tally.present.get(name, 0), expected) < cfg.quality_alpha
    )
    sides = [f"{c.below} below {num(b.range[0])}"] if c.below else []
    sides += [f"{c.above} above {num(b.range[1])}"] if c.above else []
    message = (
        f"{c.n:,} of {n_rows:,} values of {name} ({share:.1%}) lie outside the training range "
        f"{num(b.reference_min)} to {num(b.reference_max)} ({' and '.join(sides)}), e.g. "
        f"{_examples(c.examples.values)}; chance would put at most {expected:.2%} there "
        f"(binomial test, {_p(p)})."
    )
    return QualityIssue(
        name, "out_of_range", c.n, share, flagged, message, c.examples.values, p, expected,
        {"below": c.below, "above": c.above, "lower": b.range[0], "upper": b.range[1],
         "training_min": b.reference_min, "training_max": b.reference_max},
    )  # fmt: skip


def _declared(name: str, c: ValueCounts, tally: QualityTally, f: Feature,
              cfg: MonitorConfig) -> QualityIssue:  # fmt: skip
    share = c.n / tally.n_rows
    sides = [f"{c.below} below min_value {num(f.min_value)}"] if c.below else []
    sides += [f"{c.above} above max_value {num(f.max_value)}"] if c.above else []
    message = (
        f"{c.n:,} of {tally.n_rows:,} values of {name} ({share:.1%}) are impossible by the "
        f"feature's declared bounds ({' and '.join(sides)}), e.g. {_examples(c.examples.values)}."
    )
    return QualityIssue(
        name, "declared_bounds", c.n, share, share >= cfg.quality_min_share, message,
        c.examples.values, None, 0.0,
        {"below": c.below, "above": c.above, "min_value": f.min_value, "max_value": f.max_value},
    )  # fmt: skip


def _unparsable(name: str, c: ValueCounts, tally: QualityTally, cfg: MonitorConfig) -> QualityIssue:
    share = c.n / tally.n_rows
    message = (
        f"{c.n:,} of {tally.n_rows:,} values of {name} ({share:.1%}) arrived as text that is not "
        f"a number, e.g. {_examples(c.examples.values)}: the column may have changed type "
        "upstream. Monitoring read them as missing."
    )
    return QualityIssue(name, "unparsable", c.n, share, share >= cfg.quality_min_share, message,
                        c.examples.values, None, 0.0)  # fmt: skip


def _new_categories(
    name: str, ref: CategoricalProfile, win: CategoricalProfile, n_rows: int, cfg: MonitorConfig
) -> QualityIssue | None:
    if OTHER in ref.counts or ref.n == 0:
        return None  # a folded tail may hold any "new" value: no verdict
    new = {c: v for c, v in win.counts.items() if c not in ref.counts and v}
    k = sum(new.values())
    if not k:
        return None
    singletons = sum(1 for v in ref.counts.values() if v == 1)
    expected = (singletons + 1) / (ref.n + 1)
    p = _excess_p(k, win.n, expected)
    share = k / n_rows
    top = sorted(((v, c) for c, v in new.items() if c != OTHER), reverse=True)[:3]
    shown = ", ".join(f"{c!r} ({v:,})" for v, c in top) or "beyond the kept categories"
    message = (
        f"{k:,} of {n_rows:,} rows ({share:.1%}) hold {len(new)} value(s) of {name} never seen in "
        f"training: {shown}; chance would give about {expected:.2%} (Good–Turing, binomial "
        f"test, {_p(p)})."
    )
    return QualityIssue(
        name, "new_category", k, share, share >= cfg.quality_min_share and p < cfg.quality_alpha,
        message, [c for _, c in top], p, expected, {"counts": dict(sorted(new.items()))},
    )  # fmt: skip


def _missing_jump(
    name: str, ref_missing: int, ref_rows: int, win_missing: int, n_rows: int, cfg: MonitorConfig
) -> QualityIssue | None:
    before, after = ref_missing / ref_rows, win_missing / n_rows
    if after <= before:
        return None
    z = pooled_z(ref_missing, ref_rows, win_missing, n_rows)
    from scipy import stats

    p = 1.0 if z is None else float(stats.norm.sf(z))
    flagged = after - before >= cfg.missing_jump and p < cfg.quality_alpha
    message = (
        f"Missing share of {name} rose from {before:.1%} in training to {after:.1%} "
        f"({win_missing:,} of {n_rows:,} rows, +{(after - before) * 100:.1f} points; "
        f"two-proportion z-test, {_p(p)})."
    )
    return QualityIssue(name, "missing_jump", win_missing, after, flagged, message, [], p,
                        before, {"z": z, "increase": after - before})  # fmt: skip


def _duplicates(name: str, tally: QualityTally, cfg: MonitorConfig) -> QualityIssue | None:
    ids = tally.duplicates.get(name)
    if ids is None or not ids.repeated:
        return None
    share = ids.repeated / tally.n_rows
    what = "request id" if name == REQUEST_ID else f"id {name}"
    message = (
        f"{ids.repeated:,} of {tally.n_rows:,} rows ({share:.1%}) repeat the {what} of an earlier "
        f"row in the window, e.g. {_examples(ids.examples.values)}: a retried or replayed "
        "request is counted twice."
    )
    return QualityIssue(name, "duplicate", ids.repeated, share, share >= cfg.quality_min_share,
                        message, ids.examples.values)  # fmt: skip


def _extreme(name: str, c: ValueCounts, tally: QualityTally) -> ExtremeValues:
    b = tally.bounds[name]
    share = c.n / tally.n_rows
    examples = [float(v) for v in c.examples.values]
    message = (
        f"{c.n} of {tally.n_rows} values of {name} ({share:.1%}) lie far outside the training "
        f"range {num(b.reference_min)} to {num(b.reference_max)} (extreme: below "
        f"{num(b.extreme[0])} or above {num(b.extreme[1])}), e.g. "
        f"{', '.join(num(v) for v in examples)}."
    )
    return ExtremeValues(name, c.n, share, b.extreme[0], b.extreme[1], examples, message)


def judge_quality(
    tally: QualityTally,
    reference: Profile,
    window: Profile | None,
    features: list[Feature],
    cfg: MonitorConfig,
    *,
    absent: frozenset[str] = frozenset(),
) -> DataQuality:
    """Every problem ``tally`` and the window profile show (see the module doc); without a
    window profile (its check failed) the profile-based checks are left out."""
    n_rows = tally.n_rows
    issues: list[QualityIssue] = []
    extreme: list[ExtremeValues] = []
    if not n_rows:
        return DataQuality(extreme, tally.spans, cfg.quality_min_share, issues)
    for f in features:
        name, ref = f.name, reference.features.get(f.name)
        if name in tally.bounds:
            covered = 0
            if (c := tally.extreme.get(name)) and c.n:
                extreme.append(_extreme(name, c, tally))
                covered = c.n if extreme[-1].share >= cfg.quality_min_share else 0
            if (c := tally.declared.get(name)) and c.n:
                issues.append(_declared(name, c, tally, f, cfg))
                covered = max(covered, c.n if issues[-1].flagged else 0)
            if (c := tally.out_of_range.get(name)) and c.n and isinstance(ref, NumericProfile):
                issues.append(_out_of_range(name, c, tally, ref, cfg, covered))
        if (c := tally.unparsable.get(name)) and c.n:
            issues.append(_unparsable(name, c, tally, cfg))
        win = window.features.get(name) if window is not None else None
        if isinstance(ref, CategoricalProfile) and isinstance(win, CategoricalProfile):
            found = _new_categories(name, ref, win, n_rows, cfg)
            if found is not None:
                issues.append(found)
        if win is not None and ref is not None and name not in absent and reference.n_rows:
            text = tally.unparsable.get(name)
            missing = win.missing - (text.n if text else 0)
            found = _missing_jump(name, ref.missing, reference.n_rows, missing, n_rows, cfg)
            if found is not None:
                issues.append(found)
    for name in tally.ids:
        found = _duplicates(name, tally, cfg)
        if found is not None:
            issues.append(found)
    return DataQuality(extreme, tally.spans, cfg.quality_min_share, issues)
