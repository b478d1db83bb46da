"""`driftlab monitor --source TABLE` in process and with `--engine spark`, as whole processes.

Prepares the Ames project in a temporary folder, trains it with `driftlab train`, and writes a
labeled window of N rows (the scenario's drifted traffic, scored by the model, tiled to N rows
with timestamps one second apart) as one Parquet file. Then times each engine's
`driftlab monitor --source window.parquet --json` (imports, model load, the Spark session's
start and the store write included) and prints the wall time, the driver's peak RSS (the
Spark JVM and its Python workers are other processes: their memory is not in it) and whether
the two results agree on status, drifted features and realized metrics.

    python bench/spark_monitor.py 1000000 --master 'local[2]'
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd


def _run(args: list[str], cwd: Path) -> tuple[float, float, dict]:
    """Wall seconds, peak RSS of the command's own process (MiB) and its JSON output."""
    wrapper = (
        "import resource, runpy, sys; sys.argv = ['driftlab', *sys.argv[1:]]\n"
        "try:\n    runpy.run_module('driftlab', run_name='__main__')\n"
        "finally:\n"
        "    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "    print(f'PEAK_RSS_KB={rss}', file=sys.stderr)\n"
    )
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", wrapper, *args], cwd=cwd, capture_output=True,
                         text=True, check=False)  # fmt: skip
    seconds = time.perf_counter() - start
    if out.returncode not in (0, 1):
        raise SystemExit(f"driftlab {' '.join(args)} failed:\n{out.stderr[-3000:]}")
    rss = [line for line in out.stderr.splitlines() if line.startswith("PEAK_RSS_KB=")]
    return seconds, int(rss[-1].split("=")[1]) / 1024, json.loads(out.stdout)


def _window(folder: Path, n: int) -> Path:
    from driftlab.config import load_project
    from driftlab.scenarios import prepare

    ames = prepare(folder)
    subprocess.run([sys.executable, "-m", "driftlab", "train"], cwd=folder, check=True,
                   capture_output=True)  # fmt: skip
    from driftlab import compose

    project = load_project(ames.project_file)
    bundle = compose.open_registry(project).load(project.model_name, "1")
    base = ames.drifted.reset_index(drop=True)
    batch = bundle.predict(ames.records(base))
    logged = pd.DataFrame(ames.records(base)).assign(
        prediction=batch.predictions, probability=batch.probability, label=base[ames.target]
    )
    reps = -(-n // len(logged))
    frame = pd.concat([logged] * reps, ignore_index=True).iloc[:n]
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    frame["ts"] = pd.date_range(t0, t0 + timedelta(seconds=n - 1), periods=n)
    frame["latency_ms"] = np.full(n, 3.0)
    path = folder / "window.parquet"
    frame.to_parquet(path, row_group_size=100_000)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int, nargs="+")
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()}")
    for n in args.rows:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            _window(folder, n)
            local = _run(["monitor", "--source", "window.parquet", "--json"], folder)
            spark = _run(["monitor", "--source", "window.parquet", "--engine", "spark",
                          "--spark-master", args.master, "--json"], folder)  # fmt: skip
            a, b = local[2], spark[2]
            same = (
                a["status"] == b["status"]
                and a["drifted_features"] == b["drifted_features"]
                and all(
                    np.isclose(v, b["performance"]["metrics"][k], rtol=1e-9)
                    for k, v in a["performance"]["metrics"].items() if k != "roc_auc"
                )
            )  # fmt: skip
            print(f"{n:>10,} rows  in process {local[0]:7.1f} s ({local[1]:6.0f} MiB)   "
                  f"spark {args.master} {spark[0]:7.1f} s ({spark[1]:6.0f} MiB driver)   "
                  f"same verdicts and exact metrics: {same}   "
                  f"load now {os.getloadavg()[0]:.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
