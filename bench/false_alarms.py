"""False alarms and power of a whole monitoring run (every check together, default settings).

    .venv/bin/python bench/false_alarms.py                     # the full run (about an hour)
    .venv/bin/python bench/false_alarms.py --quick             # a few windows per size
    .venv/bin/python bench/false_alarms.py --datasets heavy --procs 1
    .venv/bin/python bench/false_alarms.py --profiles-only 200   # per-feature drift only

For each data set a model is trained on a reference split (``train_model`` with the monitoring
reference, as ``driftlab train`` does), then held-out windows drawn from the *same*
distribution are logged as predictions (with labels on up to 1,000 rows, as late feedback
would give) and run through ``monitor_window``. A window "alarms" when the run has any finding
(status ``drift``: what raises alerts and exit code 1). Each check's false-alarm rate is read
off the result, to compare with its stated level. Then known drifts are injected into clean
windows of the synthetic mixed table at every size (power).

Data sets: the four shipped tables (1,000 to 2,930 rows each) and synthetic heavy-tailed,
skewed/discrete and mixed tables. The shipped tables are too small for windows beyond their
held-out half: resampling them would repeat rows, which tests the resampling rather than the
monitor. So each shipped window is a fresh random half of the table held out from a model
trained on the other half (a new split, and a new model, every ``--per-split`` windows).

One JSON line per window goes to ``bench/results/false-alarms-<date>.jsonl``; a Markdown
summary is printed (and pasted into RESULTS.md by hand).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import sys
import time
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from driftlab.config import project_from_dict  # noqa: E402
from driftlab.model import ModelBundle  # noqa: E402
from driftlab.monitor import monitor_window  # noqa: E402
from driftlab.monitor.dataset import dataset_drift  # noqa: E402
from driftlab.monitor.drift import DriftPolicy  # noqa: E402
from driftlab.monitor.findings import findings_of  # noqa: E402
from driftlab.monitor.reference import prepare_reference  # noqa: E402
from driftlab.monitor.settings import MonitorSettings  # noqa: E402
from driftlab.profile import build_profile  # noqa: E402
from driftlab.scenarios.base import demo_project_toml  # noqa: E402
from driftlab.train import train_model  # noqa: E402

DATA = ROOT / "src" / "driftlab" / "scenarios" / "data"
SHARED = Path("/work/shared/data")
TARGET = "y"
SIZES = (500, 2_000, 10_000, 100_000, 1_000_000)
# Windows per size for the synthetic tables: 200 in all, fewer at the largest sizes.
PER_SIZE = {500: 100, 2_000: 50, 10_000: 30, 100_000: 15, 1_000_000: 5}
LABELED = 1_000  # labeled rows per window (late feedback never covers a big window)
T0 = pd.Timestamp("2026-01-01", tz="UTC")


# --- data sets ---------------------------------------------------------------------------


def _heavy(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Heavy tails, like billing and payment amounts: lognormal, Pareto, Student t (1.5 df)."""
    z = rng.standard_normal((n, 3))
    bill = np.exp(8 + 1.5 * z[:, 0])
    pay = np.exp(6 + 1.5 * (0.8 * z[:, 0] + 0.6 * z[:, 1]))
    frame = pd.DataFrame({
        "bill": bill, "pay": pay, "limit": np.round(np.exp(9 + 0.8 * z[:, 0]), -3),
        "pareto": rng.pareto(1.2, n), "t15": rng.standard_t(1.5, n), "z": z[:, 2],
    })  # fmt: skip
    logit = 0.8 * z[:, 1] - 0.5 * z[:, 2] + 0.3 * np.sign(frame["t15"])
    frame[TARGET] = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    return frame


