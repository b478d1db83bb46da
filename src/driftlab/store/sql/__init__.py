"""The SQLAlchemy store: SQLite by default, PostgreSQL in production — the URL decides.

Callers never branch on the dialect; the dialect-specific pieces (the idempotent insert and
the drainer's fast inserts) are chosen inside. ``SqlStore`` is the ports of
``driftlab.store.ports`` over one database, each port's tables in its own module:
``ingest`` (predictions, labels, errors), ``windows`` (monitoring windows), ``runs``
(runs, alerts, audit, decisions), ``locks`` (one run of a job per model at a time), on
``tables`` (schema and engine) and ``core`` (the engine's lifetime, database failures as
store errors).
"""

from __future__ import annotations

from driftlab.store.sql.ingest import IngestMixin
from driftlab.store.sql.locks import LockMixin
from driftlab.store.sql.runs import RunsMixin
from driftlab.store.sql.windows import WindowMixin

__all__ = ["SqlStore"]


class SqlStore(IngestMixin, WindowMixin, RunsMixin, LockMixin):
    """Every store port on the database at ``url``; ``create`` migrates it to the code's
    schema first (the serving process does; its drain child opens it as it is)."""
