"""The phishing scenario: the features look the same, but what they mean has changed.

Data: the UCI "Website Phishing" table as bundled with River (1,250 sites, nine features coded
0 / 0.5 / 1; see scenarios/data/README.md). Target ``site_class``: "phishing" (the file's
``is_phishing = 1``) or "legit". Rows keep the file's order:

* train: the first 400 rows;
* normal: the next 400 rows, labels as published (same feature → label relation);
* drifted: the last 450 rows, where **the label of every site with ``https = 0`` is
  inverted** (phishing ↔ legit). In training 80% of those sites are phishing; in the drifted
  phase 20% are. Nothing else changes (the share of phishing labels falls from 42% in the
  normal phase to 30%, which only the labels show).

This is simulated concept drift, and only the labels are simulated: every feature value is
a real row of the file, so the feature distributions of the drifted phase are those of the
data set itself. Data-drift tests compare feature distributions and so should stay quiet;
only the model's errors — the error rate and a concept-drift detector over the labeled
predictions — can see that ``P(label | features)`` moved. The story a teacher can tell:
attackers changed tactics, so a signal the model learned to trust now points the other way.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from driftlab.scenarios.base import Scenario, demo_project_toml

__all__ = ["FEATURES", "FLIP_FEATURE", "FLIP_VALUE", "TARGET", "load_phishing", "prepare"]

FEATURES: list[str] = [
    "empty_server_form_handler",
    "popup_window",
    "https",
    "request_from_other_domain",
    "anchor_from_other_domain",
    "is_popular",
    "long_url",
    "age_of_domain",
    "ip_in_url",
]
TARGET = "site_class"
SOURCE_TARGET = "is_phishing"
# The concept change of the drifted phase: labels are inverted where FLIP_FEATURE == FLIP_VALUE.
FLIP_FEATURE = "https"
FLIP_VALUE = 0.0


def load_phishing() -> pd.DataFrame:
    """The bundled phishing data (no download; see scenarios/data/README.md for attribution)."""
    path = resources.files("driftlab.scenarios").joinpath("data/phishing.csv")
    with path.open("rb") as f:
        return pd.read_csv(f)


def _project_toml(name: str) -> str:
    return demo_project_toml(
        name, title="phishing concept-drift", target=TARGET, positive_class="phishing",
        features=[(n, "numeric") for n in FEATURES],
    )  # fmt: skip


def _table(frame: pd.DataFrame, *, invert: bool = False) -> pd.DataFrame:
    phishing = frame[SOURCE_TARGET].to_numpy() == 1
    if invert:
        phishing = np.where(frame[FLIP_FEATURE].to_numpy() == FLIP_VALUE, ~phishing, phishing)
    out = frame[FEATURES].copy()
    out[TARGET] = np.where(phishing, "phishing", "legit")
    return out.reset_index(drop=True)


def prepare(workdir: Path, *, n_train: int = 400, n_normal: int = 400) -> Scenario:
    """Write ``train.csv`` and ``driftlab.toml`` into ``workdir``; return the traffic phases.

    Deterministic: rows are taken in file order and the drifted labels follow a fixed rule.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    raw = load_phishing()
    train = _table(raw.iloc[:n_train])
    normal = _table(raw.iloc[n_train : n_train + n_normal])
    later = raw.iloc[n_train + n_normal :]
    drifted = _table(later, invert=True)
    train.to_csv(workdir / "train.csv", index=False)
    project_file = workdir / "driftlab.toml"
    project_file.write_text(_project_toml("phishing"), encoding="utf-8")
    flipped = int((later[FLIP_FEATURE] == FLIP_VALUE).sum())
    return Scenario(
        name="phishing",
        project_file=project_file,
        target=TARGET,
        train=train,
        normal=normal,
        drifted=drifted,
        intro=(
            f"{len(train)} websites to train on, each described by nine 0/0.5/1 signals "
            f"(https, popup_window, …) and labeled phishing or legit. Normal traffic: the "
            f"next {len(normal)} sites of the same data. Then the concept changes: for sites "
            f"with {FLIP_FEATURE} = {FLIP_VALUE:g} ({flipped} of the last {len(drifted)}) the "
            "label is inverted, while every feature value stays real and unchanged — data "
            "drift cannot see it; the error rate and a concept-drift detector can."
        ),
        drift_title=f"Attackers change tactics: {FLIP_FEATURE} = {FLIP_VALUE:g} flips its meaning",
        span_both_phases=True,
    )
