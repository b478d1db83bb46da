"""Ingest and training overhead as a user meets them, each command a whole process.

Generates a seeded 20-feature binary task (scikit-learn's ``make_classification``), then per
checkout (this one and, with ``--before DIR``, an older one):

- ``driftlab train`` on ``--train-rows`` rows, against a bare fit of the same estimator plus
  an MLflow run that logs and registers it (``bare``: what training costs without driftlab);
- ``driftlab predict`` of ``--rows`` rows with logging to the store, on SQLite and on
  PostgreSQL (a fresh schema, dropped after);
- ``driftlab feedback`` of the same rows' labels.

Every step is timed as a whole process (imports, model load, reading the file included) and
checked afterwards: the store holds each prediction and label once. Prints rows/s and ratios.

    python bench/ingest.py --before /work/wt/before
    python bench/ingest.py --rows 50000 --stores sqlite --steps predict feedback
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

HERE = Path(__file__).resolve().parents[1]
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
FEATURES = [f"f{i:02d}" for i in range(20)]

BARE = """
import sys, time
import pandas as pd
from threadpoolctl import threadpool_limits
from sklearn.ensemble import HistGradientBoostingClassifier
import mlflow, mlflow.sklearn, skops.io
from mlflow.models import infer_signature
work = sys.argv[1]
frame = pd.read_csv(f"{work}/train.csv")
x, y = frame.drop(columns=["label"]), frame["label"].astype(str)
t0 = time.perf_counter()
with threadpool_limits(limits=1):  # driftlab's model.threads default
    model = HistGradientBoostingClassifier(random_state=0).fit(x, y)
fit_s = time.perf_counter() - t0
mlflow.set_tracking_uri(f"sqlite:///{work}/bare-mlflow.db")
mlflow.set_experiment("bare")
with mlflow.start_run():
    mlflow.log_params({"estimator": "hist_gradient_boosting", "n_rows": len(frame)})
    mlflow.log_metric("train_accuracy", float(model.score(x, y)))
    # skops, as driftlab stores models (MLflow's default refuses the unlisted tree type)
    trusted = skops.io.get_untrusted_types(data=skops.io.dumps(model))
    mlflow.sklearn.log_model(model, name="model", registered_model_name="bare",
                             skops_trusted_types=trusted,
                             signature=infer_signature(x.head(100), model.predict(x.head(100))))
