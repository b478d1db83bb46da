"""``driftlab db``: the store's schema revision, and migrating it as a deployment step."""

from __future__ import annotations

import typer

from driftlab import compose
from driftlab.cli.options import DEFAULT_CONFIG, EXIT_FOUND, ConfigOpt, JsonOpt, console, emit_json

__all__ = ["db_app"]

db_app = typer.Typer(
    help="The store's schema: show its migration revision, or migrate it explicitly.",
    no_args_is_help=True,
)


@db_app.command("upgrade")
def db_upgrade(config: ConfigOpt = DEFAULT_CONFIG, as_json: JsonOpt = False) -> None:
    """Migrate the store (store.url) to the newest schema. Safe to run again; 'serve' and the
    other commands do the same on start, this runs it as a separate deployment step."""
    from driftlab.store import migrate

    p = compose.project(config)
    store = compose.open_store(p, create=False)
    out = migrate.upgrade(store.engine)
    if as_json:
        emit_json(out.__dict__)
        return
    if out.before == out.after:
        console.print(f"Store schema already at {out.after} (newest)")
    else:
        adopted = " (tables made before migrations: stamped 0001_initial)" if out.stamped else ""
        console.print(f"Store schema migrated: {out.before or '(empty)'} -> {out.after}{adopted}")


@db_app.command("current")
def db_current(config: ConfigOpt = DEFAULT_CONFIG, as_json: JsonOpt = False) -> None:
    """Print the store's schema revision and the newest this driftlab knows; exit 1 when
    they differ (run 'driftlab db upgrade')."""
    from driftlab.store import migrate

    p = compose.project(config)
    store = compose.open_store(p, create=False)
    current, head = migrate.current_revision(store.engine), migrate.head_revision()
    if as_json:
        emit_json({"current": current, "head": head, "up_to_date": current == head})
    else:
        state = "up to date" if current == head else "run 'driftlab db upgrade'"
        console.print(f"Store schema: {current or '(none)'} · newest: {head} · {state}")
    if current != head:
        raise typer.Exit(EXIT_FOUND)
