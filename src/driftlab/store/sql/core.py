"""What every part of the SQL store shares: the engine, and how database failures leave it.

Database failures tell two cases apart, so a caller holding records knows what to do with
them: RecordRejectedError when the database refuses the record
itself (a constraint, a value it cannot hold or that cannot be written as JSON: retrying
would fail again) and StoreUnavailableError for anything else (a lost connection, a lock, a
read-only or full database: retry later).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from alembic.util import CommandError as AlembicError
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DataError as SqlDataError
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError, StatementError

from driftlab.errors import RecordRejectedError, StoreError, StoreUnavailableError, first_line
from driftlab.store import migrate
from driftlab.store.sql.tables import create_engine, safe_url

__all__ = ["SqlCore", "store_errors", "writes"]

T = TypeVar("T")


def _rejected(e: BaseException) -> bool:
    """Whether a failed write is the record's fault (retrying the same record fails again)."""
    if isinstance(e, IntegrityError | SqlDataError):
        return True
    if isinstance(e, StatementError) and not isinstance(e, DBAPIError):
        # Raised before the database saw the statement: a bind value SQLAlchemy could not
        # convert (e.g. a label that cannot be written as JSON).
        return isinstance(e.orig, TypeError | ValueError)
    # The fast inserts convert values themselves: json's or float()'s TypeError/ValueError.
    return isinstance(e, TypeError | ValueError)


def _wrap(method: Callable[..., T], caught: tuple[type[Exception], ...]) -> Callable[..., T]:
    @functools.wraps(method)
    def wrapper(self: SqlCore, *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        except caught as e:
            kind = RecordRejectedError if _rejected(e) else StoreUnavailableError
            raise kind(f"{method.__name__} failed on {self._safe_url}: {first_line(e)}") from e

    return wrapper


def store_errors(method: Callable[..., T]) -> Callable[..., T]:
    """Database failures leave the store as StoreError (the API answers 503, the CLI exits
    3): RecordRejectedError or StoreUnavailableError (module docstring), with the message
    ``"<method> failed on <url>: <first line of the cause>"``, chained to the cause."""
    return _wrap(method, (SQLAlchemyError,))


def writes(method: Callable[..., T]) -> Callable[..., T]:
    """:func:`store_errors` for the methods that convert records' values themselves (the
    fast inserts): a TypeError or ValueError there is a value the store cannot hold, so it
    is a RecordRejectedError too."""
    return _wrap(method, (SQLAlchemyError, TypeError, ValueError))


class SqlCore:
    """The engine of one store URL, migrated to the code's schema when ``create``."""

    def __init__(self, url: str, *, create: bool = True) -> None:
        self.url = url
        self.engine = create_engine(url)
        opened = False
        try:
            if create:
                # The schema is built and changed by the migrations only (store/migrate.py).
                migrate.upgrade(self.engine)
            opened = True
        except (SQLAlchemyError, AlembicError) as e:
            raise StoreError(
                f"cannot open the store at {self._safe_url}: {e.__class__.__name__}: "
                f"{first_line(e)}; check store.url"
            ) from e
        finally:
            if not opened:
                self.engine.dispose()  # no pooled connection outlives a store that never opened
        self.dialect = self.engine.dialect.name

    @property
    def _safe_url(self) -> str:
        return safe_url(self.url)

    def close(self) -> None:
        self.engine.dispose()

    def _insert_ignore(self, table: sa.Table) -> Any:
        """An insert that skips rows whose primary key is already stored."""
        if self.dialect == "postgresql":
            return postgresql.insert(table).on_conflict_do_nothing()
        if self.dialect == "sqlite":
            return sqlite.insert(table).on_conflict_do_nothing()
        return table.insert().prefix_with("IGNORE")
