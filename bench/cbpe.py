"""Label-free performance estimation benchmark: driftlab vs NannyML CBPE on windows with a
known covariate shift, and on windows with concept drift where both are expected to fail.

    .venv/bin/python bench/cbpe.py prepare --out DIR                   # driftlab venv
    bench/.venvs/nannyml/bin/python bench/cbpe.py nannyml --dir DIR    # nannyml venv
    python3 bench/cbpe.py report --dir DIR                             # standard library only

``prepare`` builds seeded data sets, trains one model per data set with driftlab
(hist_gradient_boosting), scores a held-out reference split and every analysis window, runs
driftlab's estimates and computes the realized metrics with scikit-learn. Per data set it
writes into ``DIR/<dataset>/``:

- ``reference.csv``: the model's predictions on the held-out reference split (``y_true``,
  ``y_pred``, ``y_pred_proba`` = probability of the positive class, positive = 1); NannyML
  calibrates on this, since CBPE needs a labeled reference;
- ``reference_oof.csv``: out-of-fold predictions on the training rows, i.e. what driftlab
  calibrates on, so NannyML can also be fitted on driftlab's calibration data (``nannyml-oof``);
- ``windows/<name>.csv`` (``y_pred``, ``y_pred_proba``) and ``windows/<name>.y_true.csv``: the
  analysis windows, labels kept in a separate file that the estimators never read;
- ``driftlab_estimates.json``: driftlab's estimates, the realized metrics and timings.

``nannyml`` fits ``nannyml.CBPE`` on ``reference.csv`` (and, as a variant, on
``reference_oof.csv``), estimates each window as one chunk and writes
``nannyml_estimates.json``. ``report`` prints one JSON line per (dataset, window, tool, metric)
and Markdown tables of the mean absolute error per tool and metric and of seconds per tool.

Tools in the report: ``driftlab`` (as shipped: isotonic calibration of out-of-fold training
probabilities, fitted at training time), ``driftlab-ref`` (driftlab's estimator calibrated on the
reference split instead), ``nannyml`` (CBPE fitted on the reference split, as documented) and
``nannyml-oof`` (CBPE fitted on the out-of-fold training predictions). The two variants separate
the calibration data from the estimator.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only for annotations: ``report`` must run with the standard library alone
    import numpy as np
    import pandas as pd

    from driftlab.config import Project
    from driftlab.model import ModelBundle

# The machine is small and shared: one BLAS/OpenMP thread per process, set before numpy loads.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
# NannyML phones home by default; with no network that only adds time-outs to the timings.
os.environ.setdefault("NML_DISABLE_USAGE_LOGGING", "1")

# NannyML's metric names; driftlab's estimate uses the same keys.
METRICS = ("roc_auc", "accuracy", "f1", "precision", "recall")
DRIFTLAB_TOOLS = ("driftlab", "driftlab-ref")
NANNYML_TOOLS = ("nannyml", "nannyml-oof")
TOOLS = DRIFTLAB_TOOLS + NANNYML_TOOLS
DRIFTLAB_FILE = "driftlab_estimates.json"
NANNYML_FILE = "nannyml_estimates.json"
# Share of the Ames training sales held out as the labeled reference (as retrain.holdout_fraction
# in the Ames project): the model is trained on the rest.
REFERENCE_FRACTION = 0.3

# Synthetic problem: rows are drawn once from make_classification, then split into training,
# reference and a large pool that the analysis windows are sampled from.
SYNTH_ROWS = 100_000
SYNTH_TRAIN = 6_000
SYNTH_REFERENCE = 3_000
SYNTH_WINDOW = 3_000
SYNTH_FEATURES = [f"x{i}" for i in range(12)]


# --------------------------------------------------------------------------------------------
# prepare (driftlab venv)
# --------------------------------------------------------------------------------------------


@dataclass
class Dataset:
    """One trained model's worth of data: training rows, a labeled reference and windows.

    Every frame holds the project's features plus the target column (string labels)."""

    name: str
    kind: str  # "covariate" (P(y|x) unchanged) or "concept" (P(y|x) changed): the report groups
    description: str
    project: Project
    fit: pd.DataFrame
    reference: pd.DataFrame
    windows: dict[str, pd.DataFrame]
    window_notes: dict[str, str] = field(default_factory=dict)
    # The concept data set reuses the covariate data set's model (same training rows), so its
    # estimates differ only through the windows' labels.
    bundle: ModelBundle | None = None


