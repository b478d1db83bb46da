"""The commands that feed the store from files: ``driftlab predict`` (a batch prediction job)
and ``driftlab feedback`` (late labels)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from driftlab import compose
from driftlab.cli.engine import Engine, EngineOpt, SparkConfOpt, SparkMasterOpt
from driftlab.cli.options import (
    DEFAULT_CONFIG,
    ConfigOpt,
    JsonOpt,
    VerboseOpt,
    console,
    emit_json,
    err_console,
    setup_logging,
)
from driftlab.errors import ConfigError

if TYPE_CHECKING:
    from driftlab.config import Project

__all__ = ["feedback", "predict"]


def predict(
    source: Annotated[
        Path,
        typer.Argument(
            help="Input rows, CSV or Parquet (with --engine spark: Parquet file or folder, or "
            "a table name)."
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "--output",
            "-o",
            help="Where to write predictions (.csv or .parquet; with --engine spark a Parquet "
            "folder of part files).",
        ),
    ],
    config: ConfigOpt = DEFAULT_CONFIG,
    id_column: Annotated[
        str | None,
        typer.Option(
            "--id-column",
            help="Column holding each row's request id (labels join by it; re-runs add no "
            "duplicate logs). Default: a new id per row.",
        ),
    ] = None,
    version: Annotated[
        str | None, typer.Option(help="Model version to use (default: the champion).")
    ] = None,
    log: Annotated[
        bool | None,
        typer.Option(
            "--log/--no-log",
            help="Log predictions to the store for monitoring (default: yes; --engine spark "
            "only writes the output).",
        ),
    ] = None,
    chunk_rows: Annotated[int, typer.Option(min=1, help="Rows scored per chunk.")] = 20_000,
    engine: EngineOpt = Engine.local,
    onnx: Annotated[
        bool,
        typer.Option(
            "--onnx/--no-onnx",
            help="--engine spark: score with ONNX Runtime when the model's ONNX export passes "
            "its parity check (else scikit-learn).",
        ),
    ] = True,
    spark_master: SparkMasterOpt = None,
    spark_conf: SparkConfOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Batch prediction job: score a file with a registered version, write predictions in
    input order, and log them like API predictions so monitoring and late labels see them."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from driftlab.batch import count_rows, predict_file

    setup_logging(err_console, verbose)
    p = compose.project(config)
    if engine is Engine.spark:
        _predict_spark(p, source, out, id_column, version, log, onnx, spark_master,
                       spark_conf or [], as_json)  # fmt: skip
        return
    log = True if log is None else log
    store = compose.open_store(p) if log else None
    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=as_json,
    )
    with progress:
        task = progress.add_task(
            "Scoring rows", total=count_rows(source) if source.is_file() else None
        )
        outcome = predict_file(
            p,
            compose.open_registry(p),
            source,
            out,
            store=store,
            id_column=id_column,
            version=version,
            chunk_rows=chunk_rows,
            progress=lambda n: progress.advance(task, n),
        )
    if as_json:
        emit_json({**outcome.__dict__, "rows_per_s": round(outcome.rows_per_s, 1)})
        return
    console.print(
        f"Scored [bold]{outcome.rows:,}[/] rows with {p.model_name} version "
        f"{outcome.model_version} in {outcome.seconds:.1f} s ({outcome.rows_per_s:,.0f} rows/s) "
        f"→ [bold]{outcome.output}[/]"
    )
    if log:
        console.print(f"Logged {outcome.logged:,} new predictions to the store.")


def _predict_spark(
    p: Project,
    source: Path,
    out: Path,
    id_column: str | None,
    version: str | None,
    log: bool | None,
    onnx: bool,
    master: str | None,
    conf: list[str],
    as_json: bool,
) -> None:
    if log:
        raise ConfigError(
            "--engine spark writes predictions to --out only; drop --log (score with the "
            "default engine to log them, or load the output with request ids)"
        )
    from driftlab.spark.predict import predict_spark
    from driftlab.spark.session import parse_conf

    outcome = predict_spark(p, compose.open_registry(p), str(source), str(out), version=version,
                            id_column=id_column, onnx=onnx, master=master,
                            conf=parse_conf(conf))  # fmt: skip
    if as_json:
        emit_json(outcome.__dict__)
        return
    why = f" ({outcome.onnx_reason})" if outcome.onnx_reason else ""
    console.print(
        f"Scored [bold]{outcome.rows:,}[/] rows on Spark with {p.model_name} version "
        f"{outcome.model_version} ({outcome.engine}{why}) in {outcome.seconds:.1f} s "
        f"→ [bold]{outcome.output}[/]"
    )


def feedback(
    file: Annotated[Path, typer.Argument(help="CSV or Parquet with request_id and label.")],
    config: ConfigOpt = DEFAULT_CONFIG,
    chunk_rows: Annotated[
        int, typer.Option(min=1, help="Labels read per chunk (all load in one transaction).")
    ] = 50_000,
    as_json: JsonOpt = False,
) -> None:
    """Load late ground-truth labels from a file, joined to predictions by request_id. The
    file loads whole or not at all: a bad line or an unknown request id loads nothing."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from driftlab.feedback import count_labels, load_label_file

    p = compose.project(config)
    store = compose.open_store(p)
    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=as_json,
    )
    with progress:
        task = progress.add_task("Loading labels", total=count_labels(file))
        out = load_label_file(
            file, p, store, chunk_rows=chunk_rows, progress=lambda n: progress.advance(task, n)
        )
    if as_json:
        emit_json({"accepted": out.accepted, "new": out.new, "changed": out.changed,
                   "unchanged": out.unchanged})  # fmt: skip
    else:
        console.print(
            f"Accepted {out.accepted} labels from {file}: {out.new} new, {out.changed} changed, "
            f"{out.unchanged} already known"
        )
