"""The ``driftlab`` command. Each command parses arguments, calls one library function,
prints a readable summary (or JSON with --json) and exits with a meaningful code:

0 success · 1 the run found something (alerts fired, challenger not promoted) ·
2 usage or configuration error · 3 the operation failed (store, registry, data).

This module only assembles the app from one module per stage. Those modules import their
heavy dependencies (MLflow, FastAPI, pandas, the monitoring core) inside the commands, so
``driftlab --help`` and ``driftlab version`` start without them.
"""

from __future__ import annotations

import sys
import traceback

import typer

from driftlab import __version__
from driftlab.cli.db import db_app
from driftlab.cli.demo import demo
from driftlab.cli.monitor import audit, models, monitor, runs
from driftlab.cli.options import EXIT_FAILED, EXIT_USAGE, console, err_console
from driftlab.cli.predict import feedback, predict
from driftlab.cli.report import report
from driftlab.cli.retrain import retrain
from driftlab.cli.serve import dashboard, export_onnx, serve
from driftlab.cli.train import train
from driftlab.errors import ConfigError, DriftlabError
from driftlab.redact import safe_url

__all__ = ["app", "main"]

app = typer.Typer(
    name="driftlab",
    help="Keep a deployed model accurate: train, serve, log, monitor, alert, retrain, report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Docstrings wrap at 100 columns; markdown mode joins their lines into paragraphs.
    rich_markup_mode="markdown",
)


def version() -> None:
    """Print driftlab's version."""
    console.print(__version__)


# The order of --help: the loop's stages first, then reading back, then tooling.
for _command in (train, serve, export_onnx, predict, monitor, retrain, report, dashboard,
                feedback, audit, runs, models, demo, version):  # fmt: skip
    app.command(_command.__name__.replace("_", "-"))(_command)
app.add_typer(db_app, name="db")


def main() -> None:
    try:
        app()
    except ConfigError as e:
        err_console.print(f"[bold red]Configuration error:[/] {safe_url(str(e))}", soft_wrap=True)
        sys.exit(EXIT_USAGE)
    except DriftlabError as e:
        err_console.print(f"[bold red]Error:[/] {safe_url(str(e))}", soft_wrap=True)
        sys.exit(EXIT_FAILED)
    except Exception:
        # A bug, not a finding: show it, and never exit 1 (which means "alerts fired").
        # The plain trace, masked: an exception's text may quote a URL with its password.
        sys.stderr.write(safe_url(traceback.format_exc()))
        err_console.print("[bold red]Unexpected error[/]; please report it with the trace above.")
        sys.exit(EXIT_FAILED)
