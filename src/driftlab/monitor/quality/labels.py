"""Label drift: the labels that arrived for a window against the labels the model trained on.

A shift in the class balance (or in the target's distribution) changes what the model should
predict even when its inputs look the same (prior shift), and it is the first thing labels can
tell before there are enough of them for a performance verdict. The training labels are
frozen at training time (:func:`label_reference`, kept in the model's ``extra``): class
counts, or for regression the target's counts over quantile bins. The window's labels are
counted into the same classes or bins (:class:`~driftlab.monitor.quality.tally.QualityTally`).

The test is Pearson's chi-square of homogeneity (:func:`driftlab.stats.chi2.chi2`); the change
counts only when it is significant at ``monitor.quality_alpha`` *and* the total variation
distance reaches ``monitor.label_min_shift`` (five points of class share by default), so a
big window never alarms on a trivial shift. Fewer than ``monitor.min_labels`` labels: no
verdict. Labels that arrive late may not be a random subset of the window; the message says
how many there were.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd

from driftlab.config import MonitorConfig
from driftlab.formatting import num
from driftlab.monitor.quality.tally import QualityTally, _label_text
from driftlab.monitor.result import LabelDrift
from driftlab.profile.build import bin_counts, quantile_edges
from driftlab.stats.chi2 import chi2

__all__ = ["label_drift", "label_reference"]


def label_reference(y: pd.Series, *, classification: bool, bins: int = 10) -> dict[str, Any]:
    """The training labels as monitoring keeps them: ``{"classes": {label: rows}}``, or for
    regression ``{"edges": [...], "counts": [...]}`` over the target's quantile bins.

    >>> label_reference(pd.Series(["a", "b", "b"]), classification=True)
    {'classes': {'a': 1, 'b': 2}}
    >>> label_reference(pd.Series([1.0, 2.0, 3.0, 4.0]), classification=False, bins=2)
    {'edges': [1.0, 2.5, 4.0], 'counts': [0, 2, 2, 0]}
    """
    if classification:
        counts = y.map(_label_text).value_counts()
        return {"classes": {str(k): int(v) for k, v in sorted(counts.items())}}
    values = pd.to_numeric(y, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    values = values[~np.isnan(values)]
    edges = quantile_edges(values, bins)
    return {"edges": edges.tolist(), "counts": bin_counts(values, edges).tolist()}


def _labels(reference: dict[str, Any]) -> tuple[list[str], list[str], list[int]]:
    """(keys the tally counts by, names to show, reference counts)."""
    if "classes" in reference:
        names = list(reference["classes"])
        return names, names, [int(v) for v in reference["classes"].values()]
    edges = reference["edges"]
    counts = [int(v) for v in reference["counts"]]
    shown = [f"< {num(edges[0])}"]
    shown += [f"{num(a)} – {num(b)}" for a, b in itertools.pairwise(edges)]
    shown.append(f"> {num(edges[-1])}")
    return [str(i) for i in range(len(counts))], shown, counts


def label_drift(
    tally: QualityTally, reference: dict[str, Any] | None, cfg: MonitorConfig
) -> LabelDrift | None:
    """The window's labels against the training labels; None without a frozen reference
    (a model trained before it was kept) or with fewer than ``monitor.min_labels`` labels."""
    n = sum(tally.labels.values())
    if reference is None or n < cfg.min_labels:
        return None
    keys, names, ref_counts = _labels(reference)
    extra = [k for k in tally.labels if k not in keys]  # classes training never had
    keys, names = keys + extra, names + extra
    ref = np.array(ref_counts + [0] * len(extra), dtype="float64")
    win = np.array([tally.labels.get(k, 0) for k in keys], dtype="float64")
    ref_n = int(ref.sum())
    test = chi2(ref, win)
    ref_shares, win_shares = ref / ref_n, win / n
    shift = float(0.5 * np.abs(ref_shares - win_shares).sum())
    drifted = test.p_value < cfg.quality_alpha and shift >= cfg.label_min_shift
    moved = int(np.argmax(np.abs(win_shares - ref_shares)))
    largest = f"{names[moved]!s} {win_shares[moved]:.1%} vs {ref_shares[moved]:.1%} in training"
    p = "p < 0.001" if test.p_value < 0.001 else f"p = {test.p_value:.3f}"
    head = "Label drift detected" if drifted else "No label drift"
    message = (
        f"{head}: over {n:,} labels that arrived for the window, the label distribution "
        f"moved by {shift:.1%} (total variation; largest change: {largest}; chi-square "
        f"{p})."
    )
    return LabelDrift(
        n, ref_n, "chi2", test.statistic, test.p_value, shift, cfg.label_min_shift, drifted,
        [str(x) for x in names], ref_shares.tolist(), win_shares.tolist(), message,
    )  # fmt: skip
