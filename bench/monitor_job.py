"""The monitoring job as a user runs it, timed end to end against Evidently and NannyML.

    .venv/bin/python bench/monitor_job.py run --work DIR 100000 1000000 [--checkout before=PATH]
    .venv/bin/python bench/monitor_job.py compare-json --work DIR --out verdicts.json
    .venv/bin/python bench/monitor_job.py report --work DIR        # table from DIR/results.jsonl

``run`` makes a seeded labeled binary task (18 numeric + 2 categorical features; the logged
rows have a covariate shift in f0, f5 and c0, see :func:`make_rows`), trains it with
``driftlab train``, logs max(N) predictions with ``driftlab predict`` (logging on) and their
labels with ``driftlab feedback``, then times ``driftlab monitor --last N --json`` for every N
as a whole process (imports, model load, store read and storing the run included) with the
child's peak RSS (``os.wait4``). The rows are logged oldest segment first, so the last N rows
of the log are exactly the files ``seg-*`` of the segments inside the window: Evidently 0.7
(``DataDriftPreset`` + ``ClassificationPreset``) and NannyML 0.13 (univariate drift, CBPE and
realized performance) read those same rows, with the same model's predictions, each in a fresh
process of its own venv (``bash bench/setup.sh evidently nannyml``), imports and file reading
included. A peer's reference is a labeled held-out split scored by the model (CBPE needs one);
driftlab's reference is the training profile frozen at ``train``.

``--checkout NAME=PATH`` runs the driftlab side again with another checkout's sources (e.g. the
code before a change) on the same data, in its own store and MLflow folder. ``compare-json``
runs the monitor on a fixed seed and writes its verdicts without run ids, times or durations,
so two checkouts (or two commits) can be diffed: same data, same verdicts.

This file imports only the standard library at the top: the peer roles run in the peers'
venvs, the data roles in driftlab's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
NUMERIC = [f"f{i}" for i in range(18)]
CATEGORICAL = ["c0", "c1"]
FEATURES = NUMERIC + CATEGORICAL
POSITIVE = "yes"
SEED = 7
TRAIN_ROWS = 20_000
REFERENCE_ROWS = 20_000
CHUNK = 250_000  # rows generated per block (memory stays flat at 10M rows)
PEERS = ("evidently", "nannyml")
# The machine is small and shared: one BLAS/OpenMP thread per process, as in bench/drift.py.
THREADS = {v: "1" for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
QUIET = {"DO_NOT_TRACK": "1", "NML_DISABLE_USAGE_LOGGING": "1"}  # peers phone home otherwise


# --------------------------------------------------------------------------------------------
# Data (driftlab venv)
# --------------------------------------------------------------------------------------------


def make_rows(n: int, seed: int, drifted: bool) -> Any:
    """``n`` labeled rows. The label depends on f0..f5 and c0 (the rest is noise); with
    ``drifted``: f0's mean moves by 0.5 sd, f5's spread grows by half and a fifth of the rows
    move to c0's rarest category, labels still drawn from the same P(y | x) (covariate shift)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 1.0, (n, len(NUMERIC)))
    x[:, 6:12] = rng.lognormal(0.0, 0.5, (n, 6))  # skewed columns, as real amounts are
    c0 = rng.choice(5, size=n, p=[0.4, 0.25, 0.15, 0.12, 0.08])
    c1 = rng.choice(20, size=n)
    if drifted:
        x[:, 0] += 0.5
        x[:, 5] *= 1.5
        c0[rng.random(n) < 0.2] = 4
    logit = (
        1.2 * x[:, 0]
        - 0.8 * x[:, 1]
        + 0.6 * x[:, 2] * x[:, 3]
        + 0.5 * np.abs(x[:, 4])
        - 0.4 * x[:, 5]
        + np.array([0.0, 0.5, -0.5, 1.0, -1.0])[c0]
        - 0.3
    )
    y = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))
    frame = pd.DataFrame(x, columns=NUMERIC)
    frame["c0"] = np.array([f"k{i}" for i in range(5)], dtype=object)[c0]
    frame["c1"] = np.array([f"g{i:02d}" for i in range(20)], dtype=object)[c1]
    frame["y"] = np.where(y, POSITIVE, "no")
    return frame


