"""``driftlab demo``: the whole loop on a built-in scenario, shown with the CLI's tables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from driftlab.cli.options import VerboseOpt, console, err_console, setup_logging

__all__ = ["demo"]


def demo(
    workdir: Annotated[
        Path, typer.Option(help="Where the demo writes its project, stores and report.")
    ] = Path("driftlab-demo"),
    scenario: Annotated[
        str, typer.Option(help="Built-in scenario: ames (more in `driftlab.scenarios`).")
    ] = "ames",
    verbose: VerboseOpt = False,
) -> None:
    """Run the whole loop on the Ames housing data: train, serve, traffic, labels, monitor,
    alert, retrain, promote, report. Starts from a fresh working directory each time."""
    from driftlab.cli.render import print_decision, print_result
    from driftlab.demo import Printers, run_demo

    setup_logging(err_console, verbose)
    run_demo(workdir, console, scenario, printers=Printers(print_result, print_decision))
