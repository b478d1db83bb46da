"""``driftlab retrain``."""

from __future__ import annotations

import typer

from driftlab import compose
from driftlab.cli.options import (
    DEFAULT_CONFIG,
    EXIT_FOUND,
    ConfigOpt,
    JsonOpt,
    VerboseOpt,
    console,
    emit_json,
    err_console,
    setup_logging,
    spinner,
)

__all__ = ["retrain"]


def retrain(
    config: ConfigOpt = DEFAULT_CONFIG,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Train a challenger on the training data plus labeled production rows, compare it with the
    champion on the newest labeled rows, promote if better. Exit code 1 when not promoted."""
    from driftlab.cli.render import print_decision
    from driftlab.retrain import retrain as retrain_loop
    from driftlab.train import load_dataset

    setup_logging(err_console, verbose)
    p = compose.project(config)
    with spinner("Training challenger...", quiet=as_json):
        decision = retrain_loop(p, compose.open_store(p), compose.open_registry(p), load_dataset(p))
    if as_json:
        emit_json(decision.to_dict())
    else:
        print_decision(console, decision)
    if not decision.promoted:
        raise typer.Exit(EXIT_FOUND)
