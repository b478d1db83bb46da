"""The Ames housing scenario: train on 2006–2007 sales, then smaller houses arrive.

Target: ``Price_Class`` = "high" when ``Sale_Price`` is above the 2006–2007 median, else
"low". Production traffic comes in two phases: a normal phase (2006–2007 sales held out from
training: the same market, so nothing should alarm) and a drifted phase of 2008–2010 sales
where small houses dominate (``Gr_Liv_Area`` shifts down), as after a change in what the
market offers.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from driftlab.scenarios.base import Scenario, demo_project_toml

__all__ = ["FEATURES", "AmesScenario", "load_ames", "prepare"]

FEATURES: list[tuple[str, str]] = [
    ("Gr_Liv_Area", "numeric"),
    ("Total_Bsmt_SF", "numeric"),
    ("First_Flr_SF", "numeric"),
    ("Garage_Area", "numeric"),
    ("Garage_Cars", "numeric"),
    ("Year_Built", "numeric"),
    ("Year_Remod_Add", "numeric"),
    ("Lot_Area", "numeric"),
    ("Full_Bath", "numeric"),
    ("TotRms_AbvGrd", "numeric"),
    ("Fireplaces", "numeric"),
    ("Overall_Cond", "categorical"),
    ("Neighborhood", "categorical"),
    ("Bldg_Type", "categorical"),
    ("Central_Air", "categorical"),
    ("Heating_QC", "categorical"),
]
TARGET = "Price_Class"


def load_ames() -> pd.DataFrame:
    """The bundled Ames data (no download; see scenarios/data/README.md for attribution)."""
    with resources.files("driftlab.scenarios").joinpath("data/ames_housing.csv").open("rb") as f:
        return pd.read_csv(f)


# Kept for callers that name the Ames scenario's type.
AmesScenario = Scenario


def _project_toml(name: str, concept_detector: str = "adwin") -> str:
    return demo_project_toml(
        name, title="Ames housing", target=TARGET, positive_class="high", features=FEATURES,
        concept_detector=concept_detector,
    )  # fmt: skip


def prepare(
    workdir: Path, *, n_normal: int = 300, n_drifted: int = 400, seed: int = 7
) -> AmesScenario:
    """Write ``train.csv`` and ``driftlab.toml`` into ``workdir``; return the traffic phases."""
    workdir.mkdir(parents=True, exist_ok=True)
    raw = load_ames()
    early = raw[raw["Year_Sold"] <= 2007]
    late = raw[raw["Year_Sold"] >= 2008]
    threshold = float(early["Sale_Price"].median())
    names = [n for n, _ in FEATURES]

    def table(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame[names].copy()
        out[TARGET] = np.where(frame["Sale_Price"] > threshold, "high", "low")
        return out.reset_index(drop=True)

    rng = np.random.default_rng(seed)
    # Normal traffic: sales of the training period held out from training, so the normal
    # phase really has no drift and any alert on it would be a false alarm.
    normal_idx = rng.choice(len(early), size=min(n_normal, len(early) // 3), replace=False)
    normal = early.iloc[normal_idx]
    early = early.drop(early.index[normal_idx])
    rest = late
    # Smaller houses: sample later sales with weight falling fast with living area.
    area = rest["Gr_Liv_Area"].to_numpy(dtype=float)
    weights = np.exp(-((area / np.median(area)) ** 4) * 2.0)
    weights /= weights.sum()
    drift_idx = rng.choice(len(rest), size=min(n_drifted, len(rest)), replace=False, p=weights)
    train = table(early)
    train.to_csv(workdir / "train.csv", index=False)
    project_file = workdir / "driftlab.toml"
    project_file.write_text(_project_toml("ames-housing"), encoding="utf-8")
    return Scenario(
        name="ames",
        project_file=project_file,
        target=TARGET,
        train=train,
        normal=table(normal),
        drifted=table(rest.iloc[drift_idx]),
        intro=(
            f"{len(train)} Ames house sales from 2006–2007 to train on; 'high' means a "
            f"Sale_Price above {threshold:,.0f}. Normal traffic: held-out sales of the same years."
        ),
        drift_title="The market shifts: smaller houses",
    )