def segments(rows: list[int]) -> list[tuple[str, int]]:
    """(name, size) of the logged segments, oldest first: the last N rows are the segments
    ``seg-N..`` for every N in ``rows``."""
    sizes = sorted(set(rows), reverse=True)
    out = []
    for i, n in enumerate(sizes):
        nxt = sizes[i + 1] if i + 1 < len(sizes) else 0
        out.append((f"seg-{n}", n - nxt))
    return out


def window_segments(n: int, rows: list[int]) -> list[str]:
    return [name for name, _ in segments(rows) if int(name.split("-")[1]) <= n]


def prepare_data(data: Path, rows: list[int]) -> None:
    """Training and reference tables, and one feature file and one label file per segment.
    Idempotent: existing files are kept (same seed, same rows)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    data.mkdir(parents=True, exist_ok=True)
    for name, n, seed in (("train", TRAIN_ROWS, SEED), ("reference", REFERENCE_ROWS, SEED + 1)):
        if not (data / f"{name}.parquet").is_file():
            make_rows(n, seed, drifted=False).to_parquet(data / f"{name}.parquet", index=False)
    for s, (name, size) in enumerate(segments(rows)):
        if (data / f"{name}.labels.parquet").is_file():
            continue
        feats = labels = None
        tmp = data / f"{name}.tmp"
        try:
            for b, start in enumerate(range(0, size, CHUNK)):
                block = make_rows(min(CHUNK, size - start), SEED * 1000 + s * 100 + b, True)
                block.insert(0, "request_id", [f"{name}-{start + i}" for i in range(len(block))])
                f = pa.Table.from_pandas(block[["request_id", *FEATURES]], preserve_index=False)
                lab = block[["request_id", "y"]].rename(columns={"y": "label"})
                lt = pa.Table.from_pandas(lab, preserve_index=False)
                feats = feats or pq.ParquetWriter(tmp, f.schema)
                labels = labels or pq.ParquetWriter(f"{tmp}.labels", lt.schema)
                feats.write_table(f)
                labels.write_table(lt)
        finally:
            for w in (feats, labels):
                if w is not None:
                    w.close()
        tmp.rename(data / f"{name}.parquet")
        Path(f"{tmp}.labels").rename(data / f"{name}.labels.parquet")


PROJECT = """name = "jobbench"

[data]
path = "{data}/train.parquet"
target = "y"
task = "binary"
positive_class = "yes"
seed = 7

[model]
estimator = "hist_gradient_boosting"

[store]
url = "sqlite:///driftlab.db"

