"""The fairness gaps of one attribute, from group counts, with their verdicts.

Every metric compares the best- and worst-off groups among those with enough rows:

* ``demographic_parity_difference``: max − min selection rate (no labels needed);
* ``demographic_parity_ratio``: min / max selection rate; the four-fifths rule asks ≥ 0.8;
* ``equal_opportunity_difference``: max − min true-positive rate (labels; or, without them,
  the estimate from calibrated probabilities, flagged ``estimated``);
* ``equalized_odds_difference``: the larger of the TPR gap and the FPR gap.

These are fairlearn's definitions (``demographic_parity_difference``/``ratio``,
``equalized_odds_difference``, and the difference of ``true_positive_rate`` across groups),
checked against fairlearn in the tests. A value beyond its limit is a ``violation`` only
when a two-proportion z-test between the two groups gives p < alpha; otherwise it is
``beyond_limit``: noted, not alerted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from driftlab.config import FairnessConfig
from driftlab.fairness.result import FairnessMetric, GroupRates
from driftlab.formatting import p_value, percent
from driftlab.stats.proportions import (
    gap_widening_test,
    newcombe_interval,
    two_proportion_test,
)

__all__ = ["FAIRNESS_METRICS", "fairness_metrics"]

FAIRNESS_METRICS = (
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equal_opportunity_difference",
    "equalized_odds_difference",
)


@dataclass(frozen=True)
class _Rate:
    """How to read one rate off a group: successes and denominator."""

    name: str
    x: Callable[[GroupRates], float]
    n: Callable[[GroupRates], float]


_SELECTION = _Rate("selection rate", lambda g: g.selected, lambda g: g.n)
_TPR = _Rate("true-positive rate", lambda g: g.true_positives, lambda g: g.positives)
_FPR = _Rate("false-positive rate", lambda g: g.false_positives, lambda g: g.negatives)
_EST_TPR = _Rate(
    "estimated true-positive rate",
    lambda g: g.expected_true_positives or 0.0,
    lambda g: g.expected_positives or 0.0,
)


@dataclass(frozen=True)
class _Gap:
    value: float
    low: GroupRates  # lowest rate
    high: GroupRates  # highest rate
    rate: _Rate

    def p(self) -> float:
        r = self.rate
        return two_proportion_test(r.x(self.high), r.n(self.high), r.x(self.low), r.n(self.low))

    def interval(self) -> list[float]:
        r = self.rate
        return list(newcombe_interval(r.x(self.high), r.n(self.high), r.x(self.low), r.n(self.low)))

    def share(self, g: GroupRates) -> float:
        return self.rate.x(g) / self.rate.n(g)


def _gap(groups: list[GroupRates], rate: _Rate, min_size: int) -> _Gap | None:
    ok = [g for g in groups if rate.n(g) >= min_size and g.n >= min_size]
    if len(ok) < 2:
        return None
    ranked = sorted(ok, key=lambda g: rate.x(g) / rate.n(g))
    low, high = ranked[0], ranked[-1]
    value = rate.x(high) / rate.n(high) - rate.x(low) / rate.n(low)
    return _Gap(value, low, high, rate)


def _short(groups: list[GroupRates], rate: _Rate, min_size: int) -> str:
    small = [f"{g.group} ({rate.n(g):.0f})" for g in groups if rate.n(g) < min_size]
    return ", ".join(small) or "all but one group"


def _points(x: float) -> str:
    """A share difference in percentage points.

    >>> _points(0.2), _points(0.01), _points(-0.004)
    ('20 points', '1 point', '-0 points')
    """
    text = f"{x * 100:.0f}"
    return f"{text} point" if text in ("1", "-1") else f"{text} points"


def fairness_metrics(
    attribute: str,
    groups: list[GroupRates],
    reference: list[GroupRates],
    cfg: FairnessConfig,
    favorable: str,
    *,
    labeled: bool,
    unfavorable: str | None = None,
) -> list[FairnessMetric]:
    """The four gaps of ``attribute`` in a window, each against its reference value.

    ``unfavorable``: the other class of a binary model, so that messages name both classes
    ("rows whose true class is 1 predicted as 0") instead of "not-0 rows"."""
    size = cfg.min_group_size
    out = []
    dp, ref_dp = _gap(groups, _SELECTION, size), _gap(reference, _SELECTION, 1)
    out.append(
        _difference(
            attribute,
            "demographic_parity_difference",
            dp,
            ref_dp,
            cfg.max_selection_gap,
            cfg.alpha,
            groups,
            _SELECTION,
            size,
            favorable,
            False,
            ref_groups=reference,
            max_increase=cfg.max_gap_increase,
            unfavorable=unfavorable,
        )
    )
    out.append(_ratio(attribute, dp, ref_dp, cfg, groups, favorable))
    tpr_rate = _TPR if labeled else _EST_TPR
    eo = _gap(groups, tpr_rate, size)
    out.append(
        _difference(
            attribute,
            "equal_opportunity_difference",
            eo,
            _gap(reference, _TPR, 1),
            cfg.max_tpr_gap,
            cfg.alpha,
            groups,
            tpr_rate,
            size,
            favorable,
            not labeled,
            ref_groups=reference,
            max_increase=cfg.max_gap_increase,
            unfavorable=unfavorable,
        )
    )
    if labeled:
        tpr, fpr = _gap(groups, _TPR, size), _gap(groups, _FPR, size)
        both = [g for g in (tpr, fpr) if g is not None]
        odds = max(both, key=lambda g: g.value) if len(both) == 2 else None
        ref = [g for g in (_gap(reference, _TPR, 1), _gap(reference, _FPR, 1)) if g]
        ref_odds = max(ref, key=lambda g: g.value) if len(ref) == 2 else None
        short_rate = tpr_rate if tpr is None else _FPR
        out.append(
            _difference(
                attribute,
                "equalized_odds_difference",
                odds,
                ref_odds,
                cfg.max_odds_gap,
                cfg.alpha,
                groups,
                short_rate,
                size,
                favorable,
                False,
                ref_groups=reference,
                max_increase=cfg.max_gap_increase,
                unfavorable=unfavorable,
            )
        )
    return out


def _widening(
    gap: _Gap, ref_groups: Sequence[GroupRates], max_increase: float | None, alpha: float
) -> float | None:
    """The training gap between the window's two groups, when the window's gap exceeds it
    by more than ``max_increase`` and a one-sided test says it widened; else None."""
    if max_increase is None:
        return None
    ref = {g.group: g for g in ref_groups}
    lo, hi, r = ref.get(gap.low.group), ref.get(gap.high.group), gap.rate
    if lo is None or hi is None or not r.n(lo) or not r.n(hi):
        return None
    before = r.x(hi) / r.n(hi) - r.x(lo) / r.n(lo)
    if gap.value - before <= max_increase:
        return None
    p = gap_widening_test(
        (r.x(gap.high), r.n(gap.high), r.x(gap.low), r.n(gap.low)),
        (r.x(hi), r.n(hi), r.x(lo), r.n(lo)),
    )
    return before if p < alpha else None


def _describe(rate: _Rate, favorable: str, unfavorable: str | None = None) -> str:
    """A rate in words a reader without the jargon can follow, naming classes as classes
    (labels 0/1 made "share of not-0 rows predicted 0").

    >>> _describe(_FPR, "0", "1")
    'false-positive rate (share of rows whose true class is 1 predicted as class 0)'
    >>> _describe(_FPR, "good")
    'false-positive rate (share of rows whose true class is not good predicted as class good)'
    """
    other = unfavorable if unfavorable is not None else f"not {favorable}"
    meaning = {
        _SELECTION.name: f"share of rows predicted as class {favorable}",
        _TPR.name: f"share of rows whose true class is {favorable} predicted as class {favorable}",
        _EST_TPR.name: (
            f"share of rows whose true class is {favorable} predicted as class {favorable}"
        ),
        _FPR.name: f"share of rows whose true class is {other} predicted as class {favorable}",
    }[rate.name]
    return f"{rate.name} ({meaning})"


def _reference_text(ref: _Gap | None) -> str:
    return f"; {_points(ref.value)} at training" if ref is not None else ""


def _difference(
    attribute: str,
    metric: str,
    gap: _Gap | None,
    ref: _Gap | None,
    limit: float,
    alpha: float,
    groups: list[GroupRates],
    rate: _Rate,
    size: int,
    favorable: str,
    estimated: bool,
    *,
    ref_groups: Sequence[GroupRates] = (),
    max_increase: float | None = None,
    unfavorable: str | None = None,
) -> FairnessMetric:
    pretty = metric.replace("_", " ")
    reference = ref.value if ref is not None else None
    if gap is None:
        return _insufficient(
            attribute, metric, reference, limit, estimated,
            f"{attribute}: insufficient data for {pretty}: fewer than {size} rows in "
            f"{_short(groups, rate, size)} (fairness.min_group_size).",
        )  # fmt: skip
    p, interval = gap.p(), gap.interval()
    beyond = gap.value > limit
    status = "ok" if not beyond else ("violation" if p < alpha else "beyond_limit")
    widened = _widening(gap, ref_groups, max_increase, alpha) if not estimated else None
    if status != "violation" and widened is not None:
        status = "violation"
    est = "Estimated without labels: " if estimated else ""
    detail = (
        f"{_describe(gap.rate, favorable, unfavorable)} {percent(gap.share(gap.low))} for "
        f"{attribute} = "
        f"{gap.low.group} vs "
        f"{percent(gap.share(gap.high))} for {gap.high.group}, a gap of {_points(gap.value)} "
        f"(limit {_points(limit)}; 95% CI {interval[0] * 100:.0f} to {interval[1] * 100:.0f}, "
        f"{p_value(p)}){_reference_text(ref)}"
    )
    if status == "violation" and not beyond and widened is not None:
        message = (
            f"Fairness alert on {attribute} ({pretty}): the gap between {gap.low.group} and "
            f"{gap.high.group} widened from {_points(widened)} at training to "
            f"{_points(gap.value)} (allowed increase {_points(max_increase or 0)}, "
            f"{p_value(p)}); {est}{detail}."
        )
    elif status == "violation":
        message = f"Fairness alert on {attribute} ({pretty}): {est}{detail}."
    elif status == "beyond_limit":
        message = (
            f"{attribute} {pretty} beyond its limit but not significant at "
            f"alpha {alpha:g}: {est}{detail}."
        )
    else:
        message = f"{attribute} {pretty} within limit: {est}{detail}."
    return FairnessMetric(
        attribute,
        metric,
        gap.value,
        reference,
        limit,
        [gap.low.group, gap.high.group],
        p,
        interval,
        status,
        estimated,
        message,
    )


def _insufficient(
    attribute: str,
    metric: str,
    reference: float | None,
    limit: float,
    estimated: bool,
    message: str,
) -> FairnessMetric:
    """A metric with no verdict: a group it compares has fewer rows than min_group_size."""
    return FairnessMetric(attribute, metric, None, reference, limit, [], None, None,
                          "insufficient_data", estimated, message)  # fmt: skip


def _ratio(
    attribute: str,
    gap: _Gap | None,
    ref: _Gap | None,
    cfg: FairnessConfig,
    groups: list[GroupRates],
    favorable: str,
) -> FairnessMetric:
    metric, limit = "demographic_parity_ratio", cfg.min_selection_ratio

    def ratio(g: _Gap) -> float:
        hi = g.share(g.high)
        return g.share(g.low) / hi if hi > 0 else 1.0

    reference = ratio(ref) if ref is not None else None
    if gap is None:
        return _insufficient(
            attribute, metric, reference, limit, False,
            f"{attribute}: insufficient data for the four-fifths rule: fewer than "
            f"{cfg.min_group_size} rows in {_short(groups, _SELECTION, cfg.min_group_size)}.",
        )  # fmt: skip
    value, p = ratio(gap), gap.p()
    below = value < limit
    status = "ok" if not below else ("violation" if p < cfg.alpha else "beyond_limit")
    ref_txt = f"; {reference:.2f} at training" if reference is not None else ""
    detail = (
        f"{attribute} = {gap.low.group} is predicted as class {favorable} at {value:.2f} times "
        f"the rate of {gap.high.group} ({percent(gap.share(gap.low))} vs "
        f"{percent(gap.share(gap.high))}; "
        f"four-fifths rule: at least {limit:.2f}, {p_value(p)}){ref_txt}"
    )
    head = {
        "violation": f"Fairness alert on {attribute} (four-fifths rule failed): ",
        "beyond_limit": f"{attribute} below the four-fifths rule but not significant: ",
        "ok": f"{attribute} passes the four-fifths rule: ",
    }[status]
    return FairnessMetric(
        attribute,
        metric,
        value,
        reference,
        limit,
        [gap.low.group, gap.high.group],
        p,
        None,
        status,
        False,
        head + detail + ".",
    )