def _ames(seed: int, workdir: Path) -> Dataset:
    from sklearn.model_selection import train_test_split

    from driftlab.config import load_project
    from driftlab.scenarios.ames import TARGET, prepare

    scenario = prepare(workdir / f"ames-{seed}", seed=seed)
    fit, reference = train_test_split(
        scenario.train,
        test_size=REFERENCE_FRACTION,
        random_state=seed,
        stratify=scenario.train[TARGET],
    )
    return Dataset(
        name=f"ames-s{seed}",
        kind="covariate",
        description=(
            f"driftlab.scenarios.ames.prepare(seed={seed}): train on 2006-2007 sales "
            f"({len(fit)} fit + {len(reference)} reference rows), windows = held-out 2006-2007 "
            "sales (normal) and 2008-2010 sales sampled towards small houses (drifted)"
        ),
        project=load_project(scenario.project_file),
        fit=fit.reset_index(drop=True),
        reference=reference.reset_index(drop=True),
        windows={"normal": scenario.normal, "drifted": scenario.drifted},
        window_notes={
            "normal": "same years as training, no drift",
            "drifted": "selection on Gr_Liv_Area (covariate shift) but also later years: the "
            "2008 housing market may have changed P(high | features) too",
        },
    )


def _synthetic(seed: int, workdir: Path) -> list[Dataset]:
    """The shifted and the concept-drift data sets, which share training rows and model."""
    import numpy as np
    import pandas as pd
    from sklearn.datasets import make_classification

    from driftlab.config import project_from_dict

    # shuffle=False keeps the column order (x0..x5 informative, x6..x7 redundant, the rest
    # noise) so the shifts below can name informative features. It also sorts the rows by
    # class, hence the explicit row permutation.
    x, y = make_classification(
        n_samples=SYNTH_ROWS,
        n_features=len(SYNTH_FEATURES),
        n_informative=6,
        n_redundant=2,
        n_clusters_per_class=2,
        flip_y=0.03,
        class_sep=0.8,
        shuffle=False,
        random_state=seed,
    )
    rng = np.random.default_rng(seed)
    order = rng.permutation(SYNTH_ROWS)
    frame = pd.DataFrame(x[order], columns=SYNTH_FEATURES)
    frame["y"] = np.where(y[order] == 1, "pos", "neg")
    fit = frame.iloc[:SYNTH_TRAIN].reset_index(drop=True)
    reference = frame.iloc[SYNTH_TRAIN : SYNTH_TRAIN + SYNTH_REFERENCE].reset_index(drop=True)
    pool = frame.iloc[SYNTH_TRAIN + SYNTH_REFERENCE :].reset_index(drop=True)
    z = (pool[SYNTH_FEATURES] - fit[SYNTH_FEATURES].mean()) / fit[SYNTH_FEATURES].std()
    used = np.zeros(len(pool), dtype=bool)

    def draw(weight: np.ndarray) -> pd.DataFrame:
        # Covariate shift by selection: rows are kept with probability ∝ weight(x), so the
        # window's P(y | x) is exactly the training one while P(x) moves. Windows are disjoint.
        w = np.where(used, 0.0, weight)
        idx = rng.choice(len(pool), size=SYNTH_WINDOW, replace=False, p=w / w.sum())
        used[idx] = True
        return pool.iloc[idx].reset_index(drop=True)

    ones = np.ones(len(pool))
    informative = z[[f"x{i}" for i in range(6)]].to_numpy()
    shifted = {
        "none": draw(ones),
        "x0_mild": draw(np.exp(1.0 * z["x0"].to_numpy())),
        "x0_strong": draw(np.exp(2.0 * z["x0"].to_numpy())),
        "x2_strong": draw(np.exp(2.0 * z["x2"].to_numpy())),
        # Towards the tails of all informative features: regions the model saw rarely, where
        # a score-only calibration fitted on typical rows is least likely to hold.
        "tails": draw(np.exp(1.0 * np.sqrt((informative**2).sum(axis=1)))),
    }
    notes = {
        "none": "random rows of the same distribution",
        "x0_mild": "selection weight exp(z_x0): mean of x0 +~0.8 sd",
        "x0_strong": "selection weight exp(2 z_x0): mean of x0 +~1.4 sd",
        "x2_strong": "selection weight exp(2 z_x2): mostly positives, AUC falls",
        "tails": "selection weight exp(|z| over x0..x5): away from the bulk",
    }

    def relabel(window: pd.DataFrame, share: float) -> pd.DataFrame:
        # Concept drift: where x1 is above its training mean, a `share` of the labels flip,
        # so P(y | x) changes while P(x) stays the training one.
        out = window.copy()
        region = ((out["x1"] - fit["x1"].mean()) > 0).to_numpy()
        flip = region & (rng.random(len(out)) < share)
        out.loc[flip, "y"] = np.where(out.loc[flip, "y"] == "pos", "neg", "pos")
        return out

    concept = {
        "flip_20pct": relabel(draw(ones), 0.2),
        "flip_50pct": relabel(draw(ones), 0.5),
    }
    concept_notes = {
        "flip_20pct": "no covariate shift; 20% of labels flipped where x1 > mean (~10% of rows)",
        "flip_50pct": "no covariate shift; 50% of labels flipped where x1 > mean (~25% of rows)",
    }
    project = project_from_dict(
        {
            "name": "cbpe-synthetic",
            "data": {"path": "train.csv", "target": "y", "positive_class": "pos"},
            "features": [{"name": n, "kind": "numeric"} for n in SYNTH_FEATURES],
            "model": {
                "estimator": "hist_gradient_boosting",
                "params": {"max_iter": 200, "learning_rate": 0.08},
            },
        },
        root=workdir,
    )
    common = (
        f"make_classification(n_samples={SYNTH_ROWS}, n_features=12, n_informative=6, "
        f"n_redundant=2, n_clusters_per_class=2, flip_y=0.03, class_sep=0.8, random_state="
        f"{seed}); {SYNTH_TRAIN} fit + {SYNTH_REFERENCE} reference rows, windows of "
        f"{SYNTH_WINDOW} disjoint rows"
    )
    return [
        Dataset(
            "synthetic-shift",
            "covariate",
            common + "; covariate shift by selection",
            project,
            fit,
            reference,
            shifted,
            notes,
        ),
        Dataset(
            "synthetic-concept",
            "concept",
            common + "; concept drift (labels changed)",
            project,
            fit,
            reference,
            concept,
            concept_notes,
        ),
    ]


