"""``driftlab train``."""

from __future__ import annotations

from typing import Annotated

import typer

from driftlab import compose
from driftlab.cli.options import (
    DEFAULT_CONFIG,
    ConfigOpt,
    JsonOpt,
    VerboseOpt,
    console,
    emit_json,
    err_console,
    setup_logging,
    spinner,
)

__all__ = ["train"]


def train(
    config: ConfigOpt = DEFAULT_CONFIG,
    champion: Annotated[
        bool, typer.Option("--champion", help="Make this version champion even if one exists.")
    ] = False,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Train the project's model, track it in MLflow, register a version with its reference
    profile. The first version becomes champion."""
    from driftlab.jobs import train_job

    setup_logging(err_console, verbose)
    p = compose.project(config)
    with spinner("Training and registering...", quiet=as_json):
        out = train_job(p, compose.open_registry(p), make_champion=champion)
    if as_json:
        emit_json({"model": p.model_name, **out.__dict__})
        return
    role = "champion" if out.champion else "registered (champion unchanged)"
    console.print(f"[bold]{p.model_name}[/] version [bold]{out.version}[/] {role}")
    console.print(
        "Holdout: "
        + ", ".join(f"{k} {v:.3f}" for k, v in out.metrics.items())
        + f" · {out.n_rows} rows · data sha256 {out.dataset_sha256[:12]}"
    )
