"""Alembic's entry point, run by driftlab.store.migrate with an open connection (there is no
alembic.ini: the connection and the metadata come from driftlab, not from a file)."""

from __future__ import annotations

from alembic import context

from driftlab.store.sql.tables import metadata


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "driftlab's migrations need a connection; run 'driftlab db upgrade' "
            "instead of the alembic command"
        )
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things in place; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


# Test collection (doctests) imports every module; only Alembic gives `context` a config.
if hasattr(context, "config"):
    run()