@contextlib.contextmanager
def _timer(into: dict[str, float], key: str) -> Iterator[None]:
    t0 = time.perf_counter()
    yield
    into[key] = into.get(key, 0.0) + time.perf_counter() - t0


def _score(bundle: ModelBundle, frame: pd.DataFrame) -> pd.DataFrame:
    """What driftlab logs per prediction (``prediction``, ``probability`` of that class) plus
    the NannyML columns (positive = 1) and the truth."""
    import numpy as np
    import pandas as pd

    info = bundle.info
    batch = bundle.predict(frame[[f.name for f in info.input_features]])
    pred = np.asarray(batch.predictions, dtype=object)
    prob = np.asarray(batch.probability, dtype=float)
    is_pos = pred == info.positive_class
    return pd.DataFrame(
        {
            "prediction": pred,
            "probability": prob,
            "y_pred": is_pos.astype(int),
            "y_pred_proba": np.where(is_pos, prob, 1.0 - prob),
            "y_true": (frame[info.target].astype(str) == info.positive_class).astype(int),
        }
    )


def realized_metrics(y_true: np.ndarray, y_pred: np.ndarray, proba: np.ndarray) -> dict[str, float]:
    """The metrics the estimates are judged against, on the window's real labels."""
    from sklearn import metrics as skm

    out = {
        "accuracy": skm.accuracy_score(y_true, y_pred),
        "precision": skm.precision_score(y_true, y_pred, zero_division=0),
        "recall": skm.recall_score(y_true, y_pred, zero_division=0),
        "f1": skm.f1_score(y_true, y_pred, zero_division=0),
    }
    if len(set(y_true.tolist())) > 1:  # AUC is undefined on a single class
        out["roc_auc"] = skm.roc_auc_score(y_true, proba)
    return {k: float(v) for k, v in out.items()}


