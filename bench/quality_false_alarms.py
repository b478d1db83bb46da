"""False alarms and power of the data-quality checks on synthetic tables.

For each table (heavy-tailed, skewed, discrete, mixed) a reference of ``--reference`` rows is
profiled, then ``--windows`` clean windows per size are drawn from the same distribution and
judged at the default settings: the share of windows with any flagged data-quality problem
(or label drift) is the false-alarm rate. Then the issue's injected problems (3% out of
range, a new category at 5%, 10% of a column as text, a 10-point missing jump, 2% duplicate
ids, a 20-point label shift) are checked to be found at every size.

    python bench/quality_false_alarms.py --windows 200 --sizes 500 2000 10000 100000
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import zlib
from collections.abc import Callable

import numpy as np
import pandas as pd

from driftlab.config import Feature, MonitorConfig
from driftlab.monitor.quality import QualityTally, judge_quality, label_drift, label_reference
from driftlab.profile import build_profile
from driftlab.schema import coerce_frame

CFG = MonitorConfig()
CATS = [f"c{i}" for i in range(12)]
CAT_P = np.array([0.5**i for i in range(12)]) / sum(0.5**i for i in range(12))


def _table(kind: str, n: int, rng: np.random.Generator, offset: int) -> pd.DataFrame:
    if kind == "heavy":
        x = rng.standard_t(2, n) * 1000
        y = rng.pareto(1.5, n)
    elif kind == "skewed":
        x = rng.lognormal(8, 1.5, n)
        y = rng.exponential(3, n)
    elif kind == "discrete":
        x = rng.poisson(3, n).astype(float)
        y = rng.integers(18, 91, n).astype(float)
    else:  # mixed
        x = np.where(rng.random(n) < 0.3, 0.0, rng.gamma(2, 50, n))
        y = rng.normal(0, 1, n)
    y[rng.random(n) < 0.03] = np.nan
    return pd.DataFrame({
        "request_id": [f"r{offset + i}" for i in range(n)],
        "x": x, "y": y,
        "cat": rng.choice(CATS, n, p=CAT_P),
        "label": rng.choice(["no", "yes"], n, p=[0.8, 0.2]),
    })  # fmt: skip


FEATURES = [Feature(name="x"), Feature(name="y"), Feature(name="cat", kind="categorical")]


def _judge(ref: object, labels: dict, raw: pd.DataFrame) -> set[str]:
    tally = QualityTally.start(ref, FEATURES, margin=CFG.range_margin).add(raw)  # type: ignore[arg-type]
    window = build_profile(coerce_frame(raw, FEATURES, strict=False), FEATURES, reference=ref)  # type: ignore[arg-type]
    dq = judge_quality(tally, ref, window, FEATURES, CFG)  # type: ignore[arg-type]
    found = {i.check for i in dq.issues if i.flagged}
    found |= {"extreme" for e in dq.extreme if e.share >= dq.min_share}
    drift = label_drift(tally, labels, CFG)
    if drift is not None and drift.drifted:
        found.add("label_drift")
    return found


def _inject(
    rng: np.random.Generator, lo: float, hi: float
) -> dict[str, Callable[[pd.DataFrame], pd.DataFrame]]:
    """The injected problems; ``lo``/``hi``: the reference's minimum and maximum of x."""

    def out_of_range(t: pd.DataFrame) -> pd.DataFrame:
        i = rng.choice(len(t), max(1, int(0.03 * len(t))), replace=False)
        # Beyond the margin, within the extreme bounds: an out-of-range finding, not extreme.
        t.loc[t.index[i], "x"] = lo - (hi - lo) * rng.uniform(0.3, 1.0, len(i))
        return t

    def new_category(t: pd.DataFrame) -> pd.DataFrame:
        i = rng.choice(len(t), max(1, int(0.05 * len(t))), replace=False)
        t.loc[t.index[i], "cat"] = "brand-new"
        return t

    def text(t: pd.DataFrame) -> pd.DataFrame:
        t["y"] = t["y"].astype(object)
        i = rng.choice(len(t), max(1, int(0.10 * len(t))), replace=False)
        t.loc[t.index[i], "y"] = "n/a"
        return t

    def missing(t: pd.DataFrame) -> pd.DataFrame:
        i = rng.choice(len(t), max(1, int(0.10 * len(t))), replace=False)
        t.loc[t.index[i], "x"] = np.nan
        return t

    def duplicates(t: pd.DataFrame) -> pd.DataFrame:
        k = max(1, int(0.02 * len(t)))
        t.loc[t.index[-k:], "request_id"] = t["request_id"].iloc[:k].to_numpy()
        return t

    def labels(t: pd.DataFrame) -> pd.DataFrame:
        t["label"] = rng.choice(["no", "yes"], len(t), p=[0.6, 0.4])
        return t

    return {"out_of_range": out_of_range, "new_category": new_category, "unparsable": text,
            "missing_jump": missing, "duplicate": duplicates, "label_drift": labels}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--windows", type=int, default=200)
    ap.add_argument("--reference", type=int, default=5000)
    ap.add_argument("--sizes", type=int, nargs="+", default=[500, 2000, 10_000, 100_000])
    args = ap.parse_args()
    print(f"# {platform.platform()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    print("| table | rows | clean windows | any flagged | by check | injected found |")
    print("|---|---:|---:|---:|---|---|")
    started = time.perf_counter()
    for kind in ("heavy", "skewed", "discrete", "mixed"):
        rng = np.random.default_rng(zlib.crc32(kind.encode()))
        train = _table(kind, args.reference, rng, 0)
        ref = build_profile(train, FEATURES)
        labels = label_reference(train["label"], classification=True)
        for size in args.sizes:
            flagged: dict[str, int] = {}
            any_flag = 0
            for w in range(args.windows):
                found = _judge(ref, labels, _table(kind, size, rng, (w + 1) * 10**7))
                any_flag += bool(found)
                for c in found:
                    flagged[c] = flagged.get(c, 0) + 1
            hits = []
            x_ref = ref.features["x"]
            for name, inject in _inject(rng, x_ref.min, x_ref.max).items():  # type: ignore[union-attr]
                found = _judge(ref, labels, inject(_table(kind, size, rng, 9 * 10**8)))
                hits.append(name if name in found else f"MISSED {name}")
            by = ", ".join(f"{k} {v}" for k, v in sorted(flagged.items())) or "–"
            print(f"| {kind} | {size:,} | {args.windows} | {any_flag / args.windows:.1%} | {by} "
                  f"| {', '.join(hits)} |", flush=True)  # fmt: skip
    print(f"# {time.perf_counter() - started:.0f} s, load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
