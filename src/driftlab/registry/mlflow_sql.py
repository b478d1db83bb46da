"""A version's files read straight from a database-backed MLflow store on local disk, without
starting MLflow.

Importing MLflow and starting its client (which checks the store's schema) was a fifth of a
``driftlab monitor`` process; loading a version needs only three facts the store keeps in
tables whose layout has not changed since MLflow 1: the version's tags (the recorded digests),
its run, and where its model folder and the run's artifacts live. When those are local
``file:`` folders, :func:`local_version` reads the files once into memory, in the same keys as
the MLflow path (``model/…``, ``run/…``); the caller verifies those very bytes against the
recorded digest before parsing anything, exactly as after a download. Anything else (another
kind of store, remote artifacts, an unexpected schema) returns None and the caller goes through
MLflow.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from driftlab.registry.artifacts import MODEL, RUN, Artifacts, read_folder

__all__ = ["LocalVersion", "local_version"]

log = logging.getLogger(__name__)
_DELETED = "Deleted_Internal"  # MLflow's stage for a deleted version, still in the table


@dataclass(frozen=True)
class LocalVersion:
    run_id: str
    tags: dict[str, str]
    model_dir: Path
    run_dir: Path

    def read(self, run_files: tuple[str, ...]) -> Artifacts:
        """The model folder's files and the ``run_files`` that exist, each read once, keyed
        as the MLflow path keys them. NOT verified here: the caller checks these bytes."""
        files = read_folder(self.model_dir, MODEL)
        for artifact in run_files:
            path = self.run_dir / artifact
            if path.is_file():
                files[RUN + artifact] = path.read_bytes()
        return Artifacts(files)


def _local_dir(uri: str | None) -> Path | None:
    """The folder of a ``file:`` URI or an absolute path; None for anything remote."""
    if not uri:
        return None
    parsed = urlparse(uri)
    if parsed.scheme == "file" and parsed.netloc in ("", "localhost"):
        path = Path(unquote(parsed.path))
    elif parsed.scheme == "" and uri.startswith("/"):
        path = Path(uri)
    else:
        return None
    return path if path.is_dir() else None


def _engine_url(tracking_uri: str) -> str | None:
    if tracking_uri.startswith("sqlite:///"):
        db = tracking_uri.removeprefix("sqlite:///")
        return tracking_uri if Path(db).is_file() else None  # never create an empty store
    if tracking_uri.startswith(("postgresql://", "postgresql+psycopg://")):
        # MLflow's plain postgresql:// means psycopg2; driftlab ships psycopg 3.
        return tracking_uri.replace("postgresql://", "postgresql+psycopg://", 1)
    return None


def _rows(tracking_uri: str, name: str, version: str) -> tuple[Any, dict[str, str], Any] | None:
    import sqlalchemy as sa

    url = _engine_url(tracking_uri)
    if url is None:
        return None
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            found = conn.execute(
                sa.text(
                    "SELECT run_id, storage_location, source FROM model_versions "
                    "WHERE name = :n AND version = :v AND current_stage <> :deleted"
                ),
                {"n": name, "v": int(version), "deleted": _DELETED},
            ).all()
            if len(found) != 1:  # none, or several workspaces: MLflow knows which
                return None
            tags = dict(
                conn.execute(
                    sa.text(
                        "SELECT key, value FROM model_version_tags WHERE name = :n AND version = :v"
                    ),
                    {"n": name, "v": int(version)},
                ).all()
            )
            run = conn.execute(
                sa.text("SELECT artifact_uri FROM runs WHERE run_uuid = :r"),
                {"r": found[0].run_id},
            ).first()
    finally:
        engine.dispose()
    return found[0], tags, run


def local_version(tracking_uri: str, name: str, version: str) -> LocalVersion | None:
    """The version's run, tags and local folders; None when the store or its artifacts are not
    local, or on any surprise (the caller then asks MLflow)."""
    try:
        got = _rows(tracking_uri, name, str(version))
    except Exception as e:  # no such table, a driver missing, a locked file: MLflow's turn
        log.debug("reading %s version %s from the MLflow tables failed: %s", name, version, e)
        return None
    if got is None:
        return None
    row, tags, run = got
    model_dir = _local_dir(row.storage_location or row.source)
    run_dir = _local_dir(run.artifact_uri if run is not None else None)
    if model_dir is None or run_dir is None or not row.run_id:
        return None
    return LocalVersion(str(row.run_id), tags, model_dir, run_dir)
