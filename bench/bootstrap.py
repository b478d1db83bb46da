"""The monitoring job's old hot spot: the bootstrap interval of a window's quality metric.

Times ``driftlab.monitor.performance.bootstrap_interval`` (200 resamples) on a seeded labeled
binary window of N rows, in a fresh process per checkout, and prints the ratio when
``--before DIR`` names an older checkout (a ``git worktree`` of an older commit). The old
code called scikit-learn's metrics once per resample on lists of strings; the new one scores
all resamples from weighted counts and ranks (``driftlab.metrics.weighted``).

    python bench/bootstrap.py --before /tmp/driftlab-old 20000 100000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

_PROBE = r"""
import json, sys, time
import numpy as np, pandas as pd
from driftlab.config import Task
from driftlab.model import ModelInfo
from driftlab.monitor.performance import bootstrap_interval

n, metric = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(0)
y = rng.random(n) < 0.4
p = np.clip(rng.normal(0.3 + 0.4 * y, 0.2), 0, 1).round(3)
window = pd.DataFrame({
    "prediction": np.where(p > 0.5, "high", "low"),
    "probability": np.where(p > 0.5, p, 1 - p),
    "label": np.where(y, "high", "low"),
})
info = ModelInfo(
    name="m", task=Task.BINARY, target="y", features=[], classes=["high", "low"],
    positive_class="high", estimator="x", params={}, metrics={}, dataset_sha256="", n_rows=0,
    n_train=0, n_test=0, trained_at="", code_version=None, packages={},
)
start = time.perf_counter()
interval = bootstrap_interval(window, info, metric)
print(json.dumps({"seconds": time.perf_counter() - start, "interval": interval}))
"""


def _run(checkout: Path, n: int, metric: str, timeout_s: float) -> dict | None:
    env = dict(os.environ, PYTHONPATH=str(checkout / "src"))
    try:
        out = subprocess.run(
            [sys.executable, "-c", _PROBE, str(n), metric],
            env=env, capture_output=True, text=True, check=True, timeout=timeout_s,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int, nargs="*", default=[20_000, 100_000])
    parser.add_argument("--before", type=Path, help="an older checkout to compare with")
    parser.add_argument("--metric", default="roc_auc")
    parser.add_argument("--timeout", type=float, default=1800.0, help="per run, seconds")
    args = parser.parse_args()
    here = Path(__file__).resolve().parents[1]
    for n in args.rows:
        now = _run(here, n, args.metric, args.timeout)
        line = f"{n:>9,} rows  {args.metric}: now {now['seconds']:.2f} s {now['interval']}"  # type: ignore[index]
        if args.before:
            old = _run(args.before, n, args.metric, args.timeout)
            if old is None:
                line += f"; before: over {args.timeout:.0f} s"
            else:
                ratio = old["seconds"] / now["seconds"]  # type: ignore[index]
                line += f"; before {old['seconds']:.2f} s {old['interval']} ({ratio:.0f}x)"
        print(line, flush=True)


if __name__ == "__main__":
    main()
