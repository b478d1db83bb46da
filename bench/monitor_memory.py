"""Peak memory of ``driftlab monitor`` as the window grows: it should stay flat.

Trains the Ames scenario's model once (``driftlab train``), then for each N (ascending) tops
a SQLite store up to N synthetic labeled predictions — Ames feature rows drawn with
replacement, a prediction agreeing with the label 70 % of the time — written straight
through the store's bulk API (``log_predictions``, ``add_labels``), and runs ``driftlab
monitor --last N --json`` as a whole process (imports and model load included), reading its
peak resident set size from the kernel (``wait4``'s ``ru_maxrss``). ``--before DIR`` runs the
same command on an older checkout too (``git archive main | tar -x -C DIR``), on the same
store.

    python bench/monitor_memory.py 100000 1000000 [--before /tmp/driftlab-before]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

SRC = Path(__file__).resolve().parents[1] / "src"
sys.path.insert(0, str(SRC))

from driftlab.scenarios.ames import prepare  # noqa: E402
from driftlab.store import LabelRecord, PredictionRecord  # noqa: E402
from driftlab.store.sql import SqlStore  # noqa: E402

T0 = datetime(2026, 1, 1, tzinfo=UTC)
BATCH = 20_000


def _driftlab(checkout: Path, workdir: Path, *args: str) -> tuple[float, float, str]:
    """Run ``python -m driftlab ARGS`` from ``checkout``: (wall seconds, peak RSS MB, stdout)."""
    env = dict(os.environ, PYTHONPATH=str(checkout / "src"))
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "driftlab", *args, "--config", str(workdir / "driftlab.toml")],
            cwd=workdir, env=env, stdout=out, stderr=err, text=True,
        )  # fmt: skip
        # wait4, not Popen.wait: the rusage of this child alone, not of every child so far.
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode not in (0, 1):  # 1: an alert fired, a normal outcome
        raise SystemExit(f"driftlab {' '.join(args)} failed ({proc.returncode}):\n{stderr[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, stdout


def _top_up(store: SqlStore, train: pd.DataFrame, target: str, have: int, want: int) -> None:
    rng = np.random.default_rng(have)
    feats = train.drop(columns=[target])
    classes = ["high", "low"]
    for lo in range(have, want, BATCH):
        n = min(BATCH, want - lo)
        rows = feats.iloc[rng.integers(0, len(feats), n)].to_dict("records")
        label = rng.choice(classes, n)
        pred = np.where(rng.random(n) < 0.7, label, rng.choice(classes, n))
        proba = rng.uniform(0.5, 1.0, n)
        ids = [f"b{lo + i:09d}" for i in range(n)]
        store.log_predictions([
            PredictionRecord(
                ids[i], T0 + timedelta(milliseconds=lo + i), "ames-housing", "1",
                {k: (None if pd.isna(v) else v) for k, v in rows[i].items()},
                str(pred[i]), float(proba[i]), 2.0,
            )
            for i in range(n)
        ])  # fmt: skip
        store.add_labels([LabelRecord(ids[i], str(label[i]), T0) for i in range(n)])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", nargs="+", type=int)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--before", type=Path, default=None, help="an older checkout to compare")
    args = ap.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="driftlab-monitor-memory-"))
    workdir.mkdir(parents=True, exist_ok=True)
    scenario = prepare(workdir)
    here = SRC.parent
    if not (workdir / "mlflow.db").exists():
        seconds, rss, _ = _driftlab(here, workdir, "train")
        print(f"trained in {seconds:.0f} s", flush=True)
    train = pd.read_csv(workdir / "train.csv")
    store = SqlStore(f"sqlite:///{workdir / 'driftlab.db'}")
    have = store.window_span("ames-housing").n_rows
    print(f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
    results = []
    for n in sorted(args.sizes):
        if have < n:
            start = time.perf_counter()
            _top_up(store, train, scenario.target, have, n)
            print(f"logged {n - have} rows in {time.perf_counter() - start:.0f} s", flush=True)
            have = n
        row: dict[str, object] = {"n": n}
        for label, checkout in [("after", here), ("before", args.before)]:
            if checkout is None:
                continue
            seconds, rss, out = _driftlab(checkout, workdir, "monitor", "--last", str(n), "--json")
            result = json.loads(out)
            row[label] = {
                "seconds": round(seconds, 1), "peak_rss_mb": round(rss),
                "status": result.get("status"), "n_rows": result.get("n_rows"),
            }  # fmt: skip
            print(json.dumps(row), flush=True)
        results.append(row)
    store.close()
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