def _estimate(
    scored: pd.DataFrame, info: Any, calibration: Any, seconds: dict[str, float]
) -> dict[str, Any]:
    from driftlab.monitor.estimate import estimate_performance

    window = scored[["prediction", "probability"]]
    # Timed twice: as shipped (200 Monte Carlo label draws for the bands) and the point
    # estimate alone (simulations=0), which is what NannyML's estimate is comparable to.
    with _timer(seconds, "estimate"):
        est = estimate_performance(window, info, calibration)
    with _timer(seconds, "estimate_point_only"):
        estimate_performance(window, info, calibration, simulations=0)
    assert est is not None, "binary task with a calibration: an estimate is expected"
    return {
        m: {"estimated": est.metrics.get(m), "band": est.bands.get(m), "band_kind": "95% MC"}
        for m in METRICS
    }


def _run_dataset(ds: Dataset, out: Path) -> ModelBundle:
    import numpy as np
    import pandas as pd
    from threadpoolctl import threadpool_limits

    from driftlab.calibration import Calibration, fit_calibration
    from driftlab.model_outputs import training_outputs
    from driftlab.monitor.reference import prepare_reference
    from driftlab.schema import coerce_frame
    from driftlab.train import train_model

    t0 = time.perf_counter()
    bundle = ds.bundle or train_model(ds.project, ds.fit, prepare=prepare_reference)
    seconds_train = time.perf_counter() - t0
    info = bundle.info
    shipped = Calibration.from_dict(info.extra["calibration"])

    # driftlab's calibration data: out-of-fold probabilities on the training rows. train_model
    # computes them but does not return them; the same call (same folds, same seed) gives them
    # back for NannyML's variant and to time the calibration fit alone.
    x = coerce_frame(ds.fit, ds.project.features)[[f.name for f in info.input_features]]
    y = ds.fit[info.target].astype(str)
    with threadpool_limits(limits=ds.project.model.threads):
        oof = training_outputs(bundle.pipeline, x, y, info)["prediction"].to_numpy()
    oof_true = (y == info.positive_class).to_numpy()
    timings: dict[str, dict[str, float]] = {"driftlab": {}, "driftlab-ref": {}}
    with _timer(timings["driftlab"], "calibrate"):
        refit = fit_calibration(oof, oof_true)
    # A check that this really is the calibration train_model stored.
    same = np.allclose(refit.x, shipped.x) and np.allclose(refit.y, shipped.y)
    reference = _score(bundle, ds.reference)
    with _timer(timings["driftlab-ref"], "calibrate"):
        on_reference = fit_calibration(
            reference["y_pred_proba"].to_numpy(), reference["y_true"].to_numpy() == 1
        )

    folder = out / ds.name
    (folder / "windows").mkdir(parents=True, exist_ok=True)
    reference[["y_true", "y_pred", "y_pred_proba"]].to_csv(folder / "reference.csv", index=False)
    positive_col = info.classes.index(info.positive_class)
    oof_pred = (oof >= 0.5) if positive_col == 0 else (oof > 0.5)  # argmax, ties as predict()
    oof_frame = {
        "y_true": oof_true.astype(int),
        "y_pred": oof_pred.astype(int),
        "y_pred_proba": oof,
    }
    pd.DataFrame(oof_frame).to_csv(folder / "reference_oof.csv", index=False)

    windows: dict[str, Any] = {}
    for name, frame in ds.windows.items():
        scored = _score(bundle, frame)
        scored[["y_pred", "y_pred_proba"]].to_csv(folder / "windows" / f"{name}.csv", index=False)
        scored[["y_true"]].to_csv(folder / "windows" / f"{name}.y_true.csv", index=False)
        windows[name] = {
            "rows": len(scored),
            "note": ds.window_notes.get(name, ""),
            "positive_share": float(scored["y_true"].mean()),
            # The share of positives each calibration implies, next to the real one above: a
            # check of the calibration on this window that involves no classification metric.
            "calibrated_positive_share": {
                tool: float(cal(scored["y_pred_proba"].to_numpy()).mean())
                for tool, cal in (("driftlab", shipped), ("driftlab-ref", on_reference))
            },
            "realized": realized_metrics(
                scored["y_true"].to_numpy(),
                scored["y_pred"].to_numpy(),
                scored["y_pred_proba"].to_numpy(),
            ),
            "estimates": {
                "driftlab": _estimate(scored, info, shipped, timings["driftlab"]),
                "driftlab-ref": _estimate(scored, info, on_reference, timings["driftlab-ref"]),
            },
        }
    record = {
        "dataset": ds.name,
        "kind": ds.kind,
        "description": ds.description,
        "positive_class": info.positive_class,
        "rows": {"fit": len(ds.fit), "reference": len(ds.reference)},
        "model": {
            "estimator": info.estimator,
            "params": info.params,
            "holdout_metrics": info.metrics,
        },
        "reference_realized": realized_metrics(
            reference["y_true"].to_numpy(),
            reference["y_pred"].to_numpy(),
            reference["y_pred_proba"].to_numpy(),
        ),
        "calibration": {"driftlab": shipped.to_dict(), "driftlab-ref": on_reference.to_dict()},
        "oof_calibration_matches_training": bool(same),
        "seconds_train_model": round(seconds_train, 3) if ds.bundle is None else None,
        "seconds": {t: {k: round(v, 4) for k, v in s.items()} for t, s in timings.items()},
        "windows": windows,
        "versions": _versions("driftlab", "scikit-learn", "numpy", "pandas"),
        **_machine(),
    }
    (folder / DRIFTLAB_FILE).write_text(json.dumps(record, indent=1), encoding="utf-8")
    print(f"prepare: {ds.name}: {len(windows)} windows -> {folder}", file=sys.stderr)
    return bundle


