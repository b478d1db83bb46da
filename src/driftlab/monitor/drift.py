"""Per-feature data drift: window profile vs frozen reference profile.

A feature is flagged only when its test is significant after correction across features
*and* its PSI passes ``min_psi``: large samples make tiny shifts significant, and a
significance test alone would alarm on them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from driftlab.monitor.result import FeatureDrift
from driftlab.profile import CategoricalProfile, NumericProfile, Profile
from driftlab.stats import adjust_p_values, chi2, ks, psi
from driftlab.stats.correction import Correction
from driftlab.text import num, p_value, pct

__all__ = ["DriftPolicy", "compare_profiles"]


@dataclass(frozen=True)
class DriftPolicy:
    alpha: float = 0.05
    correction: Correction = "bh"
    min_psi: float = 0.1


@dataclass(frozen=True)
class _Raw:
    feature: str
    kind: str
    test: str
    statistic: float
    p_value: float
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


def _numeric(name: str, ref: NumericProfile, cur: NumericProfile) -> _Raw:
    test = ks(ref.sample, cur.sample)
    return _Raw(
        name,
        "numeric",
        "ks",
        test.statistic,
        test.p_value or 1.0,
        psi(ref.counts, cur.counts).statistic,
        {"mean": ref.mean, "std": ref.std, "n": ref.n, "missing": ref.missing},
        {"mean": cur.mean, "std": cur.std, "n": cur.n, "missing": cur.missing},
        _bin_labels(ref.edges),
        ref.counts.tolist(),
        cur.counts.tolist(),
    )


def _categorical(name: str, ref: CategoricalProfile, cur: CategoricalProfile) -> _Raw:
    cats, a, b = ref.aligned_counts(cur)
    test = chi2(a, b)
    return _Raw(
        name,
        "categorical",
        "chi2",
        test.statistic,
        test.p_value or 1.0,
        psi(a, b).statistic,
        {"n": int(a.sum()), "missing": ref.missing, "categories": len(ref.counts)},
        {
            "n": int(b.sum()),
            "missing": cur.missing,
            "new_categories": [c for c in cur.counts if c not in ref.counts],
        },
        cats,
        a.tolist(),
        b.tolist(),
    )


def _message(r: _Raw, p_adj: float, drifted: bool) -> str:
    head = "Data drift detected on feature" if drifted else "No significant drift on feature"
    if r.kind == "numeric":
        ref_mean, cur_mean = r.ref["mean"], r.cur["mean"]
        change = f" ({pct((cur_mean - ref_mean) / abs(ref_mean))})" if ref_mean else ""
        what = f"mean {num(cur_mean)} vs {num(ref_mean)} in training{change}"
        test = "KS"
    else:
        a = np.asarray(r.ref_counts, dtype=float)
        b = np.asarray(r.cur_counts, dtype=float)
        pa = a / a.sum() if a.sum() else a
        pb = b / b.sum() if b.sum() else b
        i = int(np.argmax(np.abs(pb - pa)))
        what = f"share of '{r.bins[i]}' {pb[i]:.0%} vs {pa[i]:.0%} in training"
        test = "chi-square"
    return f"{head} {r.feature}: {what}, {test} {p_value(p_adj)} after correction, PSI {r.psi:.2f}."


def compare_profiles(
    reference: Profile, window: Profile, policy: DriftPolicy
) -> list[FeatureDrift]:
    """Compare every feature of ``window`` with ``reference``, one FeatureDrift each.

    Features with no observed values in the window are reported with p = 1 (no evidence),
    never NaN.
    """
    raws: list[_Raw] = []
    for name, ref in reference.features.items():
        cur = window.features[name]
        if isinstance(ref, NumericProfile) and isinstance(cur, NumericProfile):
            raws.append(_numeric(name, ref, cur))
        elif isinstance(ref, CategoricalProfile) and isinstance(cur, CategoricalProfile):
            raws.append(_categorical(name, ref, cur))
        else:
            raise TypeError(f"feature {name!r} changed kind between reference and window")
    adjusted = adjust_p_values([r.p_value for r in raws], policy.correction)
    out = []
    for r, p_adj in zip(raws, adjusted, strict=True):
        drifted = bool(p_adj < policy.alpha and r.psi >= policy.min_psi)
        out.append(
            FeatureDrift(
                feature=r.feature,
                kind=r.kind,
                test=r.test,
                statistic=r.statistic,
                p_value=r.p_value,
                p_adjusted=float(p_adj),
                psi=r.psi,
                drifted=drifted,
                reference_summary=r.ref,
                window_summary=r.cur,
                bins=r.bins,
                reference_counts=r.ref_counts,
                window_counts=r.cur_counts,
                message=_message(r, float(p_adj), drifted),
            )
        )
    return out
