"""Every sentence is checked against the numbers of the same result: which change it names,
its direction, its magnitude and its unit — on synthetic windows where the change is known."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from driftlab.config import Feature, FeatureKind
from driftlab.formatting import num, pct, percent, points
from driftlab.monitor import DriftPolicy, compare_profiles
from driftlab.monitor.describe import RATIO_SPAN, ratio_scale
from driftlab.monitor.result import FeatureDrift
from driftlab.profile import build_profile

N_REF, N_WIN = 6000, 3000
X = [Feature(name="x")]
C = [Feature(name="c", kind=FeatureKind.CATEGORICAL)]


def _compare(ref: pd.DataFrame, win: pd.DataFrame, features: list[Feature]) -> FeatureDrift:
    rp = build_profile(ref, features, sample_size=5000)
    wp = build_profile(win, features, reference=rp, sample_size=5000)
    (result,) = compare_profiles(rp, wp, DriftPolicy())
    return result


def _normal(n: int, seed: int, mean: float = 0.0, sd: float = 1.0) -> np.ndarray:
    return np.random.default_rng(seed).normal(mean, sd, n)


def _numeric(window: np.ndarray, reference: np.ndarray | None = None) -> FeatureDrift:
    ref = _normal(N_REF, 0) if reference is None else reference
    return _compare(pd.DataFrame({"x": ref}), pd.DataFrame({"x": window}), X)


def _what(f: FeatureDrift) -> str:
    """The description: between "feature x: " and the test's evidence."""
    return re.sub(r"^.*? on feature \w+: ", "", f.message).split(", KS ")[0]


def _lognormal_std(n: int, seed: int) -> np.ndarray:
    """Mean 0, sd 1, skewed to the right (quartile skewness 0.32)."""
    s = 1.0
    x = np.random.default_rng(seed).lognormal(0.0, s, n)
    mean, sd = math.exp(s**2 / 2), math.sqrt((math.exp(s**2) - 1) * math.exp(s**2))
    return (x - mean) / sd