[mlflow]
tracking_uri = "sqlite:///mlflow.db"
"""


def write_project(state: Path, data: Path) -> Path:
    state.mkdir(parents=True, exist_ok=True)
    text = PROJECT.format(data=data.resolve())
    for name in NUMERIC:
        text += f'\n[[features]]\nname = "{name}"\nkind = "numeric"\n'
    for name in CATEGORICAL:
        text += f'\n[[features]]\nname = "{name}"\nkind = "categorical"\n'
    (state / "driftlab.toml").write_text(text, encoding="utf-8")
    return state / "driftlab.toml"


# --------------------------------------------------------------------------------------------
# Running a process: wall time and the child's own peak RSS
# --------------------------------------------------------------------------------------------


def timed(cmd: list[str], *, env: dict[str, str], cwd: Path, out: Path, timeout: float) -> dict:
    """Run ``cmd`` with stdout to ``out``; seconds, peak RSS (MiB, the child and what it
    waited for, from wait4) and exit code, or ``timeout`` after killing it."""
    with open(out, "wb") as stdout, open(f"{out}.err", "wb") as stderr:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=stdout, stderr=stderr)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - t0 > timeout:
                proc.kill()
                os.wait4(proc.pid, 0)
                proc.returncode = -9  # so Popen's destructor does not wait again
                return {"timeout": timeout, "seconds": round(time.perf_counter() - t0, 2)}
            time.sleep(0.05)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "seconds": round(seconds, 3),
        # CPU time (user + system) of the child and what it waited for: on a shared machine
        # the wall time grows with the other work, the CPU time much less.
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_mib": round(usage.ru_maxrss / 1024, 1),  # KiB on Linux
        "exit": proc.returncode,
    }


def _env(checkout: Path) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(checkout / "src"), **THREADS, **QUIET)


def _driftlab(state: Path, checkout: Path, args: list[str], out: Path, timeout: float) -> dict:
    cmd = [sys.executable, "-m", "driftlab", *args, "-c", str(state / "driftlab.toml")]
    got = timed(cmd, env=_env(checkout), cwd=state, out=out, timeout=timeout)
    if got.get("exit") not in (0, 1):  # monitor exits 1 when an alert fired
        err = Path(f"{out}.err").read_text(errors="replace")[-2000:]
        raise SystemExit(f"{' '.join(args)} failed ({got}): {err}")
    return got


def setup_driftlab(tag: str, checkout: Path, work: Path, rows: list[int], timeout: float) -> dict:
    """Train and log every segment with ``checkout``'s CLI, once per state folder."""
    data, state = work / "data", work / tag
    done = state / "ingest.json"
    if done.is_file():
        return json.loads(done.read_text())
    if state.exists():
        shutil.rmtree(state)
    write_project(state, data)
    steps: dict[str, Any] = {
        "train": _driftlab(state, checkout, ["train", "--json"], state / "train.json", timeout)
    }
    # The model's predictions on the labeled reference split, for the peers (not logged).
    steps["reference"] = _driftlab(
        state,
        checkout,
        [
            "predict",
            str(data / "reference.parquet"),
            "--out",
            str(state / "reference.pred.parquet"),
            "--no-log",
        ],
        state / "reference.out",
        timeout,
    )
    for name, size in segments(rows):
        pred = _driftlab(
            state,
            checkout,
            [
                "predict",
                str(data / f"{name}.parquet"),
                "--out",
                str(state / f"{name}.pred.parquet"),
                "--id-column",
                "request_id",
                "--json",
            ],
            state / f"{name}.predict.json",
            timeout,
        )
        fb = _driftlab(
            state,
            checkout,
            ["feedback", str(data / f"{name}.labels.parquet"), "--json"],
            state / f"{name}.feedback.json",
            timeout,
        )
        steps[name] = {
            "rows": size,
            "predict": pred,
            "feedback": fb,
            "predict_rows_per_s": round(size / pred["seconds"]),
            "feedback_rows_per_s": round(size / fb["seconds"]),
        }
        print(
            f"{tag}: logged {name} ({size} rows): predict {pred['seconds']:.1f} s, "
            f"feedback {fb['seconds']:.1f} s",
            file=sys.stderr,
        )
    done.write_text(json.dumps(steps, indent=1))
    return steps


def monitor_once(tag: str, checkout: Path, work: Path, n: int, timeout: float) -> dict:
    state = work / tag
    out = state / f"monitor-{n}.json"
    got = _driftlab(state, checkout, ["monitor", "--last", str(n), "--json"], out, timeout)
    if "timeout" not in got:
        got["verdict"] = _summary(json.loads(out.read_text()))
    return got


def _summary(result: dict) -> dict:
    """The headline of a monitor JSON: which features drifted, the labeled metrics, alerts."""
    perf = result.get("performance") or {}
    return {
        "drifted": sorted(result.get("drifted_features") or []),
        "multivariate": sorted(
            m["method"] for m in result.get("multivariate") or [] if m.get("drifted")
        ),
        "rows": result.get("n_rows"),
        "metrics": {
            k: round(v, 4) for k, v in (perf.get("metrics") or {}).items() if isinstance(v, float)
        },
        "alerts": sorted(f"{a['kind']}:{a.get('subject')}" for a in result.get("alerts") or []),
    }


# --------------------------------------------------------------------------------------------
# Peers (their venvs): one process per (tool, window)
# --------------------------------------------------------------------------------------------


def _peer_frames(work: Path, state: str, n: int, rows: list[int]) -> tuple[Any, Any]:
    """Reference and window frames: features, y_true, y_pred (1 = positive), y_pred_proba."""
    import numpy as np
    import pandas as pd

    data, st = work / "data", work / state

    def frame(features: list[Path], preds: list[Path], labels: list[Path] | None) -> Any:
        x = pd.concat([pd.read_parquet(p, columns=FEATURES) for p in features], ignore_index=True)
        p = pd.concat(
            [pd.read_parquet(q, columns=["prediction", f"proba_{POSITIVE}"]) for q in preds],
            ignore_index=True,
        )
        x["y_pred"] = (p["prediction"].astype(str) == POSITIVE).astype(int)
        x["y_pred_proba"] = p[f"proba_{POSITIVE}"].to_numpy(dtype=float)
        if labels is None:  # the reference: its labels are in the table itself
            y = pd.read_parquet(data / "reference.parquet", columns=["y"])["y"]
        else:
            y = pd.concat([pd.read_parquet(q) for q in labels], ignore_index=True)["label"]
        x["y_true"] = np.asarray(y.astype(str) == POSITIVE, dtype=int)
        return x

    ref = frame([data / "reference.parquet"], [st / "reference.pred.parquet"], None)
    segs = window_segments(n, rows)
    cur = frame(
        [data / f"{s}.parquet" for s in segs],
        [st / f"{s}.pred.parquet" for s in segs],
        [data / f"{s}.labels.parquet" for s in segs],
    )
    return ref, cur


