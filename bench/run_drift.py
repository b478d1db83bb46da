"""Run the drift benchmark: every available tool × sizes × both pairs, one process per run.

    python3 bench/run_drift.py                      # sizes 10000 100000 1000000
    python3 bench/run_drift.py 10000 --tools driftlab scipy
    python3 bench/run_drift.py --stream 1000000 5000000 --no-batch   # only driftlab-stream
    python3 bench/run_drift.py --table bench/results/drift-2025-11-25.jsonl  # re-print a table

Runs are strictly sequential (the machine is shared and small: two runs at once would time each
other), each in a fresh process (peak RSS is per process) with a timeout. Each JSON line from
bench/drift.py is appended to bench/results/drift-<date>.jsonl with the git commit it measured;
a run that fails or times out is recorded with an "error" instead. Then a Markdown table per size
is printed: seconds, peak MiB, hits of the injected features and false positives, and each
tool's ratio to driftlab on the same size and pair.

Only the standard library is used, so any Python 3.11 runs this file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PROJECT_PY = ROOT / ".venv" / "bin" / "python"
PAIRS = ("drift", "nodrift")
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
# Tool -> (venv python, extra arguments for drift.py). nannyml-chunks1 is nannyml with one
# chunk for the whole analysis table, as the benchmark's issue asked (see RESULTS.md for why
# the default chunking is reported too).
TOOLS: dict[str, tuple[Path, list[str]]] = {
    "driftlab": (PROJECT_PY, []),
    "scipy": (PROJECT_PY, []),
    "evidently": (BENCH / ".venvs/evidently/bin/python", []),
    "nannyml": (BENCH / ".venvs/nannyml/bin/python", []),
    "nannyml-chunks1": (BENCH / ".venvs/nannyml/bin/python", ["--nannyml-chunks", "1"]),
    "whylogs": (BENCH / ".venvs/whylogs/bin/python", []),
}
STREAM = "driftlab-stream"


def available(tool: str) -> bool:
    python = TOOLS[tool][0] if tool != STREAM else PROJECT_PY
    venv = python.parent.parent
    # setup.sh stamps a peer's venv only after its import check passed.
    return python.exists() and (venv == PROJECT_PY.parent.parent or any(venv.glob(".installed-*")))


def git_commit() -> str:
    def git(*args: str) -> str:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return out.stdout.strip()

    # src/ is edited while benchmarks run, so say whether it differed from the commit.
    dirty = git("status", "--porcelain", "--", "src")
    return git("rev-parse", "--short", "HEAD") + ("+dirty-src" if dirty else "")


def run_one(tool: str, rows: int, pair: str, timeout: float, repeat: int) -> dict[str, Any]:
    python, extra = (PROJECT_PY, []) if tool == STREAM else TOOLS[tool]
    name = tool.removesuffix("-chunks1")
    cmd = [str(python), str(BENCH / "drift.py"), "--tool", name, "--rows", str(rows)]
    cmd += ["--pair", pair, "--repeat", str(repeat), *extra]
    base: dict[str, Any] = {"tool": tool, "rows": rows, "pair": pair}
    # A new session, so a timeout kills the run's whole process group (peers may fork).
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return base | {"error": f"timeout after {timeout:.0f} s"}
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or len(lines) != 1:
        tail = " | ".join(err.strip().splitlines()[-3:])
        return base | {"error": f"exit {proc.returncode}: {tail}"}
    return json.loads(lines[0])


def fmt_ratio(x: float | None, ref: float | None) -> str:
    if x is None or not ref:
        return "–"
    return f"{x / ref:.1f}×"


def table(records: Iterable[dict[str, Any]]) -> str:
    """Markdown tables, one per size; the last record wins for a repeated (tool, rows, pair)."""
    latest: dict[tuple[str, int, str], dict[str, Any]] = {}
    for r in records:
        latest[(r["tool"], r["rows"], r["pair"])] = r
    order = [*TOOLS, STREAM]
    out: list[str] = []
    for rows in sorted({k[1] for k in latest}):
        out += [
            f"\n### {rows:,} rows\n",
            "| tool | pair | seconds | peak MiB | hits /4 | false pos. | flagged "
            "| time vs driftlab | peak vs driftlab |",
            "|---|---|---:|---:|---:|---:|---|---:|---:|",
        ]
        for pair in PAIRS:
            base = latest.get(("driftlab", rows, pair))
            for tool in sorted({k[0] for k in latest if k[1] == rows}, key=order.index):
                r = latest.get((tool, rows, pair))
                if r is None:
                    continue
                if "error" in r:
                    out.append(f"| {tool} | {pair} | failed: {r['error'][:80]} | | | | | | |")
                    continue
                hits = f"{r['hits']}" if pair == "drift" else "–"
                flagged = ", ".join(r["flagged"]) if len(r["flagged"]) <= 8 else (
                    f"{len(r['flagged'])} features"
                )  # fmt: skip
                b_sec = base.get("seconds") if base and "error" not in base else None
                b_mem = base.get("peak_mib") if base and "error" not in base else None
                out.append(
                    f"| {tool} | {pair} | {r['seconds']:.3f} | {r['peak_mib']:.0f} | {hits} "
                    f"| {r['false_positives']} | {flagged} "
                    f"| {fmt_ratio(r['seconds'], b_sec)} | {fmt_ratio(r['peak_mib'], b_mem)} |"
                )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("sizes", nargs="*", type=int, default=list(DEFAULT_SIZES))
    parser.add_argument("--tools", nargs="+", choices=list(TOOLS), default=list(TOOLS))
    parser.add_argument("--pairs", nargs="+", choices=PAIRS, default=list(PAIRS))
    parser.add_argument(
        "--stream",
        nargs="*",
        type=int,
        default=[],
        help="also run driftlab-stream at these sizes (e.g. 1000000 5000000)",
    )
    parser.add_argument("--no-batch", action="store_true", help="skip the in-memory runs")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per run")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="time each compute up to N times in its process (the minimum is kept; drift.py "
        "stops repeating once its runs took 60 s)",
    )
    parser.add_argument("--out", type=Path, help="JSONL to append to")
    parser.add_argument("--table", type=Path, help="only print the tables of this JSONL file")
    args = parser.parse_args(argv)

    if args.table:
        print(table(json.loads(line) for line in args.table.read_text().splitlines() if line))
        return 0

    out = args.out or BENCH / "results" / f"drift-{dt.date.today().isoformat()}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    plan: list[tuple[str, int, str]] = []
    if not args.no_batch:
        for tool in args.tools:
            if not available(tool):
                print(f"skip {tool}: no venv (run bash bench/setup.sh)", file=sys.stderr)
                continue
            plan += [(tool, rows, pair) for rows in args.sizes for pair in args.pairs]
    plan += [(STREAM, rows, pair) for rows in args.stream for pair in args.pairs]

    commit = git_commit()
    records = []
    for i, (tool, rows, pair) in enumerate(plan, 1):
        print(f"[{i}/{len(plan)}] {tool} rows={rows} pair={pair}", file=sys.stderr, flush=True)
        record = run_one(tool, rows, pair, args.timeout, args.repeat)
        record["commit"] = commit
        record["when"] = dt.datetime.now().isoformat(timespec="seconds")
        records.append(record)
        with out.open("a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        summary = record.get("error") or (
            f"{record['seconds']:.3f} s, {record['peak_mib']:.0f} MiB, "
            f"flagged {record['flagged']}"
        )  # fmt: skip
        print(f"    {summary}", file=sys.stderr, flush=True)
    print(f"results appended to {out}", file=sys.stderr)
    print(table(records))
    return 0


if __name__ == "__main__":
    sys.exit(main())
