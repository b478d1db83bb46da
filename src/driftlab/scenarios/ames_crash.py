"""The Ames crash scenario: the same houses, but "high" no longer means the same price.

Target ``Price_Class`` = "high" when ``Sale_Price`` is above the 2006–2007 median, as in the
Ames scenario, with the same features. Training: 2006–2007 sales. Normal traffic: 2006–2007
sales held out from training. Drifted traffic: every 2008–2010 sale, in the order sold, labeled
with the **same fixed threshold** after its ``Sale_Price`` is **multiplied by 0.88** — a
simulated 12% fall of prices, as after the 2008 housing crash. A house that used to clear the
threshold by less than 12% is now "low", though nothing about the house changed.

This is a simulation on real features, and the price fall is an exaggeration: in these data
the median sale price of 2008–2010 (about $160,000, 2010 alone $155,000) is only 1–5% below
2006–2007's $162,500, because Ames was barely touched by the crash. The features are the real
2008–2010 houses, so a little genuine data drift between the years remains possible, but the
change the model suffers from is mostly concept drift: ``P(label | features)`` moved, and only
the labels — the error rate and a concept-drift detector — can show it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from driftlab.scenarios.ames import FEATURES, TARGET, _project_toml, load_ames
from driftlab.scenarios.base import Scenario

__all__ = ["PRICE_FACTOR", "prepare"]

# What the drifted phase's prices are multiplied by before they are labeled.
PRICE_FACTOR = 0.88


def prepare(workdir: Path, *, n_normal: int = 400, seed: int = 7) -> Scenario:
    """Write ``train.csv`` and ``driftlab.toml`` into ``workdir``; return the traffic phases.

    ``seed`` picks which 2006–2007 sales are held out as normal traffic.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    raw = load_ames()
    early = raw[raw["Year_Sold"] <= 2007]
    late = raw[raw["Year_Sold"] >= 2008].sort_values(["Year_Sold", "Mo_Sold"], kind="mergesort")
    threshold = float(early["Sale_Price"].median())
    names = [n for n, _ in FEATURES]

    def table(frame: pd.DataFrame, price_factor: float = 1.0) -> pd.DataFrame:
        out = frame[names].copy()
        out[TARGET] = np.where(frame["Sale_Price"] * price_factor > threshold, "high", "low")
        return out.reset_index(drop=True)

    rng = np.random.default_rng(seed)
    # Held-out sales of the training period: the same market, so the normal phase has no
    # drift and any alert on it would be a false alarm.
    normal_idx = rng.choice(len(early), size=min(n_normal, len(early) // 3), replace=False)
    normal = early.iloc[np.sort(normal_idx)]
    train = table(early.drop(early.index[normal_idx]))
    drifted = table(late, PRICE_FACTOR)
    train.to_csv(workdir / "train.csv", index=False)
    project_file = workdir / "driftlab.toml"
    # DDM, not ADWIN: the crash lifts the error rate from about 6% to 14%, which ADWIN's
    # bound cannot tell from noise on a few hundred labels; DDM caught it ~106 labels late.
    project_file.write_text(_project_toml("ames-crash", concept_detector="ddm"), encoding="utf-8")
    crossed = int(
        ((late["Sale_Price"] > threshold) & (late["Sale_Price"] * PRICE_FACTOR <= threshold)).sum()
    )
    return Scenario(
        name="ames-crash",
        project_file=project_file,
        target=TARGET,
        train=train,
        normal=table(normal),
        drifted=drifted,
        intro=(
            f"{len(train)} Ames house sales from 2006–2007 to train on; 'high' means a "
            f"Sale_Price above {threshold:,.0f}. Normal traffic: held-out sales of the same "
            f"years. Then a simulated crash: 2008–2010 sales are labeled after a "
            f"{1 - PRICE_FACTOR:.0%} price cut (more than Ames really saw), so {crossed} of "
            f"{len(drifted)} houses turn from 'high' to 'low' with the same features."
        ),
        drift_title=f"The crash: prices {1 - PRICE_FACTOR:.0%} lower, same houses",
        span_both_phases=True,
    )
