"""What the label-free estimate loses when ``driftlab train`` calibrates on its holdout rows
instead of 5-fold out-of-fold outputs of every row (src/driftlab/train/fit.py,
HOLDOUT_OUTPUT_ROWS).

Three seeds of a 20-feature ``make_classification`` task, 50,000 training rows; 20,000-row
windows drawn from 100,000 unseen rows with a covariate shift made by selection (weights
exp(s·x) on one feature, s = 0, 0.5, 1, 1.5; P(y | x) unchanged). Per window, the absolute
error of the estimated accuracy, F1 and ROC AUC (``estimate_performance``, point estimate)
against the realized one, for both calibrations of the same trained model.

    python bench/holdout_calibration.py      # about a minute on a quiet machine
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import make_classification
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

from driftlab.calibration import Calibration, fit_calibration
from driftlab.config import project_from_dict
from driftlab.model_outputs import training_outputs
from driftlab.monitor.estimate import estimate_performance
from driftlab.train import train_model

res = []
for seed in (0, 1, 2):
    x, y = make_classification(
        n_samples=50_000 + 100_000,
        n_features=20,
        n_informative=10,
        n_redundant=4,
        flip_y=0.05,
        random_state=seed,
    )
    cols = [f"f{i:02d}" for i in range(20)]
    frame = pd.DataFrame(x, columns=cols).assign(label=np.where(y == 1, "yes", "no"))
    train, pool = frame.iloc[:50_000], frame.iloc[50_000:].reset_index(drop=True)
    project = project_from_dict(
        {
            "name": "c",
            "data": {
                "path": "x.csv",
                "target": "label",
                "task": "binary",
                "positive_class": "yes",
                "seed": seed,
            },
            "features": [{"name": c} for c in cols],
        },
        Path("/tmp"),
    )
    bundle = train_model(project, train)
    info = bundle.info
    assert info.extra["reference_outputs"]["method"] == "holdout"
    new_cal = info.extra["calibration"]
    oof = training_outputs(bundle.pipeline, train[cols], train["label"].astype(str), info)[
        "prediction"
    ].to_numpy()
    old_cal = fit_calibration(oof, (train["label"] == "yes").to_numpy())
    rng = np.random.default_rng(seed)
    for shift in (0.0, 0.5, 1.0, 1.5):
        for f in ("f00", "f05"):
            w = np.exp(shift * pool[f].to_numpy())
            w /= w.sum()
            idx = rng.choice(len(pool), 20_000, replace=False, p=w)
            win = pool.iloc[idx]
            b = bundle.predict(win[cols])
            window = pd.DataFrame({"prediction": b.predictions, "probability": b.probability})
            truth = win["label"].to_numpy()
            p_yes = np.array([p["yes"] for p in b.probabilities])
            real = {
                "accuracy": accuracy_score(truth, b.predictions),
                "roc_auc": roc_auc_score(truth == "yes", p_yes),
                "f1": f1_score(truth, b.predictions, pos_label="yes"),
            }
            for name, cal in (
                ("cv5_all_rows", old_cal),
                ("holdout_slice", Calibration.from_dict(new_cal)),
            ):
                est = estimate_performance(window, info, cal, simulations=0)
                for m in real:
                    res.append((seed, shift, f, name, m, est.metrics[m] - real[m]))
df = pd.DataFrame(res, columns=["seed", "shift", "feature", "calibration", "metric", "error"])
df["abs"] = df["error"].abs()
print(df.groupby(["calibration", "metric"])["abs"].agg(["mean", "max"]).round(4).to_string())
print(
    df[df["shift"] > 0]
    .groupby(["calibration", "metric"])["abs"]
    .agg(["mean", "max"])
    .round(4)
    .to_string()
)