def prepare(out: Path, ames_seeds: list[int], synth_seed: int) -> None:
    import tempfile

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cbpe-") as tmp:
        # One data set at a time, so only one model and its windows are alive at once.
        for seed in ames_seeds:
            _run_dataset(_ames(seed, Path(tmp)), out)
        shift, concept = _synthetic(synth_seed, Path(tmp))
        concept.bundle = _run_dataset(shift, out)
        _run_dataset(concept, out)


# --------------------------------------------------------------------------------------------
# nannyml (nannyml venv)
# --------------------------------------------------------------------------------------------


def run_nannyml(folder: Path) -> None:
    import warnings

    import nannyml
    import pandas as pd

    # One chunk per table is the point here (a window is estimated as a whole); NannyML warns
    # about it on every call, which would bury everything else on stderr.
    warnings.filterwarnings("ignore", message="The resulting number of chunks is too low")
    meta = json.loads((folder / DRIFTLAB_FILE).read_text(encoding="utf-8"))
    record: dict[str, Any] = {
        "dataset": meta["dataset"],
        "settings": "CBPE(problem_type='classification_binary', metrics="
        + repr(list(METRICS))
        + ", chunk_number=1) defaults: calibration='isotonic' when needs_calibration()",
        "needs_calibration": {},
        "seconds": {},
        "windows": {name: {"estimates": {}} for name in meta["windows"]},
        "versions": _versions("nannyml", "scikit-learn", "numpy", "pandas"),
        **_machine(),
    }
    for tool, reference_file in (
        ("nannyml", "reference.csv"),
        ("nannyml-oof", "reference_oof.csv"),
    ):
        reference = pd.read_csv(folder / reference_file)
        seconds: dict[str, float] = {}
        estimator = nannyml.CBPE(
            problem_type="classification_binary",
            y_pred_proba="y_pred_proba",
            y_pred="y_pred",
            y_true="y_true",
            metrics=list(METRICS),
            # One chunk: each analysis window is estimated as a whole, as driftlab does. The
            # reference is then one chunk too, which leaves NannyML's alert thresholds (spread
            # over reference chunks) undefined; they are not used here.
            chunk_number=1,
        )
        with _timer(seconds, "fit"):
            estimator.fit(reference)
        record["needs_calibration"][tool] = bool(estimator.needs_calibration)
        for name in meta["windows"]:
            # Only the model's outputs: the labels of the window are in another file.
            window = pd.read_csv(folder / "windows" / f"{name}.csv")
            with _timer(seconds, "estimate"):
                result = estimator.estimate(window)
            row = result.filter(period="analysis").to_df().iloc[-1]
            record["windows"][name]["estimates"][tool] = {
                m: {
                    "estimated": _float(row[(m, "value")]),
                    "band": [
                        _float(row[(m, "lower_confidence_boundary")]),
                        _float(row[(m, "upper_confidence_boundary")]),
                    ],
                    "band_kind": "±3 sampling errors",
                }
                for m in METRICS
            }
        record["seconds"][tool] = {k: round(v, 4) for k, v in seconds.items()}
    (folder / NANNYML_FILE).write_text(json.dumps(record, indent=1), encoding="utf-8")
    print(f"nannyml: {meta['dataset']} -> {folder / NANNYML_FILE}", file=sys.stderr)