print(fit_s)
"""


def generate(work: Path, rows: int, train_rows: int, seed: int) -> None:
    from sklearn.datasets import make_classification

    x, y = make_classification(
        n_samples=train_rows + rows, n_features=20, n_informative=10, n_redundant=4,
        flip_y=0.05, random_state=seed,
    )  # fmt: skip
    frame = pd.DataFrame(x.round(6), columns=FEATURES)
    label = np.where(y == 1, "yes", "no")
    frame.iloc[:train_rows].assign(label=label[:train_rows]).to_csv(work / "train.csv", index=False)
    ids = [f"req-{i:08d}" for i in range(rows)]
    frame.iloc[train_rows:].assign(row_id=ids).to_parquet(work / "batch.parquet", index=False)
    pd.DataFrame({"request_id": ids, "label": label[train_rows:]}).to_parquet(
        work / "labels.parquet", index=False
    )


def project_file(folder: Path, data: Path, store_url: str, mlflow_dir: Path) -> None:
    features = "".join(f'\n[[features]]\nname = "{f}"\nkind = "numeric"\n' for f in FEATURES)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "driftlab.toml").write_text(
        f'name = "ingest"\n\n[data]\npath = "{data}"\ntarget = "label"\n'
        f'task = "binary"\npositive_class = "yes"\n\n[store]\nurl = "{store_url}"\n\n'
        f'[mlflow]\ntracking_uri = "sqlite:///{mlflow_dir / "mlflow.db"}"\n'
        f'artifact_location = "{mlflow_dir / "mlartifacts"}"\n{features}'
    )


class Failed(Exception):
    """A step exited non-zero: reported in the table, the other steps still run."""


def run(checkout: Path, folder: Path, *args: str) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, this process and its children; a
    PostgreSQL server's own work is not counted) of one driftlab command."""
    env = dict(os.environ, PYTHONPATH=str(checkout / "src"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "driftlab", *args], cwd=folder, env=env, capture_output=True,
        text=True, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if out.returncode != 0:
        raise Failed(f"driftlab {args[0]} failed: {out.stderr.strip()[-300:]}")
    return seconds, cpu


def count(url: str) -> tuple[int, int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            preds = conn.execute(sa.text("SELECT count(*) FROM predictions")).scalar_one()
            labels = conn.execute(sa.text("SELECT count(*) FROM labels")).scalar_one()
    finally:
        engine.dispose()
    return int(preds), int(labels)


def pg_schema(url: str, name: str, create: bool) -> str:
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {name}" if create else f"DROP SCHEMA {name} CASCADE"))
    admin.dispose()
    return (
        sa.make_url(url)
        .update_query_dict({"options": f"-csearch_path={name}"})
        .render_as_string(hide_password=False)
    )


def bench_checkout(label: str, checkout: Path, work: Path, args: argparse.Namespace) -> dict:
    results: dict = {"checkout": label}
    mlflow_dir = work / label / "mlflow"
    mlflow_dir.mkdir(parents=True, exist_ok=True)
    trained = False
    for store in args.stores:
        folder = work / label / store
        schema = None
        if store == "sqlite":
            url = f"sqlite:///{folder / 'driftlab.db'}"
        else:
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            url = pg_schema(args.postgres_url, schema, create=True)
        project_file(folder, work / "train.csv", url, mlflow_dir)
        try:
            if not trained:
                seconds, cpu = run(checkout, folder, "train", "--json")
                trained = True
                if "train" in args.steps:
                    results["train_s"], results["train_cpu"] = seconds, cpu
                    print(f"  {label}: driftlab train {args.train_rows:,} rows: {seconds:.1f} s "
                          f"(CPU {cpu:.1f} s)")  # fmt: skip
            for step in ("predict", "feedback"):
                if step not in args.steps:
                    continue
                cmd = (
                    ["predict", str(work / "batch.parquet"), "--id-column", "row_id",
                     "--out", str(folder / "scored.parquet"), "--json"]
                    if step == "predict"
                    else ["feedback", str(work / "labels.parquet"), "--json"]
                )  # fmt: skip
                try:
                    seconds, cpu = run(checkout, folder, *cmd)
                except Failed as e:
                    results[f"{step}_{store}_s"] = str(e)
                    print(f"  {label}: {e}")
                    continue
                results[f"{step}_{store}_s"], results[f"{step}_{store}_cpu"] = seconds, cpu
                print(f"  {label}: driftlab {step} on {store}: {seconds:.1f} s "
                      f"({args.rows / seconds:,.0f} rows/s; CPU {cpu:.1f} s)")  # fmt: skip
            preds, labels = count(url)
            results[f"stored_{store}"] = [preds, labels]
            want_labels = args.rows if "feedback" in args.steps else 0
            if preds != args.rows or labels != want_labels:
                print(f"  {label}/{store}: stored {preds} predictions and {labels} labels, "
                      f"expected {args.rows} and {want_labels}")  # fmt: skip
        finally:
            if schema is not None:
                pg_schema(args.postgres_url, schema, create=False)
    return results


def bare(work: Path) -> tuple[float, float, float]:
    """Wall and CPU seconds of the bare fit + MLflow process, and of its fit alone."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", BARE, str(work)], capture_output=True, text=True,
                         check=True)  # fmt: skip
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu, float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000, help="rows predicted and labeled")
    parser.add_argument("--train-rows", type=int, default=50_000)
    parser.add_argument("--before", type=Path, help="an older checkout to compare with")
    parser.add_argument("--postgres-url", default=os.environ.get("DRIFTLAB_BENCH_POSTGRES_URL",
                                                                 PG_URL))  # fmt: skip
    parser.add_argument("--stores", nargs="+", default=["sqlite", "postgresql"],
                        choices=["sqlite", "postgresql"])  # fmt: skip
    parser.add_argument("--steps", nargs="+", default=["train", "predict", "feedback"],
                        choices=["train", "predict", "feedback"])  # fmt: skip
    parser.add_argument("--workdir", type=Path, help="keep the files here (default: a temp dir)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="driftlab-ingest-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"work folder {work}; load average {os.getloadavg()}")
    generate(work, args.rows, args.train_rows, args.seed)
    checkouts = {"now": HERE} | ({"before": args.before.resolve()} if args.before else {})
    results = [bench_checkout(name, path, work, args) for name, path in checkouts.items()]
    if "train" in args.steps:
        bare_s, bare_cpu, fit_s = bare(work)
        print(f"  bare fit + MLflow log and register: {bare_s:.1f} s (CPU {bare_cpu:.1f} s; "
              f"fit alone {fit_s:.1f} s)")  # fmt: skip
        for r in results:
            r["bare_s"], r["bare_cpu"], r["bare_fit_s"] = bare_s, bare_cpu, fit_s
    print(f"\nload average {os.getloadavg()}")
    print("| step | " + " | ".join(r["checkout"] for r in results) + " |")
    print("|---|" + "---:|" * len(results))
    steps = [k.removesuffix("_s") for k in results[0] if k.endswith("_s") and k != "bare_s"]
    for step in steps:
        cells = []
        for r in results:
            wall, cpu = r.get(f"{step}_s"), r.get(f"{step}_cpu")
            if wall is None:
                cells.append("–")
            elif isinstance(wall, str):
                cells.append("failed: " + wall.splitlines()[-1][:80])
            elif step.startswith(("predict", "feedback")):
                cells.append(f"{wall:.1f} s, CPU {cpu:.1f} s ({args.rows / wall:,.0f} rows/s)")
            elif step == "train":
                cells.append(f"{wall:.1f} s ({wall / r['bare_s']:.1f}× bare), CPU {cpu:.1f} s")
            else:
                cells.append(f"{wall:.1f} s")
        print(f"| {step} | " + " | ".join(cells) + " |")
    if "bare_s" in results[0]:
        print(f"| bare fit + MLflow | {results[0]['bare_s']:.1f} s | |")
    print(json.dumps(results))
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