def _discrete(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Skewed counts, zero-inflation, integers with many ties, 0/0.5/1 codes, flags."""
    visits = rng.poisson(1.5, n).astype(float)
    frame = pd.DataFrame({
        "visits": visits,
        "claims": np.where(rng.random(n) < 0.7, 0.0, rng.geometric(0.3, n)),
        "age": np.clip(np.round(rng.gamma(4, 9, n)) + 18, 18, 99),
        "code": rng.choice([0.0, 0.5, 1.0], n, p=[0.6, 0.3, 0.1]),
        "flag": (rng.random(n) < 0.05).astype(float),
        "skew": rng.exponential(1.0, n) ** 2,
    })  # fmt: skip
    logit = 0.5 * visits - 0.02 * frame["age"] + frame["code"] - 0.5
    frame[TARGET] = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    return frame


_LEVELS = [f"L{i:02d}" for i in range(40)]
_ZIPF = 1 / np.arange(1, 41) ** 1.3


def _mixed(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Numeric and categorical together, rare levels, 5 % missing values."""
    z = rng.standard_normal((n, 2))
    frame = pd.DataFrame({
        "amount": np.exp(3 + z[:, 0]),
        "score": 0.7 * z[:, 0] + 0.7 * z[:, 1],
        "count": rng.poisson(3, n).astype(float),
        "plan": rng.choice(["basic", "plus", "pro"], n, p=[0.7, 0.25, 0.05]).astype(object),
        "region": rng.choice(_LEVELS, n, p=_ZIPF / _ZIPF.sum()).astype(object),
        "channel": rng.choice(["web", "app", "phone", "branch"], n, p=[0.5, 0.3, 0.15, 0.05])
        .astype(object),
    })  # fmt: skip
    for col in ("amount", "region"):
        frame.loc[rng.random(n) < 0.05, col] = None
    logit = z[:, 1] + (frame["plan"] == "pro") - 0.3 * frame["count"] + 0.5
    frame[TARGET] = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    return frame


SYNTHETIC = {"heavy": _heavy, "discrete": _discrete, "mixed": _mixed}


def _shipped(name: str) -> pd.DataFrame:
    path = DATA / f"{name}.csv"
    raw = pd.read_csv(path if path.exists() else SHARED / f"{name}.csv")
    if name == "german_credit":
        raw[TARGET] = np.where(raw.pop("credit_risk") == "good", "yes", "no")
    elif name == "phishing":
        raw[TARGET] = np.where(raw.pop("is_phishing").astype(bool), "yes", "no")
    elif name == "ames_housing":
        price = raw.pop("Sale_Price")
        raw[TARGET] = np.where(price > price.median(), "yes", "no")
    elif name == "seattle_weather":
        raw = raw.drop(columns=["date"])
        raw[TARGET] = np.where(raw.pop("weather") == "rain", "yes", "no")
    return raw


SHIPPED = ("german_credit", "ames_housing", "phishing", "seattle_weather")


def _project(frame: pd.DataFrame, name: str) -> Any:
    features = [
        (c, "numeric" if pd.api.types.is_numeric_dtype(frame[c]) else "categorical")
        for c in frame.columns
        if c != TARGET
    ]
    text = demo_project_toml(
        name, title=name, target=TARGET, positive_class="yes", features=features
    ).replace("max_iter = 200", "max_iter = 60")
    return project_from_dict(tomllib.loads(text), ROOT, name)


def _train(frame: pd.DataFrame, name: str) -> tuple[Any, ModelBundle]:
    project = _project(frame, name)
    return project, train_model(project, frame.reset_index(drop=True), prepare=prepare_reference)


# --- one window --------------------------------------------------------------------------


def _logged(bundle: ModelBundle, window: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    n = len(window)
    rows = window.drop(columns=[TARGET]).reset_index(drop=True)
    proba = bundle.predict_proba(bundle.model_frame(rows))
    classes = bundle.info.classes
    best = proba.argmax(axis=1)
    labels = pd.Series(window[TARGET].to_numpy(dtype=object), dtype=object)
    labels[rng.permutation(n)[: max(n - LABELED, 0)]] = None
    ts = T0 + pd.to_timedelta(np.arange(n), unit="s")
    base = pd.DataFrame({
        "request_id": [f"r{i}" for i in range(n)], "ts": ts, "model_version": bundle.version,
        "prediction": np.asarray(classes, dtype=object)[best],
        "probability": proba[np.arange(n), best], "latency_ms": 2.0, "label": labels,
        "label_ts": ts + pd.Timedelta(hours=1),
    })  # fmt: skip
    return pd.concat([base, rows], axis=1)


def _checks(result: Any) -> dict[str, bool]:
    """Each check's own verdict on the window, whether or not it became a finding."""
    fired = {
        "data_drift": bool(result.drifted_features),
        "significant_below_effect": any(f.significant_below_effect for f in result.features),
        "prediction_drift": bool(result.prediction_drift and result.prediction_drift.drifted),
        "performance": bool(result.performance and result.performance.status == "degraded"),
        "concept_drift": bool(result.concept and result.concept.worsened),
        "data_quality": any(
            e.share >= result.data_quality.min_share for e in result.data_quality.extreme
        )
        if result.data_quality
        else False,
        "check_failed": bool(result.check_errors),
    }
    for m in result.multivariate:
        fired[m.method] = m.drifted
    return fired


def run_window(
    bundle: ModelBundle, settings: MonitorSettings, window: pd.DataFrame, seed: int
) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    result = monitor_window(_logged(bundle, window, rng), bundle, settings)
    findings = findings_of(result)
    return {
        "rows": len(window),
        "alarm": bool(findings),
        "kinds": sorted({f.kind.value for f in findings}),
        "checks": _checks(result),
        "messages": [f.message for f in findings][:3],
        "small": [f.feature for f in result.features if f.significant_below_effect],
        "seconds": round(time.perf_counter() - start, 2),
    }


# --- drivers -----------------------------------------------------------------------------


def null_synthetic(name: str, per_size: dict[int, int], seed: int) -> list[dict[str, Any]]:
    gen = SYNTHETIC[name]
    rng = np.random.default_rng(seed)
    project, bundle = _train(gen(rng, 20_000), f"fa-{name}")
    settings = MonitorSettings.of(project)
    out = []
    for size, count in per_size.items():
        for i in range(count):
            row = run_window(bundle, settings, gen(rng, size), seed * 1_000_003 + size + i)
            out.append({"dataset": name, "test": "null", **row})
    return out


def null_shipped(name: str, windows: int, per_split: int, seed: int) -> list[dict[str, Any]]:
    data = _shipped(name)
    rng = np.random.default_rng(seed)
    out: list[dict[str, Any]] = []
    while len(out) < windows:
        order = rng.permutation(len(data))
        half = len(data) // 2
        train, held = data.iloc[order[:half]], data.iloc[order[half:]]
        project, bundle = _train(train, f"fa-{name.replace('_', '-')}")
        settings = MonitorSettings.of(project)
        size = min(500, len(held))
        for _ in range(min(per_split, windows - len(out))):
            window = held.sample(size, random_state=int(rng.integers(2**31)))
            row = run_window(bundle, settings, window, int(rng.integers(2**31)))
            out.append({"dataset": name, "test": "null", **row})
    return out


def _inject(kind: str, window: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    w = window.copy()
    n = len(w)
    if kind == "mean_0.5sd":
        w["score"] = w["score"] + 0.5 * 0.99  # score has sd 0.99
    elif kind == "spread_1.5x":
        w["score"] = w["score"].mean() + 1.5 * (w["score"] - w["score"].mean())
    elif kind == "category_mass_8pct":
        move = (w["plan"] == "basic").to_numpy() & (rng.random(n) < 0.08 / 0.7)
        w.loc[move, "plan"] = "plus"
    elif kind == "out_of_range_3pct":
        rows = rng.random(n) < 0.03
        w.loc[rows, "count"] = -50.0 - rng.random(int(rows.sum()))
    elif kind == "new_category_5pct":
        w.loc[rng.random(n) < 0.05, "channel"] = "partner"
    elif kind == "missing_jump_10pt":
        w.loc[rng.random(n) < 0.11, "count"] = None
    return w


DRIFTS = ("mean_0.5sd", "spread_1.5x", "category_mass_8pct", "out_of_range_3pct",
          "new_category_5pct", "missing_jump_10pt")  # fmt: skip


def power(sizes: tuple[int, ...], seed: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    project, bundle = _train(_mixed(rng, 20_000), "fa-mixed-power")
    settings = MonitorSettings.of(project)
    out = []
    for size in sizes:
        for kind in DRIFTS:
            window = _inject(kind, _mixed(rng, size), rng)
            row = run_window(bundle, settings, window, int(rng.integers(2**31)))
            out.append({"dataset": "mixed", "test": kind, **row})
    return out


def null_profiles(name: str, sizes: tuple[int, ...], windows: int, seed: int) -> list[dict]:
    """Per-feature drift only (profiles, no model): many more clean windows for the check
    that sees every feature, at a fraction of a whole run's cost."""
    rng = np.random.default_rng(seed)
    shipped = name not in SYNTHETIC
    data = _shipped(name) if shipped else SYNTHETIC[name](rng, 20_000)
    feats = _project(data, "fa-profiles").features
    if shipped:
        sizes = (min(500, len(data) - len(data) // 2),)
    reference, held = build_profile(data, feats), data
    out = []
    for size in sizes:
        for i in range(windows):
            if shipped and i % 20 == 0:  # a new random half as reference every 20 windows
                order = rng.permutation(len(data))
                half = len(data) // 2
                reference = build_profile(data.iloc[order[:half]], feats)
                held = data.iloc[order[half:]]
            window = (held.sample(size, random_state=int(rng.integers(2**31))) if shipped
                      else SYNTHETIC[name](rng, size))  # fmt: skip
            drift = dataset_drift(reference, build_profile(window, feats, reference=reference),
                                  DriftPolicy())  # fmt: skip
            out.append({"dataset": name, "test": "profiles", "rows": size,
                        "drifted": drift.drifted,
                        "small": [f.feature for f in drift.features
                                  if f.significant_below_effect]})  # fmt: skip
    return out


def _profiles_summary(rows: list[dict[str, Any]]) -> str:
    lines = ["| data set | rows | windows | data drift (any feature) | significant, small |",
             "|---|---:|---:|---:|---:|"]  # fmt: skip
    groups: dict[tuple[str, int], list[dict]] = {}
    for r in rows:
        groups.setdefault((r["dataset"], r["rows"]), []).append(r)
    for (name, size), rs in sorted(groups.items()):
        drifted = sum(bool(r["drifted"]) for r in rs)
        small = sum(bool(r["small"]) for r in rs)
        lines.append(f"| {name} | {size:,} | {len(rs)} | {drifted} ({drifted / len(rs):.1%}) | "
                     f"{small} ({small / len(rs):.1%}) |")  # fmt: skip
    return "\n".join(lines)


def _job(job: tuple) -> list[dict[str, Any]]:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    kind, *args = job
    return {"synthetic": null_synthetic, "shipped": null_shipped, "power": power,
            "profiles": null_profiles}[kind](*args)  # fmt: skip


def _summary(rows: list[dict[str, Any]]) -> str:
    lines = ["| data set | rows | windows | any finding | by kind | s/window |",
             "|---|---:|---:|---:|---|---:|"]  # fmt: skip
    null = [r for r in rows if r["test"] == "null"]
    groups: dict[tuple[str, int], list[dict]] = {}
    for r in null:
        groups.setdefault((r["dataset"], r["rows"]), []).append(r)
    for (name, size), rs in sorted(groups.items()):
        kinds = Counter(k for r in rs for k in r["kinds"])
        alarms = sum(r["alarm"] for r in rs)
        lines.append(
            f"| {name} | {size:,} | {len(rs)} | {alarms} ({alarms / len(rs):.1%}) | "
            f"{', '.join(f'{k} {v}' for k, v in kinds.items()) or '–'} | "
            f"{np.median([r['seconds'] for r in rs]):.1f} |"
        )
    total = sum(r["alarm"] for r in null)
    big = [r for r in null if r["rows"] >= 10_000]
    lines.append(f"\nAll no-drift windows: {total} of {len(null)} raised a finding "
                 f"({total / max(len(null), 1):.2%}); at 10,000 rows and more: "
                 f"{sum(r['alarm'] for r in big)} of {len(big)}.\n")  # fmt: skip
    checks = sorted({c for r in null for c in r["checks"]})
    lines += ["| check | windows it fired on | rate |", "|---|---:|---:|"]
    for c in checks:
        fired = sum(r["checks"].get(c, False) for r in null)
        lines.append(f"| {c} | {fired} of {len(null)} | {fired / max(len(null), 1):.2%} |")
    pw = [r for r in rows if r["test"] != "null"]
    if pw:
        sizes = sorted({r["rows"] for r in pw})
        lines += ["", "| injected drift | " + " | ".join(f"{s:,}" for s in sizes) + " |",
                  "|---|" + "---:|" * len(sizes)]  # fmt: skip
        for kind in DRIFTS:
            cells = []
            for s in sizes:
                r = next((r for r in pw if r["test"] == kind and r["rows"] == s), None)
                small = "significant, below the effect threshold (info)"
                cells.append("–" if r is None else ", ".join(r["kinds"])
                             or (small if r["small"] else "MISSED"))  # fmt: skip
            lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", nargs="*", default=[*SYNTHETIC, *SHIPPED])
    parser.add_argument("--quick", action="store_true", help="a few windows per size")
    parser.add_argument("--per-size", help="synthetic windows per size, e.g. 500:40,2000:20")
    parser.add_argument("--shipped-windows", type=int, default=200)
    parser.add_argument("--per-split", type=int, default=20)
    parser.add_argument("--no-power", action="store_true")
    parser.add_argument(
        "--profiles-only",
        type=int,
        metavar="N",
        help="per-feature drift only: N clean windows per data set and size",
    )
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    per_size = {s: 2 for s in SIZES if s <= 100_000} if args.quick else PER_SIZE
    if args.per_size:
        per_size = {int(k): int(v) for k, v in (p.split(":") for p in args.per_size.split(","))}
    shipped_windows = 10 if args.quick else args.shipped_windows
    if args.profiles_only:
        done = [_job(("profiles", name, (500, 2_000, 10_000), args.profiles_only, args.seed + i))
                for i, name in enumerate(args.datasets)]  # fmt: skip
        print(_profiles_summary([r for part in done for r in part]))
        return
    jobs: list[tuple] = []
    for i, name in enumerate(args.datasets):
        if name in SYNTHETIC:
            jobs.append(("synthetic", name, per_size, args.seed + i))
        else:
            jobs.append(("shipped", name, shipped_windows, args.per_split, args.seed + i))
    if not args.no_power:  # first: its 1M-row windows are the longest job
        jobs.insert(0, ("power", tuple(per_size), args.seed + 99))
    out = ROOT / "bench" / "results" / f"false-alarms-{dt.date.today()}.jsonl"
    out.parent.mkdir(exist_ok=True)
    rows: list[dict[str, Any]] = []
    start = time.perf_counter()
    with mp.get_context("spawn").Pool(args.procs) as pool, out.open("a") as log:
        for part in pool.imap_unordered(_job, jobs):
            rows += part
            for r in part:
                log.write(json.dumps(r) + "\n")
            log.flush()
            print(f"[{time.perf_counter() - start:.0f}s] {part[0]['dataset']} "
                  f"{part[0]['test']}: {len(part)} windows", flush=True)  # fmt: skip
    print(f"\n{len(rows)} windows in {time.perf_counter() - start:.0f}s; load "
          f"{os.getloadavg()}\n")  # fmt: skip
    print(_summary(rows))


if __name__ == "__main__":
    main()