def _with_far(n: int, seed: int) -> np.ndarray:
    x = _normal(n, seed)
    x[: n // 20] = 12.0  # 5% far above the training maximum (about 3.9)
    return x


def _with_missing(n: int, seed: int, share: float) -> np.ndarray:
    x = _normal(n, seed)
    x[: int(n * share)] = np.nan
    return x


NUMERIC_CASES = {
    # name: (window, aspect the message must lead with)
    "mean up": (lambda: _normal(N_WIN, 1, mean=0.6), "location"),
    "mean down": (lambda: _normal(N_WIN, 2, mean=-0.6), "location"),
    "spread up": (lambda: _normal(N_WIN, 3, sd=2.0), "spread"),
    "spread down": (lambda: _normal(N_WIN, 4, sd=0.16), "spread"),  # the collapse
    "shape": (lambda: _lognormal_std(N_WIN, 5), "shape"),
    "out of range": (lambda: _with_far(N_WIN, 6), "range"),
    "missing": (lambda: _with_missing(N_WIN, 7, 0.08), "missing"),
}
LEADS = {
    "location": "mean ",
    "spread": "spread (sd) ",
    "shape": "shape changed: ",
    "range": "of values outside the training range",
    "missing": "missing in ",
}


@pytest.mark.parametrize("case", list(NUMERIC_CASES))
def test_numeric_message_leads_with_the_change_that_happened(case: str) -> None:
    make, aspect = NUMERIC_CASES[case]
    f = _numeric(make())
    what = _what(f)
    first = what.split("; ")[0]
    assert LEADS[aspect] in first, what
    assert f.window_summary["change"] == first  # the CLI's "change" column says the same
    ref, cur = f.reference_summary, f.window_summary
    if aspect == "location":
        diff = cur["mean"] - ref["mean"]
        # Training values straddle 0: not a ratio scale, so no percent; sd units and the
        # absolute difference, with the sign of the change.
        assert not ratio_scale(ref) and "%" not in first
        sign = "+" if diff > 0 else ""
        assert first == (
            f"mean {num(cur['mean'])} vs {num(ref['mean'])} in training "
            f"({sign}{num(diff)}, {diff / ref['std']:+.2f} sd)"
        )
        assert (diff > 0) == (case == "mean up") and abs(diff / ref["std"]) > 0.5
    elif aspect == "spread":
        ratio = cur["std"] / ref["std"]
        words = "wider" if case == "spread up" else "narrower"
        factor = ratio if ratio > 1 else 1 / ratio
        assert first == (
            f"spread (sd) {num(cur['std'])} vs {num(ref['std'])} in training "
            f"({num(factor)}× {words})"
        )
        assert (ratio > 1) == (case == "spread up")
    elif aspect == "shape":
        qb = cur["quartiles"]
        skew = (qb[2] + qb[0] - 2 * qb[1]) / (qb[2] - qb[0])
        assert skew > 0.25 and f"quartile skewness {skew:+.2f}" in first
        assert f"quartiles {' / '.join(num(v) for v in qb)} vs" in first
    elif aspect == "range":
        outside = (f.window_counts[0] + f.window_counts[-1]) / sum(f.window_counts)
        assert outside == pytest.approx(0.05, abs=0.002)
        assert first.startswith(f"{percent(outside)} of values outside the training range")
        assert f"({num(ref['min'])} to {num(ref['max'])})" in first
    else:
        share = cur["missing"] / (cur["n"] + cur["missing"])
        assert share == pytest.approx(0.08)
        assert first == f"missing in {percent(share)} of the window vs 0% in training (+8 points)"


def test_a_collapsed_spread_is_not_described_by_its_mean() -> None:
    """The issue's case: sd 1.0 → 0.16 with the same mean was "mean -0.005 vs 0.017"."""
    f = _numeric(_normal(N_WIN, 4, sd=0.16))
    sd = num(f.window_summary["std"])
    assert f.drifted and sd == "0.159"
    assert f.message.startswith(f"Data drift detected on feature x: spread (sd) {sd} vs 0.996")
    assert "narrower" in f.message and "mean" not in f.message


def test_a_missing_jump_is_its_own_message_with_its_numbers() -> None:
    f = _numeric(_with_missing(N_WIN, 8, 0.25))
    share = f.window_summary["missing"] / N_WIN
    assert f.drifted and share == pytest.approx(0.25)
    assert f.message.startswith(
        f"Missing values changed on feature x: {percent(share)} of the window vs 0% in training "
        f"({points(share)}), chi-square p < 0.001"
    )


@pytest.mark.parametrize(
    ("name", "low", "shift", "ratio"),
    [
        ("longitude", -124.0, 2.0, False),  # negative values: an interval scale
        ("year", 1950.0, 6.0, False),  # positive but spans less than RATIO_SPAN
        ("price", 30_000.0, 40_000.0, True),  # positive, spans a factor of ~10
    ],
)
def test_percent_changes_only_on_a_ratio_scale(
    name: str, low: float, shift: float, ratio: bool
) -> None:
    rng = np.random.default_rng(9)
    span = 10.0 if name != "price" else 270_000.0
    ref = low + span * rng.beta(2, 2, N_REF)
    win = low + span * rng.beta(2, 2, N_WIN) + shift
    f = _numeric(win, ref)
    r, c = f.reference_summary, f.window_summary
    assert ratio_scale(r) is ratio
    assert (r["max"] >= RATIO_SPAN * r["min"] > 0) is ratio
    location = next(p for p in _what(f).split("; ") if p.startswith("mean "))
    diff = c["mean"] - r["mean"]
    if ratio:
        assert location.endswith(f"({pct(diff / r['mean'])})") and diff > 0
    else:  # "+1%" of a longitude or "+0.3%" of a year would mislead
        assert "%" not in location
        assert location.endswith(f"(+{num(diff)}, {diff / r['std']:+.2f} sd)")


CATEGORICAL_CASES = {
    # name: (reference probabilities over a, b, c; window probabilities, with d new)
    "category shift": ((0.5, 0.3, 0.2, 0.0), (0.4, 0.3, 0.3, 0.0)),
    "new category": ((0.5, 0.3, 0.2, 0.0), (0.5, 0.3, 0.12, 0.08)),
}


@pytest.mark.parametrize("case", list(CATEGORICAL_CASES))
def test_categorical_message_names_the_category_that_moved_most(case: str) -> None:
    ref_p, win_p = CATEGORICAL_CASES[case]
    rng = np.random.default_rng(10)
    ref = pd.DataFrame({"c": rng.choice(list("abcd"), N_REF, p=ref_p).astype(object)})
    win = pd.DataFrame({"c": rng.choice(list("abcd"), N_WIN, p=win_p).astype(object)})
    f = _compare(ref, win, C)
    a = np.asarray(f.reference_counts) / sum(f.reference_counts)
    b = np.asarray(f.window_counts) / sum(f.window_counts)
    i = int(np.argmax(np.abs(b - a)))
    moved = f.bins[i]
    # 'a' and 'c' each moved 10 points; a new 'd' took 8.
    assert moved in (("d",) if case == "new category" else ("a", "c"))
    assert abs(b[i] - a[i]) == pytest.approx(0.08 if case == "new category" else 0.1, abs=0.02)
    new = " (a new category)" if case == "new category" else ""
    assert (
        f"feature c: share of '{moved}' {percent(b[i])} vs {percent(a[i])} in training{new}, "
        in f.message
    )


def test_categorical_missing_jump_leads_when_it_is_the_largest_change() -> None:
    rng = np.random.default_rng(11)
    ref = pd.DataFrame({"c": rng.choice(list("ab"), N_REF).astype(object)})
    values = rng.choice(list("ab"), N_WIN).astype(object)
    values[: int(0.09 * N_WIN)] = None
    f = _compare(ref, pd.DataFrame({"c": values}), C)
    assert _what(f).startswith("missing in 9% of the window vs 0% in training (+9 points)")
