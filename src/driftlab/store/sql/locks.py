"""The jobs' locks on a SQL store: a PostgreSQL advisory lock, an flock next to a SQLite
file, a thread lock for an in-memory SQLite database (one process can reach it).

Every process and host using the store takes the same lock for a (model, job): the
advisory lock's key is a stable digest of the store's schema, the model and the job.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

from driftlab.errors import JobLockedError, StoreUnavailableError, first_line
from driftlab.store.joblocks import ThreadLocks, file_lock, holder, lock_digest, wait_for
from driftlab.store.sql.core import SqlCore

__all__ = ["LockMixin"]

# Who holds an advisory lock: pg_locks splits a bigint key into classid (high 32 bits) and
# objid (low 32 bits), with objsubid 1.
_PG_HOLDER = sa.text(
    "SELECT a.application_name, a.pid, a.client_addr, a.backend_start "
    "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
    "AND l.classid = CAST(CAST(:hi AS bigint) AS oid) "
    "AND l.objid = CAST(CAST(:lo AS bigint) AS oid) "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


class LockMixin(SqlCore):
    """JobLock over SQL (module docstring)."""

    _thread_locks: ThreadLocks | None = None

    def lock(
        self, model_name: str, job: str, *, wait_s: float = 0.0
    ) -> contextlib.AbstractContextManager[None]:
        if self.dialect == "postgresql":
            return self._advisory_lock(model_name, job, wait_s)
        path = self.engine.url.database
        if self.dialect == "sqlite" and path and path != ":memory:":
            return file_lock(Path(path + ".locks"), model_name, job, wait_s=wait_s)
        if self._thread_locks is None:
            self._thread_locks = ThreadLocks()
        return self._thread_locks.lock(model_name, job, wait_s=wait_s)

    @contextlib.contextmanager
    def _advisory_lock(self, model_name: str, job: str, wait_s: float) -> Iterator[None]:
        # A session-level lock on a connection of its own, held for the whole job: the
        # job's queries use other connections and commit as they go. The connection is
        # discarded afterwards, not pooled, so the lock cannot outlive the job on it.
        try:
            conn = self.engine.connect()
        except sa.exc.SQLAlchemyError as e:
            raise self._unavailable(e) from e
        try:
            try:
                # The schema is part of the key: two stores in one database are two stores.
                schema = conn.execute(sa.text("SELECT current_schema()")).scalar() or ""
                me = f"driftlab {job}, {holder()}"[:63]  # application_name's limit
                conn.execute(
                    sa.text("SELECT set_config('application_name', :me, false)"), {"me": me}
                )
                conn.commit()
            except sa.exc.SQLAlchemyError as e:
                raise self._unavailable(e) from e
            key = int.from_bytes(lock_digest(schema, model_name, job)[:8], "big", signed=True)

            def take() -> bool:
                got = conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key})
                ok = bool(got.scalar())
                conn.commit()
                return ok

            def refused() -> JobLockedError:
                row = conn.execute(
                    _PG_HOLDER, {"hi": (key >> 32) & 0xFFFFFFFF, "lo": key & 0xFFFFFFFF}
                ).first()
                conn.commit()
                who = (
                    f"{row.application_name or 'a session'} (PostgreSQL backend {row.pid}"
                    f"{f' from {row.client_addr}' if row.client_addr else ''})"
                    if row is not None
                    else "a run that has just finished"
                )
                return JobLockedError(model_name, job, who, wait_s)

            try:
                wait_for(take, wait_s, refused)
            except sa.exc.SQLAlchemyError as e:
                raise self._unavailable(e) from e
            try:
                yield
            finally:
                with contextlib.suppress(sa.exc.SQLAlchemyError):
                    conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()
        finally:
            conn.invalidate()  # closes the session: the server drops any lock still held
            conn.close()

    def _unavailable(self, e: Exception) -> StoreUnavailableError:
        first = first_line(e)
        return StoreUnavailableError(f"lock failed on {self._safe_url}: {first}")
