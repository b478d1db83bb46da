"""The credit scenario: a shift that widens a fairness gap, then a retrained model that leans
on a prohibited feature.

Data: the UCI "Statlog (German Credit Data)" table (1,000 applicants; see
scenarios/data/README.md). Target ``credit_risk``: "good" (the favorable decision: credit
granted) or "bad". Protected attributes, sent with each request as metadata and never fed to
the model: ``sex`` and ``age`` (bands under 25 / 25 and over). The model is a logistic
regression, as credit scorecards usually are.

One column is **simulated**: ``zip_code``, one of five postal codes drawn at random for each
applicant (seeded). It is a model input declared ``prohibited`` (lending by area is
redlining): in the real data it carries no signal, so the first model barely uses it.

* train: 500 random applicants (seeded);
* normal: 200 others, as they are;
* shifted: from the remaining 300, every male applicant but only the female applicants
  with a checking balance below 200 DM — a new channel that brings women in a weaker
  financial position. Every row is real; the model's selection rate for women falls
  and the gap between the sexes widens beyond the limit (a fairness alert).
  In this phase the reviewers whose decisions become the labels turn down every applicant
  from ``zip_code`` 50667 (simulated biased labels).
* after retraining: the challenger learns that bias from the labeled production rows, is
  promoted (it fits the newest labels better), and the same shifted applicants keep coming.
  Its decisions now change when ``zip_code`` is shuffled: a compliance alert.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from driftlab.scenarios.base import Scenario

__all__ = ["BIASED_ZIP", "FEATURES", "TARGET", "ZIP_CODES", "load_credit", "prepare"]

TARGET = "credit_risk"
# (name, kind, role) of every spec column; inputs unless stated.
FEATURES: list[tuple[str, str, str]] = [
    ("checking_status", "categorical", "input"),
    ("duration_months", "numeric", "input"),
    ("credit_history", "categorical", "input"),
    ("purpose", "categorical", "input"),
    ("credit_amount", "numeric", "input"),
    ("savings", "categorical", "input"),
    ("employment_since", "categorical", "input"),
    ("installment_rate", "numeric", "input"),
    ("other_debtors", "categorical", "input"),
    ("property", "categorical", "input"),
    ("other_installment_plans", "categorical", "input"),
    ("housing", "categorical", "input"),
    ("existing_credits", "numeric", "input"),
    ("job", "categorical", "input"),
    ("zip_code", "categorical", "prohibited"),
    ("sex", "categorical", "protected"),
    ("age", "numeric", "protected"),
]
ZIP_CODES = ["10115", "20095", "50667", "60311", "80331"]
BIASED_ZIP = "50667"
AGE_BANDS = [25]
_SEED = 7


def load_credit() -> pd.DataFrame:
    """The bundled German credit data (no download; see scenarios/data/README.md)."""
    path = resources.files("driftlab.scenarios").joinpath("data/german_credit.csv")
    with path.open("rb") as f:
        return pd.read_csv(f)


def _project_toml() -> str:
    feats = []
    for name, kind, role in FEATURES:
        extra = f"\nbands = {AGE_BANDS}" if name == "age" else ""
        feats.append(f'[[features]]\nname = "{name}"\nkind = "{kind}"\nrole = "{role}"{extra}\n')
    body = "\n".join(feats)
    return f"""# driftlab project for the credit fairness demo (written by 'driftlab demo').
name = "credit"

[data]
path = "train.csv"
target = "{TARGET}"
task = "binary"
positive_class = "good"

[model]
estimator = "logistic_regression"
params = {{ C = 0.3 }}

[store]
url = "sqlite:///driftlab.db"

[mlflow]
tracking_uri = "sqlite:///mlflow.db"
artifact_location = "mlartifacts"

[monitor]
min_rows = 100
min_labels = 30

[retrain]
metric = "log_loss"
min_improvement = 0.0
holdout_fraction = 0.3
min_labels = 100

[fairness]
favorable_class = "good"
# A few hundred applicants per window: judge groups from 20 rows (labeled positives for TPR).
min_group_size = 20
max_selection_gap = 0.15
min_selection_ratio = 0.8
max_tpr_gap = 0.15
max_odds_gap = 0.2
# Also judge sex and age together (groups like "female & <25"; small ones get no verdict).
intersections = [["sex", "age"]]

[compliance]
max_reliance = 0.05
max_proxy_auc = 0.8

[serve]
reload_interval_s = 1.0

[[alerts.channels]]
type = "console"

{body}"""


def _table(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[[n for n, _, _ in FEATURES] + [TARGET]].reset_index(drop=True)


def prepare(workdir: Path) -> Scenario:
    """Write ``train.csv`` and ``driftlab.toml`` into ``workdir``; return the traffic phases.

    Deterministic: a seeded shuffle and zip-code draw, and fixed selection rules.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(_SEED)
    raw = load_credit()
    raw = raw.iloc[rng.permutation(len(raw))].reset_index(drop=True)
    raw["zip_code"] = rng.choice(ZIP_CODES, size=len(raw))
    train, normal, pool = raw.iloc[:500], raw.iloc[500:700], raw.iloc[700:]
    weak = pool["checking_status"].isin(["<0 DM", "0-200 DM"])
    shifted = pool[(pool["sex"] == "male") | weak].copy()
    shifted.loc[shifted["zip_code"] == BIASED_ZIP, TARGET] = "bad"
    _table(train).to_csv(workdir / "train.csv", index=False)
    project_file = workdir / "driftlab.toml"
    project_file.write_text(_project_toml(), encoding="utf-8")
    women = int((shifted["sex"] == "female").sum())
    return Scenario(
        name="credit",
        project_file=project_file,
        target=TARGET,
        train=_table(train),
        normal=_table(normal),
        drifted=_table(shifted),
        intro=(
            f"{len(train)} credit applicants to train a logistic-regression scorecard (good or "
            "bad risk). sex and age are protected attributes, sent with each request but "
            "never fed to the model; zip_code (simulated) is a prohibited input. Normal "
            f"traffic: {len(normal)} other applicants. Then a new channel brings {women} women "
            "in a weaker financial position, and reviewers start turning down applicants "
            f"from zip code {BIASED_ZIP}."
        ),
        drift_title="A new channel: the gap between women and men widens",
        after_retrain=_table(shifted),
        after_title=(
            f"The retrained model learned the reviewers' bias against zip code {BIASED_ZIP}"
        ),
    )
