"""Artifact digests: the sha256 of every file a load reads, recorded at registration and checked
over the very bytes that are then deserialized.

Loading a model deserializes its artifact, and ``model_info.json`` decides what the service
reports (classes, holdout metrics), so a load refuses any file that changed since registration.
It must also never read a file twice: the loader copies a version's files into a private folder,
reads each one once into memory (:class:`Artifacts`), checks those bytes (:func:`verify`), and
parses only them, so swapping a file in the store after the check changes nothing.

Files are keyed ``model/<path in the MLflow model folder>`` and ``run/<run artifact name>``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from driftlab.errors import RegistryError

__all__ = [
    "FOLDER_TAG",
    "MANIFEST_TAG",
    "MODEL",
    "RUN",
    "Artifacts",
    "deserialize_pipeline",
    "read_folder",
    "recorded_tags",
    "verify",
]

log = logging.getLogger(__name__)

# One sha256 per file, as a JSON object {key: hex}: names the file that changed.
MANIFEST_TAG = "driftlab.artifact_manifest"
# One sha256 over the model folder only: all that versions registered before the manifest have
# (still written, so an older driftlab reading the same store keeps verifying new versions).
FOLDER_TAG = "driftlab.artifact_sha256"
MODEL = "model/"
RUN = "run/"
# MLflow 2 wrote this into the model folder after the digest was taken.
_BOOKKEEPING = frozenset({"registered_model_meta"})
_FIX = (
    "Restore the artifact store from a backup, or re-register the model from a trusted run "
    "('driftlab train')."
)


@dataclass(frozen=True)
class Artifacts:
    """The bytes of one version's files, read once; everything a load parses comes from here."""

    files: Mapping[str, bytes]

    def model_files(self) -> dict[str, bytes]:
        """The model folder's files, keyed by their path inside the folder."""
        return {k.removeprefix(MODEL): v for k, v in self.files.items() if k.startswith(MODEL)}

    def run_file(self, name: str) -> bytes | None:
        return self.files.get(RUN + name)


def read_folder(folder: Path, prefix: str) -> dict[str, bytes]:
    """Every file under ``folder`` (MLflow's bookkeeping left out), read once, keyed
    ``prefix`` + its relative posix path."""
    return {
        prefix + path.relative_to(folder).as_posix(): path.read_bytes()
        for path in folder.rglob("*")
        if path.is_file() and path.name not in _BOOKKEEPING
    }


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _manifest(files: Mapping[str, bytes]) -> dict[str, str]:
    return {key: _sha256(data) for key, data in sorted(files.items())}


def _folder_digest(model_files: Mapping[str, bytes]) -> str:
    """sha256 over the model folder's files: relative path, NUL, bytes, in sorted path order.
    The algorithm of :data:`FOLDER_TAG`; it must not change, old versions carry it."""
    h = hashlib.sha256()
    for rel in sorted(model_files, key=PurePosixPath):
        h.update(rel.encode() + b"\0")
        h.update(model_files[rel])
    return h.hexdigest()


def recorded_tags(artifacts: Artifacts) -> dict[str, str]:
    """The model-version tags registration records for ``artifacts``."""
    return {
        MANIFEST_TAG: json.dumps(_manifest(artifacts.files), sort_keys=True),
        FOLDER_TAG: _folder_digest(artifacts.model_files()),
    }


def verify(name: str, version: str, tags: Mapping[str, str], artifacts: Artifacts) -> None:
    """Raise :class:`RegistryError` unless ``artifacts`` are byte for byte what was registered.

    >>> files = Artifacts({"model/model.skops": b"m", "run/model_info.json": b"{}"})
    >>> verify("m", "1", recorded_tags(files), files)
    >>> forged = Artifacts({**files.files, "run/model_info.json": b'{"classes": []}'})
    >>> verify("m", "1", recorded_tags(files), forged)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    driftlab.errors.RegistryError: model 'm' version 1: the artifact digest does not match ...
    """
    if MANIFEST_TAG in tags:
        _verify_manifest(name, version, tags[MANIFEST_TAG], artifacts)
    elif FOLDER_TAG in tags:
        _verify_folder(name, version, tags[FOLDER_TAG], artifacts)
    else:
        raise RegistryError(
            f"model {name!r} version {version}: no artifact digest was recorded at registration "
            f"(tag {MANIFEST_TAG!r}), so its files cannot be verified; refusing to load it "
            "(loading a model deserializes its artifact). Register models with 'driftlab train', "
            "which records the digest."
        )


