"""Serving benchmark: the same model served several ways, loaded over 127.0.0.1.

Variants (one server process each, one worker, started and stopped by this script):

- ``bare``: a minimal FastAPI + scikit-learn app: no validation, no logging, no metrics.
  The floor any serving layer is measured against.
- ``driftlab-sqlite``: ``driftlab serve`` (ONNX Runtime, SQLite prediction store).
- ``driftlab-sqlite-sklearn``: the same with ``serve.onnx = false``.
- ``driftlab-postgres``: ``driftlab serve`` on PostgreSQL (ONNX on); skipped when the
  server in ``--postgres-url`` cannot be reached. A fresh database is created and dropped.
- ``mlflow``: ``mlflow models serve --env-manager local`` on the registered MLflow model.

Load comes from ``wrk`` (apt-get install wrk) at each ``--concurrency``; without it, from a
small asyncio client in this script (a lower ceiling: say which in the results). For each run:
requests/s, p50 and p99 latency, errors (transport errors and non-2xx answers), and the
server's CPU time per request (utime + stime of its process tree, from /proc). Then the
batch path: 1,000 records per request, rows/s, against the in-process scikit-learn (and ONNX)
floor on the same 1,000 rows, counted both when answered and when stored (after the run,
until driftlab's log has reached the database).

    python bench/serving.py --quick            # ~3 s per run: checks that everything works
    python bench/serving.py                    # 15 s per run, concurrency 1, 16, 64
    python bench/serving.py --rounds 3 --duration 10   # medians of 3 interleaved rounds

Results are printed as Markdown and appended as JSON lines to ``bench/results/``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# At module level: the bare app's route annotations are resolved from the module's globals.
from fastapi import Request

HERE = Path(__file__).resolve().parent
VENV_BIN = str(Path(sys.executable).parent)
BATCH = 1000
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("%s", "rb"); wrk.body = f:read("*a"); f:close()
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %%d, "duration_s": %%f, "p50_ms": %%f, "p99_ms": %%f, "errors": %%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3, e.connect + e.read + e.write + e.timeout + e.status))
end
"""


# -- the bare app (run by this script as a subprocess: ``serving.py _bare``) ----------------
def bare_app(project_file: Path, port: int) -> None:
    """FastAPI + scikit-learn with nothing else: the serving floor."""
    import pandas as pd
    import uvicorn
    from fastapi import FastAPI
    from threadpoolctl import threadpool_limits

    from driftlab import compose
    from driftlab.registry import CHAMPION

    threadpool_limits(limits=1)  # as driftlab's serve.threads = 1: a fair comparison
    p = compose.project(project_file)
    registry = compose.open_registry(p)
    bundle = registry.load(p.model_name, registry.alias_version(p.model_name, CHAMPION) or "1")
    pipeline, columns = bundle.pipeline, [f.name for f in bundle.info.input_features]
    classes = [str(c) for c in pipeline.classes_]
    app = FastAPI()

    @app.post("/predict")
    async def predict(request: Request) -> dict[str, Any]:
        body = await request.json()
        rows = body if isinstance(body, list) else [body]
        proba = pipeline.predict_proba(pd.DataFrame.from_records(rows, columns=columns))
        return {"predictions": [classes[i] for i in proba.argmax(axis=1)]}

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


# -- servers -----------------------------------------------------------------------------
@dataclass
class Variant:
    name: str
    cmd: list[str]
    path: str  # the scoring route
    wrap: str | None = None  # JSON key the records go under (MLflow: dataframe_records)
    env: dict[str, str] = field(default_factory=dict)
    note: str = ""
    logs: bool = False  # driftlab: logs every prediction (its /health shows the backlog)

    def body(self, records: list[dict[str, Any]], single: bool) -> bytes:
        payload: Any = records[0] if single and self.wrap is None else records
        if self.wrap is not None:
            payload = {self.wrap: records}
        return json.dumps(payload).encode()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tree_cpu_s(pid: int) -> float:
    """utime + stime (seconds) of a process and all its descendants."""
    total, todo = 0.0, [pid]
    tick = os.sysconf("SC_CLK_TCK")
    while todo:
        p = todo.pop()
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
    return total


@contextlib.contextmanager
def running(variant: Variant, port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, **variant.env, "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}"}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [part.replace("{port}", str(port)) for part in variant.cmd],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            _wait_ready(proc, port, variant, log)
            yield proc
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _wait_ready(proc: subprocess.Popen[bytes], port: int, variant: Variant, log: Path) -> None:
    import httpx

    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{variant.name} exited:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.TransportError):
            resp = httpx.post(
                f"http://127.0.0.1:{port}{variant.path}",
                content=variant.body(_RECORDS[:1], single=True),
                headers={"content-type": "application/json"},
                timeout=10,
            )
            if resp.status_code == 200:
                return
        time.sleep(0.25)
    raise RuntimeError(f"{variant.name} did not answer within 180 s:\n{log.read_text()[-3000:]}")


