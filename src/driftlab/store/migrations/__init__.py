"""Alembic migrations of the SQL store. ``driftlab.store.migrate`` runs them; the revisions
are in ``versions/``, one file each, oldest first (0001_initial, 0002_serving, …)."""
