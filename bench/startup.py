"""Start-up cost of the commands a user runs, as whole processes: `driftlab --help`,
`driftlab version`, and importing the monitoring core and the store.

Runs each probe ``--runs`` times per checkout and prints the minimum and the median (the
machine's noise is one-sided: the minimum is the cost, the median what a user sees on a busy
machine). With ``--before DIR`` (another checkout, e.g. a ``git worktree`` of an older commit)
both are measured interleaved, so drift in the machine's load hits both alike, and the ratio
is printed. The CPU time (user + system) of each probe is printed too: on a machine shared with
other work it is much less inflated than the wall time, so it shows the cost when the wall time
cannot.

    python bench/startup.py --before /tmp/driftlab-old --runs 9
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROBES = {
    "driftlab --help": "import sys; sys.argv = ['driftlab', '--help']\n"
    "from driftlab.cli.main import main\ntry:\n    main()\nexcept SystemExit:\n    pass",
    "driftlab version": "import sys; sys.argv = ['driftlab', 'version']\n"
    "from driftlab.cli.main import main\ntry:\n    main()\nexcept SystemExit:\n    pass",
    "import driftlab.monitor": "import driftlab.monitor",
    "import driftlab.store": "import driftlab.store",
}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # children waited for so far
    return usage.ru_utime + usage.ru_stime


def _once(checkout: Path, code: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one fresh process."""
    env = dict(os.environ, PYTHONPATH=str(checkout / "src"))
    cpu, start = _cpu(), time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
    return time.perf_counter() - start, _cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="an older checkout to compare with")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    here = Path(__file__).resolve().parents[1]
    checkouts = {"now": here} | ({"before": args.before} if args.before else {})
    print(f"{'probe':26s}" + "".join(f"{name:>34s}" for name in checkouts) + "   ratio")
    for probe, code in PROBES.items():
        times: dict[str, list[float]] = {name: [] for name in checkouts}
        cpus: dict[str, list[float]] = {name: [] for name in checkouts}
        for _ in range(args.runs):
            for name, path in checkouts.items():
                wall, cpu = _once(path, code)
                times[name].append(wall)
                cpus[name].append(cpu)
        cells = [
            f"{min(t):6.2f} s (med {statistics.median(t):5.2f}, cpu {min(c):5.2f})"
            for t, c in zip(times.values(), cpus.values(), strict=True)
        ]
        ratio = f"   {min(times['before']) / min(times['now']):5.1f}x" if "before" in times else ""
        print(f"{probe:26s}" + "".join(f"{c:>34s}" for c in cells) + ratio)


if __name__ == "__main__":
    main()