def peer_evidently(ref: Any, cur: Any) -> dict:
    from evidently import BinaryClassification, DataDefinition, Dataset, Report
    from evidently.presets import ClassificationPreset, DataDriftPreset

    definition = DataDefinition(
        numerical_columns=NUMERIC,
        categorical_columns=CATEGORICAL,
        classification=[
            BinaryClassification(
                target="y_true",
                prediction_labels="y_pred",
                prediction_probas="y_pred_proba",
                pos_label=1,
            )
        ],
    )
    report = Report([DataDriftPreset(columns=FEATURES), ClassificationPreset()], include_tests=True)
    out = report.run(
        current_data=Dataset.from_pandas(cur, data_definition=definition),
        reference_data=Dataset.from_pandas(ref, data_definition=definition),
    ).dict()
    drifted = sorted(
        t["name"].removeprefix("Value Drift for column ")
        for t in out["tests"]
        if t["name"].startswith("Value Drift for column ") and t["status"] == "FAIL"
    )
    metrics = {}
    for m in out["metrics"]:
        kind = m.get("config", {}).get("type", "").rsplit(":", 1)[-1]
        if kind in ("Accuracy", "RocAuc", "F1Score") and isinstance(m.get("value"), float):
            metrics[kind] = round(m["value"], 4)
    return {"drifted": drifted, "metrics": metrics, "n_metrics": len(out["metrics"])}


def peer_nannyml(ref: Any, cur: Any) -> dict:
    import warnings

    import nannyml

    warnings.filterwarnings("ignore")
    sys.path.insert(0, str(HERE))
    from drift import run_nannyml as drift_nannyml  # bench/drift.py's univariate drift call

    extra: dict[str, Any] = {}
    drifted = drift_nannyml(ref, cur, extra, None, columns=FEATURES)
    common = {
        "y_pred_proba": "y_pred_proba",
        "y_pred": "y_pred",
        "y_true": "y_true",
        "problem_type": "classification_binary",
        "metrics": ["roc_auc", "accuracy", "f1"],
    }
    cbpe = nannyml.CBPE(**common)
    cbpe.fit(ref)
    est = cbpe.estimate(cur.drop(columns=["y_true"])).filter(period="analysis").to_df()
    perf = nannyml.PerformanceCalculator(**common)
    perf.fit(ref)
    real = perf.calculate(cur).filter(period="analysis").to_df()
    return {
        "drifted": sorted(drifted),
        "metrics": {m: round(float(real[(m, "value")].mean()), 4) for m in common["metrics"]},
        "estimated": {m: round(float(est[(m, "value")].mean()), 4) for m in common["metrics"]},
        "chunks": extra.get("chunks"),
    }


def peer_main(args: argparse.Namespace) -> int:
    ref, cur = _peer_frames(args.work, args.state, args.rows, args.all_rows)
    run = {"evidently": peer_evidently, "nannyml": peer_nannyml}[args.tool]
    import contextlib

    with contextlib.redirect_stdout(sys.stderr):  # peers print progress
        verdict = run(ref, cur)
    verdict["rows"] = len(cur)
    print(json.dumps(verdict))
    return 0


def peer_python(tool: str, venvs: Path) -> Path | None:
    """The peer's venv interpreter when bench/setup.sh stamped it ready."""
    venv = venvs / tool
    return venv / "bin" / "python" if list(venv.glob(".installed-*")) else None