def _verify_manifest(name: str, version: str, recorded: str, artifacts: Artifacts) -> None:
    try:
        expected: dict[str, str] = json.loads(recorded)
    except ValueError as e:
        raise RegistryError(
            f"model {name!r} version {version}: the tag {MANIFEST_TAG!r} is not valid JSON "
            f"({e}); refusing to load it. {_FIX}"
        ) from e
    actual = _manifest(artifacts.files)
    changed = [
        f"{key} (expected {expected.get(key, 'no such file')}, "
        f"actual {actual.get(key, 'file missing')})"
        for key in sorted(expected.keys() | actual.keys())
        if expected.get(key) != actual.get(key)
    ]
    if changed:
        raise RegistryError(
            f"model {name!r} version {version}: the artifact digest does not match the one "
            f"recorded at registration for {len(changed)} file(s): {'; '.join(changed)}; "
            f"refusing to load it (loading a model deserializes its artifact). {_FIX}"
        )


def _verify_folder(name: str, version: str, recorded: str, artifacts: Artifacts) -> None:
    model_files = artifacts.model_files()
    actual = _folder_digest(model_files)
    if actual != recorded:
        raise RegistryError(
            f"model {name!r} version {version}: the artifact digest does not match the one "
            f"recorded at registration for the model folder ({', '.join(sorted(model_files))}): "
            f"expected {recorded}, actual {actual}; refusing to load it (loading a model "
            f"deserializes its artifact). {_FIX}"
        )
    # Registered before the run's JSON files were digested: the model is verified, they are not.
    log.warning(
        "model %r version %s was registered before driftlab digested its run files; the model "
        "folder is verified, but %s are not covered. Re-register it to cover them.",
        name,
        version,
        ", ".join(sorted(k.removeprefix(RUN) for k in artifacts.files if k.startswith(RUN))),
    )


def deserialize_pipeline(name: str, version: str, artifacts: Artifacts) -> Any:
    """The fitted pipeline from the verified bytes of an MLflow sklearn model saved as skops.

    skops rebuilds objects from a declared type list instead of running pickle's opcodes, and
    trusts only the types named in the MLmodel file, which registration derived from the
    pipeline it had just fitted and which the digest covers.
    """
    import skops.io
    import yaml  # MLmodel is YAML; PyYAML is an MLflow dependency

    model_files = artifacts.model_files()
    where = f"model {name!r} version {version}"
    try:
        conf = yaml.safe_load(model_files["MLmodel"])["flavors"]["sklearn"]
    except (KeyError, TypeError, yaml.YAMLError) as e:
        raise RegistryError(
            f"{where}: the model folder has no readable MLmodel file with an sklearn flavor "
            f"({e.__class__.__name__}: {e}). {_FIX}"
        ) from e
    fmt = conf.get("serialization_format")
    if fmt != "skops":
        # driftlab always registers skops; pickle formats would run arbitrary code on load.
        raise RegistryError(
            f"{where}: the model is saved as {fmt!r}, not 'skops'; driftlab loads only skops "
            "artifacts, whose loading runs no code from the file. Re-register the model with "
            "'driftlab train'."
        )
    data = model_files.get(str(conf.get("pickled_model")))
    if data is None:
        raise RegistryError(
            f"{where}: the model folder has no {conf.get('pickled_model')!r} file. {_FIX}"
        )
    try:
        return skops.io.loads(data, trusted=conf.get("skops_trusted_types"))
    except Exception as e:  # skops raises its own types (untrusted type, bad archive)
        raise RegistryError(
            f"{where}: the verified skops file does not load ({e.__class__.__name__}: {e}); "
            "check that scikit-learn and skops match the versions it was registered with."
        ) from e