def _float(v: Any) -> float | None:
    v = float(v)
    return None if v != v else v  # NaN -> null in JSON


# --------------------------------------------------------------------------------------------
# report (standard library only)
# --------------------------------------------------------------------------------------------

# Report groups: the covariate-shift data sets are where the estimate should work; concept
# drift is where it cannot, so it is never averaged with the rest. Ames' drifted windows are
# shown apart from its normal ones because they are not a pure covariate shift (later years).
GROUPS: tuple[tuple[str, Callable[[dict], bool]], ...] = (
    ("Ames, normal windows", lambda r: r["dataset"].startswith("ames") and r["window"] == "normal"),
    (
        "Ames, drifted windows",
        lambda r: r["dataset"].startswith("ames") and r["window"] != "normal",
    ),
    ("synthetic covariate shift", lambda r: r["dataset"] == "synthetic-shift"),
    ("all covariate-shift windows (Ames + synthetic)", lambda r: r["kind"] == "covariate"),
    ("synthetic concept drift (expected to fail)", lambda r: r["kind"] == "concept"),
)
# Pairs of tools that see the same calibration data (out-of-fold training probabilities, or
# the reference split): their estimates differ only through the estimator's arithmetic.
SAME_CALIBRATION = (("driftlab", "nannyml-oof"), ("driftlab-ref", "nannyml"))


def _rows(root: Path) -> tuple[list[dict], dict[str, dict[str, float]], list[str], list[str]]:
    rows: list[dict] = []
    seconds: dict[str, dict[str, float]] = {t: {} for t in TOOLS}
    missing: list[str] = []
    # NannyML calibrates only when its own cross-validated check says it helps; where it did
    # not, its estimates use the raw probabilities, which explains most gaps to driftlab-ref.
    uncalibrated: list[str] = []
    for folder in sorted(p for p in root.iterdir() if (p / DRIFTLAB_FILE).is_file()):
        dl = json.loads((folder / DRIFTLAB_FILE).read_text(encoding="utf-8"))
        nml_file = folder / NANNYML_FILE
        nml = json.loads(nml_file.read_text(encoding="utf-8")) if nml_file.is_file() else None
        if nml is None:
            missing.append(folder.name)
        for tool, needed in (nml or {}).get("needs_calibration", {}).items():
            if not needed:
                uncalibrated.append(f"{folder.name} ({tool})")
        for tool, s in dl["seconds"].items():
            for k, v in s.items():
                seconds[tool][k] = seconds[tool].get(k, 0.0) + v
        for tool, s in (nml or {}).get("seconds", {}).items():
            for k, v in s.items():
                seconds[tool][k] = seconds[tool].get(k, 0.0) + v
        for name, window in dl["windows"].items():
            estimates = dict(window["estimates"])
            if nml is not None:
                estimates |= nml["windows"][name]["estimates"]
            for tool in TOOLS:
                for metric in METRICS:
                    est = estimates.get(tool, {}).get(metric, {})
                    value, realized = est.get("estimated"), window["realized"].get(metric)
                    band = est.get("band")
                    ok = value is not None and realized is not None
                    rows.append({
                        "dataset": dl["dataset"], "kind": dl["kind"], "window": name,
                        "rows": window["rows"], "tool": tool, "metric": metric,
                        "estimated": _round(value), "realized": _round(realized),
                        "abs_error": _round(abs(value - realized)) if ok else None,
                        "band": [_round(b) for b in band] if band and None not in band else None,
                        "inside_band": (band[0] <= realized <= band[1])
                        if ok and band and None not in band else None,
                    })  # fmt: skip
    return rows, seconds, missing, uncalibrated


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 4)


