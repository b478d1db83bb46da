"""Schema migrations of the SQL store, run programmatically (no alembic.ini at run time).

``upgrade`` brings any database to the newest revision: an empty one is built by the
migrations, one created by the old ``metadata.create_all`` (tables but no
``alembic_version``) is first stamped ``0001_initial`` — the schema it has — and then
upgraded, keeping its rows. Several processes may start at once (``serve --workers``):
the upgrade holds a lock (a PostgreSQL advisory lock, or an flock on the SQLite file), so
one migrates and the others find the schema current.
"""

from __future__ import annotations

import contextlib
import fcntl
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.exc import SQLAlchemyError

from driftlab.errors import StoreError, first_line
from driftlab.redact import safe_url

__all__ = [
    "BASELINE",
    "MigrationOutcome",
    "current_revision",
    "downgrade",
    "head_revision",
    "upgrade",
]

BASELINE = "0001_initial"
_SCRIPTS = Path(__file__).with_name("migrations")
# Any fixed 64-bit number works; this one is derived from a name so it reads as ours.
_PG_LOCK_ID = zlib.crc32(b"driftlab-migrations")


@dataclass(frozen=True)
class MigrationOutcome:
    before: str | None  # None: an empty database
    after: str
    stamped: bool  # an unversioned database created by create_all was adopted as 0001


def _config(connection: sa.Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_SCRIPTS))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None  # the package ships at least 0001_initial
    return head


@contextlib.contextmanager
def _store_errors(engine: sa.Engine, doing: str) -> Iterator[None]:
    try:
        yield
    except (SQLAlchemyError, CommandError, OSError) as e:  # OSError: the SQLite file's lock
        where = safe_url(engine.url.render_as_string(hide_password=False))
        first = safe_url(first_line(e))
        raise StoreError(f"{doing} failed on {where}: {first}; check store.url") from e


def current_revision(engine: sa.Engine) -> str | None:
    """The database's revision, None when it has no alembic_version (empty or pre-0.2)."""
    with _store_errors(engine, "reading the schema revision"), engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@contextlib.contextmanager
def _exclusive(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection in a transaction that no other driftlab process migrates alongside."""
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if path and path != ":memory:":
        # SQLite's own locks are POSIX record locks; flock is separate, so this cannot
        # interfere with them.
        with open(path, "ab") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            with engine.begin() as conn:
                yield conn
        return
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # Released at commit; DDL is transactional in PostgreSQL, so a failed migration
            # leaves nothing half-done.
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_LOCK_ID})
        yield conn


def upgrade(engine: sa.Engine, target: str = "head") -> MigrationOutcome:
    """Migrate the database to ``target`` (default: the newest revision)."""
    head = head_revision()
    with _store_errors(engine, "migrating the store"), _exclusive(engine) as conn:
        before = MigrationContext.configure(conn).get_current_revision()
        cfg = _config(conn)
        known = {s.revision for s in ScriptDirectory.from_config(cfg).walk_revisions()}
        if before is not None and before not in known:
            raise StoreError(
                f"the store's schema is at revision {before!r}, which this driftlab does not "
                f"know (its newest is {head!r}): a newer driftlab migrated it; upgrade driftlab"
            )
        if before == head and target == "head":
            return MigrationOutcome(before=before, after=head, stamped=False)
        stamped = False
        if before is None and sa.inspect(conn).has_table("predictions"):
            command.stamp(cfg, BASELINE)
            stamped = True
        command.upgrade(cfg, target)
        after = MigrationContext.configure(conn).get_current_revision()
    return MigrationOutcome(before=before, after=after or "", stamped=stamped)


def downgrade(engine: sa.Engine, target: str) -> MigrationOutcome:
    """Migrate the database back to ``target`` (e.g. ``0001_initial``), for a rollback."""
    with _store_errors(engine, "downgrading the store"), _exclusive(engine) as conn:
        before = MigrationContext.configure(conn).get_current_revision()
        command.downgrade(_config(conn), target)
        after = MigrationContext.configure(conn).get_current_revision()
    return MigrationOutcome(before=before, after=after or "", stamped=False)