# -- load --------------------------------------------------------------------------------
def load_wrk(url: str, body: bytes, conns: int, seconds: float, tmp: Path) -> dict[str, Any]:
    body_file = tmp / f"body-{len(body)}.json"
    body_file.write_bytes(body)
    script = tmp / "post.lua"
    script.write_text(WRK_SCRIPT % body_file)
    threads = str(min(conns, 2))
    duration = f"{max(1, round(seconds))}s"  # wrk takes whole seconds only
    out = subprocess.run(
        ["wrk", "-t", threads, "-c", str(conns), "-d", duration, "--timeout", "10s",
         "-s", str(script), url],
        capture_output=True, text=True, check=True, timeout=seconds + 60,
    )  # fmt: skip
    line = [x for x in out.stdout.splitlines() if x.startswith("{")][-1]
    r = json.loads(line)
    r["rps"] = r["requests"] / r["duration_s"]
    return r


async def _load_async(url: str, body: bytes, conns: int, seconds: float) -> dict[str, Any]:
    import httpx

    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=conns, max_keepalive_connections=conns)
    headers = {"content-type": "application/json"}
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:
        end = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < end:
                t0 = time.perf_counter()
                try:
                    resp = await client.post(url, content=body, headers=headers)
                    ok = resp.status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - t0)
                errors += not ok

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(conns)))
        took = time.perf_counter() - start
    latencies.sort()
    n = len(latencies)
    return {
        "requests": n, "duration_s": took, "rps": n / took, "errors": errors,
        "p50_ms": latencies[n // 2] * 1e3 if n else float("nan"),
        "p99_ms": latencies[min(n - 1, int(n * 0.99))] * 1e3 if n else float("nan"),
    }  # fmt: skip


def drain_tail_s(base: str, timeout_s: float = 120.0) -> float:
    """Seconds until driftlab's /health shows no prediction records waiting for the store."""
    import httpx

    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if httpx.get(f"{base}/health", timeout=10).json()["pending_log_records"] == 0:
            return time.monotonic() - started
        time.sleep(0.05)
    raise RuntimeError(f"the log did not reach the store within {timeout_s:.0f} s")


def load(url: str, body: bytes, conns: int, seconds: float, tmp: Path) -> dict[str, Any]:
    if shutil.which("wrk"):
        return {**load_wrk(url, body, conns, seconds, tmp), "client": "wrk"}
    return {**asyncio.run(_load_async(url, body, conns, seconds)), "client": "httpx"}


# -- setup -------------------------------------------------------------------------------
_RECORDS: list[dict[str, Any]] = []


def prepare_project(work: Path) -> dict[str, Path]:
    """The Ames demo project, trained and registered; TOML variants for ONNX off."""
    from driftlab.scenarios import prepare
    from driftlab.scenarios.ames import TARGET

    ames = prepare(work)
    text = ames.project_file.read_text().replace(
        "reload_interval_s = 1.0", "reload_interval_s = 5.0"
    )
    ames.project_file.write_text(text)
    sklearn_file = work / "driftlab-sklearn.toml"
    sklearn_file.write_text(text.replace("[serve]\n", "[serve]\nonnx = false\n"))
    subprocess.run([sys.executable, "-m", "driftlab", "train", "-c", str(ames.project_file)],
                   check=True, capture_output=True)  # fmt: skip
    rows = ames.normal.drop(columns=[TARGET]).head(BATCH)  # repeated up to BATCH when fewer
    records = [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
        for r in rows.to_dict(orient="records")
    ]
    _RECORDS[:] = [{k: (None if v != v else v) for k, v in r.items()} for r in records]
    return {"onnx": ames.project_file, "sklearn": sklearn_file}


def _batch_rows(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return (records * (BATCH // max(len(records), 1) + 1))[:BATCH]


@contextlib.contextmanager
def postgres_database(base_url: str) -> Iterator[str | None]:
    """A fresh database on the server of ``base_url``, dropped afterwards; None if unreachable."""
    try:
        import psycopg
    except ImportError:
        yield None
        return
    name = f"driftlab_bench_{os.getpid()}"
    dsn = base_url.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"CREATE DATABASE {name}")
    except psycopg.Error as e:
        print(f"PostgreSQL variant skipped: {e}", file=sys.stderr)
        yield None
        return
    try:
        yield base_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def variants(files: dict[str, Path], work: Path, pg_url: str | None) -> list[Variant]:
    py = sys.executable
    serve = [py, "-m", "driftlab", "serve", "--port", "{port}", "-c"]
    out = [
        Variant("bare", [py, __file__, "_bare", str(files["onnx"]), "{port}"], "/predict"),
        Variant("driftlab-sqlite", [*serve, str(files["onnx"])], "/v1/predict", logs=True),
        Variant("driftlab-sqlite-sklearn", [*serve, str(files["sklearn"])], "/v1/predict",
                logs=True),
    ]  # fmt: skip
    if pg_url is not None:
        out.append(Variant("driftlab-postgres", [*serve, str(files["onnx"])], "/v1/predict",
                           env={"DRIFTLAB_STORE_URL": pg_url}, logs=True))  # fmt: skip
    out.append(
        Variant(
            "mlflow",
            [
                shutil.which("mlflow", path=VENV_BIN) or "mlflow",
                "models",
                "serve",
                "-m",
                "models:/ames-housing/1",
                "--env-manager",
                "local",
                "-w",
                "1",
                "-h",
                "127.0.0.1",
                "-p",
                "{port}",
            ],
            "/invocations",
            wrap="dataframe_records",
            env={"MLFLOW_TRACKING_URI": f"sqlite:///{work / 'mlflow.db'}"},
            note="labels only (pyfunc predict), no logging",
        )
    )
    return out


def in_process_floor(project_file: Path) -> dict[str, float]:
    """Rows/s of predict_proba on 1,000 rows in this process (scikit-learn and ONNX)."""
    from threadpoolctl import threadpool_limits

    from driftlab import compose
    from driftlab.onnx_engine import compile_bundle

    p = compose.project(project_file)
    bundle = compose.open_registry(p).load(p.model_name, "1")
    rows = _batch_rows(_RECORDS)
    frame = bundle.model_frame(rows)
    compiled = compile_bundle(bundle).model
    out = {}
    with threadpool_limits(limits=1):
        runs = {
            "sklearn": lambda: bundle.pipeline.predict_proba(frame),
            "sklearn+frame": lambda: bundle.predict(rows),
            "onnx": lambda: compiled.predict(rows) if compiled else None,
        }
        for name, fn in runs.items():
            best = min(_timed(fn) for _ in range(5))
            out[name] = BATCH / best
    return out


def _timed(fn: Any) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


# -- report ------------------------------------------------------------------------------
def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _span(ratios: list[float]) -> str:
    """Median ratio, and the range over rounds when there were several."""
    if not ratios:
        return "n/a"
    med = f"{_median(ratios):.2f}×"
    return med if len(ratios) == 1 else f"{med} ({min(ratios):.2f}–{max(ratios):.2f})"


def table(
    results: list[dict[str, Any]], batch: list[dict[str, Any]], floors: list[dict[str, float]]
) -> str:
    """Medians over rounds; each ratio is taken within its round (the bare app and the floor
    measured minutes apart, not hours), then its median and range are shown."""
    bare = {(r["round"], r["concurrency"]): r["rps"] for r in results if r["variant"] == "bare"}
    lines = [
        "| variant | concurrency | req/s | p50 ms | p99 ms | errors | server CPU ms/req | "
        "req/s vs bare | p99 vs bare |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    bare_p99 = {(r["round"], r["concurrency"]): r["p99_ms"]
                for r in results if r["variant"] == "bare"}  # fmt: skip
    keys = list(dict.fromkeys((r["variant"], r["concurrency"]) for r in results))
    for name, conns in keys:
        runs = [r for r in results if (r["variant"], r["concurrency"]) == (name, conns)]
        ratio = [r["rps"] / bare[(r["round"], conns)] for r in runs if (r["round"], conns) in bare]
        p99 = [r["p99_ms"] / bare_p99[(r["round"], conns)]
               for r in runs if (r["round"], conns) in bare_p99]  # fmt: skip
        lines.append(
            f"| {name} | {conns} | {_median([r['rps'] for r in runs]):,.0f} | "
            f"{_median([r['p50_ms'] for r in runs]):.2f} | "
            f"{_median([r['p99_ms'] for r in runs]):.2f} | {sum(r['errors'] for r in runs)} | "
            f"{_median([r['cpu_ms_per_req'] for r in runs]):.2f} | {_span(ratio)} | {_span(p99)} |"
        )
    lines += ["", f"| batch of {BATCH} records per request | rows/s answered | "
              "vs in-process sklearn | rows/s stored (until the log drained) | vs in-process "
              "sklearn |", "|---|---:|---:|---:|---:|"]  # fmt: skip
    for name in floors[0]:
        rates = [f[name] for f in floors]
        ratio = [f[name] / f["sklearn"] for f in floors]
        lines.append(f"| in-process {name} (floor) | {_median(rates):,.0f} | {_span(ratio)} | | |")
    for name in dict.fromkeys(b["variant"] for b in batch):
        runs = [b for b in batch if b["variant"] == name]
        answered = [b["rows_per_s"] / floors[b["round"]]["sklearn"] for b in runs]
        stored = [b["stored_rows_per_s"] / floors[b["round"]]["sklearn"] for b in runs]
        lines.append(
            f"| {name} | {_median([b['rows_per_s'] for b in runs]):,.0f} | {_span(answered)} | "
            f"{_median([b['stored_rows_per_s'] for b in runs]):,.0f} | {_span(stored)} |"
        )
    return "\n".join(lines)


def run_variant(
    v: Variant, work: Path, seconds: float, concurrency: list[int], quick: bool, stamp: dict
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One server of this variant: single-record runs at each concurrency, then the batch."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}{v.path}"
    print(f"{v.name} (round {stamp['round'] + 1}): starting", file=sys.stderr)
    results = []
    with running(v, port, work / f"{v.name}.log") as proc:
        one = v.body(_RECORDS[:1], single=True)
        load(url, one, 4, 1.0 if quick else 3.0, work)  # warm-up
        for conns in concurrency:
            cpu0 = _tree_cpu_s(proc.pid)
            r = load(url, one, conns, seconds, work)
            cpu = _tree_cpu_s(proc.pid) - cpu0
            r.update(variant=v.name, concurrency=conns, note=v.note,
                     cpu_ms_per_req=cpu / max(r["requests"], 1) * 1e3, **stamp)  # fmt: skip
            results.append(r)
            summary = (f"  c={conns}: {r['rps']:,.0f} req/s, p50 {r['p50_ms']:.2f} ms, "
                       f"p99 {r['p99_ms']:.2f} ms, errors {r['errors']}")  # fmt: skip
            print(summary, file=sys.stderr)
        rows = _batch_rows(_RECORDS)
        r = load(url, v.body(rows, single=False), 1, seconds, work)
        # Answered is not stored: wait for the log to reach the database, so a drainer that
        # falls behind shows as a lower stored rate.
        tail = drain_tail_s(f"http://127.0.0.1:{port}") if v.logs else 0.0
    answered = r["rps"] * BATCH
    batch = {"variant": v.name, "rows_per_s": answered,
             "stored_rows_per_s": answered * r["duration_s"] / (r["duration_s"] + tail),
             "drain_tail_s": tail, "errors": r["errors"], "batch": BATCH, **stamp}  # fmt: skip
    print(f"  batch: {answered:,.0f} rows/s answered, stored {tail:.1f} s later", file=sys.stderr)
    return results, batch


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_bare":
        bare_app(Path(sys.argv[2]), int(sys.argv[3]))
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="3 s per run (a smoke check)")
    ap.add_argument("--duration", type=float, default=15.0, help="seconds per load run")
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 16, 64])
    ap.add_argument("--variants", nargs="+", help="only these variants (default: all)")
    ap.add_argument(
        "--rounds", type=int, default=1,
        help="run every variant this many times, interleaved; report medians and, per ratio, "
        "its range over rounds (this machine's speed drifts by ±20%% over minutes)",
    )  # fmt: skip
    ap.add_argument("--postgres-url", default=os.environ.get("DRIFTLAB_BENCH_POSTGRES", POSTGRES))
    ap.add_argument("--workdir", type=Path, help="keep the project and logs here")
    ap.add_argument(
        "--out", type=Path, default=HERE / "results" / f"serving-{datetime.now(UTC):%Y-%m-%d}.jsonl"
    )
    args = ap.parse_args()
    seconds = 3.0 if args.quick else args.duration
    work = args.workdir or Path(tempfile.mkdtemp(prefix="driftlab-bench-serving-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"project and logs in {work}; {seconds:g} s per run", file=sys.stderr)
    files = prepare_project(work)
    results: list[dict[str, Any]] = []
    batch: list[dict[str, Any]] = []
    floors: list[dict[str, float]] = []
    started = datetime.now(UTC).isoformat(timespec="seconds")
    with postgres_database(args.postgres_url) as pg_url:
        chosen = [v for v in variants(files, work, pg_url)
                  if not args.variants or v.name in args.variants]  # fmt: skip
        for n in range(args.rounds):
            stamp = {"ts": started, "round": n, "quick": args.quick, "cpus": os.cpu_count(),
                     "load_avg_1m": os.getloadavg()[0]}  # fmt: skip
            floors.append(in_process_floor(files["onnx"]))  # no server running meanwhile
            for v in chosen:
                got, one_batch = run_variant(v, work, seconds, args.concurrency, args.quick, stamp)
                results += got
                batch.append(one_batch)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("a") as f:
        for r in results + batch:
            f.write(json.dumps(r) + "\n")
        for n, floor in enumerate(floors):
            f.write(json.dumps({"floor_rows_per_s": floor, "ts": started, "round": n}) + "\n")
    print(table(results, batch, floors))


if __name__ == "__main__":
    main()