def _mae_table(rows: list[dict], title: str) -> list[str]:
    windows = len({(r["dataset"], r["window"]) for r in rows})
    lines = [f"**{title}** ({windows} windows) — mean absolute error", ""]
    lines.append("| tool | " + " | ".join(METRICS) + " | mean | realized in band |")
    lines.append("|---" * (len(METRICS) + 3) + "|")
    for tool in TOOLS:
        mine = [r for r in rows if r["tool"] == tool and r["abs_error"] is not None]
        if not mine:
            continue
        cells = []
        for metric in METRICS:
            errs = [r["abs_error"] for r in mine if r["metric"] == metric]
            cells.append(f"{statistics.fmean(errs):.3f}" if errs else "–")
        inside = [r["inside_band"] for r in mine if r["inside_band"] is not None]
        overall = statistics.fmean(r["abs_error"] for r in mine)
        lines.append(
            f"| {tool} | " + " | ".join(cells) + f" | {overall:.3f} | {sum(inside)}/{len(inside)} |"
        )
    return [*lines, ""]


def report(root: Path) -> None:
    rows, seconds, missing, uncalibrated = _rows(root)
    for row in rows:
        print(json.dumps(row))
    if missing:
        print(f"\nno {NANNYML_FILE} (run the nannyml role) in: {', '.join(missing)}")
    print()
    for title, keep in GROUPS:
        chosen = [r for r in rows if keep(r)]
        if chosen:
            print("\n".join(_mae_table(chosen, title)))
    ests = {(r["dataset"], r["window"], r["metric"], r["tool"]): r["estimated"] for r in rows}
    for a, b in SAME_CALIBRATION:
        pairs = [(v, ests.get((*k[:3], b))) for k, v in ests.items() if k[3] == a]
        diffs = [abs(x - y) for x, y in pairs if x is not None and y is not None]
        if diffs:
            print(f"Same calibration data, {a} vs {b}: largest |difference| of the estimates "
                  f"{max(diffs):.2g} over {len(diffs)} values\n")  # fmt: skip
    if uncalibrated:
        print(f"NannyML skipped calibration (needs_calibration() was False) in: "
              f"{', '.join(uncalibrated)}\n")  # fmt: skip
    windows = {(r["dataset"], r["window"]) for r in rows}
    print(f"**Seconds per tool**, summed over {len(windows)} windows (imports, CSV I/O and "
          "model training excluded)\n")  # fmt: skip
    print("| tool | calibrate / fit | estimate all windows | total |")
    print("|---|---:|---:|---:|")
    for tool in TOOLS:
        s = seconds.get(tool) or {}
        if not s:
            continue
        fit = s.get("calibrate", s.get("fit", 0.0))
        est = s.get("estimate", 0.0)
        print(f"| {tool} | {fit:.3f} | {est:.3f} | {fit + est:.3f} |")
        if "estimate_point_only" in s:
            point = s["estimate_point_only"]
            print(f"| {tool} (simulations=0, no bands) | {fit:.3f} | {point:.3f} | "
                  f"{fit + point:.3f} |")  # fmt: skip


# --------------------------------------------------------------------------------------------


def _versions(*dists: str) -> dict[str, str | None]:
    from importlib.metadata import PackageNotFoundError, version

    found: dict[str, str | None] = {}
    for dist in dists:
        try:
            found[dist] = version(dist)
        except PackageNotFoundError:
            found[dist] = None
    return found


def _machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "loadavg_1m": round(os.getloadavg()[0], 2),  # a shared machine: explains slow runs
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    sub = parser.add_subparsers(dest="role", required=True)
    p = sub.add_parser("prepare", help="data sets, driftlab estimates, realized metrics")
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--ames-seeds", type=int, nargs="+", default=[7, 8, 9, 10, 11],
                   help="driftlab.scenarios.ames.prepare seeds, one data set each")  # fmt: skip
    p.add_argument("--synthetic-seed", type=int, default=3)
    n = sub.add_parser("nannyml", help="NannyML CBPE estimates for every data set in DIR")
    n.add_argument("--dir", required=True, type=Path)
    r = sub.add_parser("report", help="JSON lines and Markdown tables (standard library only)")
    r.add_argument("--dir", required=True, type=Path)
    args = parser.parse_args(argv)

    if args.role == "prepare":
        prepare(args.out, args.ames_seeds, args.synthetic_seed)
    elif args.role == "nannyml":
        folders = sorted(p for p in args.dir.iterdir() if (p / DRIFTLAB_FILE).is_file())
        if not folders:
            parser.error(f"no {DRIFTLAB_FILE} under {args.dir}; run the prepare role first")
        # NannyML logs and prints progress; keep stdout clean.
        with contextlib.redirect_stdout(sys.stderr):
            for folder in folders:
                run_nannyml(folder)
    else:
        report(args.dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