def run_peer(tool: str, work: Path, n: int, rows: list[int], venvs: Path, timeout: float) -> dict:
    python = peer_python(tool, venvs)
    if python is None:
        return {"skipped": f"no ready venv at {venvs / tool} (run: bash bench/setup.sh {tool})"}
    out = work / "peers" / f"{tool}-{n}.json"
    out.parent.mkdir(exist_ok=True)
    cmd = [
        str(python),
        str(Path(__file__).resolve()),
        "peer",
        "--tool",
        tool,
        "--work",
        str(work),
        "--rows",
        str(n),
        "--all-rows",
        *map(str, rows),
    ]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | THREADS | QUIET
    got = timed(cmd, env=env, cwd=work, out=out, timeout=timeout)
    if got.get("exit") == 0:
        got["verdict"] = json.loads(out.read_text().strip().splitlines()[-1])
    elif "timeout" not in got:
        got["error"] = Path(f"{out}.err").read_text(errors="replace")[-1500:]
    return got


# --------------------------------------------------------------------------------------------
# Roles
# --------------------------------------------------------------------------------------------


def _machine() -> dict:
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "cores": os.cpu_count(),
        "loadavg": [round(v, 2) for v in os.getloadavg()],
    }


def _record(work: Path, row: dict) -> None:
    row = {**row, **_machine()}
    with open(work / "results.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps(row) + "\n")
    print(json.dumps(row), file=sys.stderr, flush=True)


def run_main(args: argparse.Namespace) -> int:
    work: Path = args.work.resolve()
    rows = sorted(args.rows)
    checkouts = ({} if args.no_current else {"driftlab": REPO}) | dict(
        _checkout(c) for c in args.checkout
    )
    prepare_data(work / "data", rows)
    for tag, checkout in checkouts.items():
        ingest = setup_driftlab(tag, checkout, work, rows, args.timeout)
        _record(work, {"tool": tag, "step": "ingest", "checkout": str(checkout), **ingest})
    for n in rows:
        for tag, checkout in checkouts.items():
            for _ in range(args.repeat):
                _record(
                    work,
                    {
                        "tool": tag,
                        "step": "monitor",
                        "rows": n,
                        **monitor_once(tag, checkout, work, n, args.timeout),
                    },
                )
        for tool in args.peers:
            if n > args.peer_max_rows:
                reason = (
                    f"not run above --peer-max-rows {args.peer_max_rows}: at 1M rows "
                    "Evidently needs minutes and GBs, 10x that would exceed the timeout"
                )
                _record(work, {"tool": tool, "step": "monitor", "rows": n, "skipped": reason})
                continue
            _record(
                work,
                {
                    "tool": tool,
                    "step": "monitor",
                    "rows": n,
                    **run_peer(tool, work, n, rows, args.venvs, args.timeout),
                },
            )
    print(table(work / "results.jsonl"))
    return 0


def _checkout(spec: str) -> tuple[str, Path]:
    name, sep, path = spec.partition("=")
    if not sep or not (Path(path) / "src" / "driftlab").is_dir():
        raise SystemExit(f"--checkout {spec!r}: expected NAME=PATH to a checkout with src/driftlab")
    return f"driftlab-{name}", Path(path).resolve()


def _rank(row: dict) -> tuple[int, float]:
    # Several runs of one tool: prefer those with a CPU time, then the fastest (the machine's
    # noise is one-sided).
    return (0 if "cpu_s" in row else 1, row.get("cpu_s", row.get("seconds", 1e18)))


def table(results: Path) -> str:
    """Markdown: per window size, each tool's best measurement and driftlab's ratios to it."""
    best: dict[tuple[int, str], dict] = {}
    for line in results.read_text().splitlines():
        row = json.loads(line)
        key = (row.get("rows"), row["tool"])
        if row.get("step") == "monitor" and (key not in best or _rank(row) < _rank(best[key])):
            best[key] = row
    lines = [
        "| rows | tool | seconds | CPU s | peak MiB | driftlab faster by (wall / CPU) | "
        "driftlab peak / tool's | drifted | load avg |",
        "|---:|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for (n, tool), row in sorted(best.items()):
        mine = best.get((n, "driftlab"), {})
        if "seconds" not in row or "peak_mib" not in row:
            why = row.get("skipped") or (
                f"timed out after {row['timeout']:.0f} s"
                if "timeout" in row
                else row.get("error", "?")[-200:]
            )
            lines.append(f"| {n:,} | {tool} | – | – | – | – | – | {why} | |")
            continue
        ratio = speed = "–"
        if tool != "driftlab" and "peak_mib" in mine:
            speed = f"{row['seconds'] / mine['seconds']:.1f}×"
            if "cpu_s" in row and "cpu_s" in mine:
                speed += f" / {row['cpu_s'] / mine['cpu_s']:.1f}×"
            ratio = f"{mine['peak_mib'] / row['peak_mib']:.2f}"
        cpu = f"{row['cpu_s']:.1f}" if "cpu_s" in row else "–"
        drifted = ", ".join((row.get("verdict") or {}).get("drifted", []))
        load = "/".join(f"{v:.1f}" for v in row.get("loadavg", []))
        lines.append(
            f"| {n:,} | {tool} | {row['seconds']:.1f} | {cpu} | {row['peak_mib']:.0f} | "
            f"{speed} | {ratio} | {drifted} | {load} |"
        )
    return "\n".join(lines)


# Keys of the monitor JSON that change from run to run without any verdict changing: ids,
# times, the service section's latencies (measured while `driftlab predict` logged) and the
# label lag (how long after logging `driftlab feedback` ran).
VOLATILE = {
    "run_id",
    "created_at",
    "window_start",
    "window_end",
    "latency_ms",
    "throughput_per_s",
    "label_lag",
}


def _stable(value: Any, parent: str = "") -> Any:
    if isinstance(value, dict):
        return {
            k: _stable(v, k)
            for k, v in sorted(value.items())
            if k not in VOLATILE and not (parent == "service" and k == "message")
        }
    if isinstance(value, list):
        return [_stable(v, parent) for v in value]
    return value


def compare_main(args: argparse.Namespace) -> int:
    work: Path = args.work.resolve()
    rows = [args.rows]
    prepare_data(work / "data", rows)
    checkout = dict([_checkout(args.checkout)]) if args.checkout else {"driftlab": REPO}
    ((tag, path),) = checkout.items()
    setup_driftlab(tag, path, work, rows, args.timeout)
    got = monitor_once(tag, path, work, args.rows, args.timeout)
    result = json.loads((work / tag / f"monitor-{args.rows}.json").read_text())
    args.out.write_text(json.dumps(_stable(result), indent=1, sort_keys=True) + "\n")
    print(
        f"{tag}: monitor --last {args.rows}: {got['seconds']:.1f} s, "
        f"{got['peak_mib']:.0f} MiB; verdicts -> {args.out}",
        file=sys.stderr,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    sub = parser.add_subparsers(dest="role", required=True)
    r = sub.add_parser("run", help="ingest through the CLI, then time monitor and the peers")
    r.add_argument("rows", type=int, nargs="+", help="window sizes, e.g. 100000 1000000")
    r.add_argument("--work", type=Path, required=True, help="data, stores and results.jsonl")
    r.add_argument(
        "--checkout",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="also run the driftlab side with this checkout's sources",
    )
    r.add_argument(
        "--no-current", action="store_true", help="run only the --checkout ones, not this one"
    )
    r.add_argument("--peers", nargs="*", default=list(PEERS), choices=PEERS)
    r.add_argument("--venvs", type=Path, default=HERE / ".venvs")
    r.add_argument("--timeout", type=float, default=3600.0, help="seconds per process")
    r.add_argument("--peer-max-rows", type=int, default=1_000_000)
    r.add_argument("--repeat", type=int, default=1, help="driftlab monitor runs per window")
    c = sub.add_parser("compare-json", help="monitor verdicts on a fixed seed, for diffing")
    c.add_argument("--work", type=Path, required=True)
    c.add_argument("--out", type=Path, required=True)
    c.add_argument("--rows", type=int, default=20_000)
    c.add_argument("--checkout", metavar="NAME=PATH", help="another checkout's sources")
    c.add_argument("--timeout", type=float, default=3600.0)
    t = sub.add_parser("report", help="the Markdown table of WORK/results.jsonl")
    t.add_argument("--work", type=Path, required=True)
    p = sub.add_parser("peer", help="(internal) one peer run, in the peer's venv")
    p.add_argument("--tool", choices=PEERS, required=True)
    p.add_argument("--work", type=Path, required=True)
    p.add_argument("--rows", type=int, required=True)
    p.add_argument("--all-rows", type=int, nargs="+", required=True)
    p.add_argument("--state", default="driftlab", help="whose predictions the peer reads")
    args = parser.parse_args(argv)
    if args.role == "run":
        return run_main(args)
    if args.role == "compare-json":
        return compare_main(args)
    if args.role == "report":
        print(table(args.work / "results.jsonl"))
        return 0
    return peer_main(args)


if __name__ == "__main__":
    sys.exit(main())
