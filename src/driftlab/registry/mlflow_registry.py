"""The MLflow adapter: runs, registered model versions, aliases, and artifacts.

Each version is one MLflow run holding params, holdout metrics, the dataset hash, the code
version and package versions as tags, the sklearn model, ``model_info.json`` and the frozen
``reference_profile.json``. MLflow is imported lazily so the monitoring core never needs it.

Registration records a sha256 per file of the model folder and of the run files a load reads
(:mod:`driftlab.registry.artifacts`); a load copies them into a private folder, reads each once,
checks those bytes and parses only them.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from driftlab.errors import MissingDependencyError, ModelNotFoundError, RegistryError
from driftlab.model import ModelBundle, ModelInfo
from driftlab.profile import Profile
from driftlab.redact import safe_url
from driftlab.registry.artifacts import (
    MODEL,
    RUN,
    Artifacts,
    deserialize_pipeline,
    read_folder,
    recorded_tags,
    verify,
)
from driftlab.registry.base import ModelVersion
from driftlab.registry.cache import BundleCache, digest_key
from driftlab.registry.mlflow_sql import LocalVersion, local_version

__all__ = ["MlflowRegistry"]

log = logging.getLogger(__name__)
_INFO = "model_info.json"
_PROFILE = "reference_profile.json"
_OUTPUTS = "prediction_profile.json"
_RUN_FILES = (_INFO, _PROFILE, _OUTPUTS)  # what a load reads from the run
# One per process, shared by every registry object: the key names the store, so the demo's and
# the server's several registries over one store reuse each other's loads.
SHARED_CACHE = BundleCache(size=4)


def _mlflow() -> Any:
    try:
        import mlflow
        import mlflow.sklearn
    except ImportError as e:  # pragma: no cover - mlflow is a core dependency today
        raise MissingDependencyError("the MLflow registry needs: pip install mlflow") from e
    return mlflow


# What loading the model needs. Given explicitly: without them MLflow infers the list by
# loading the model in a fresh Python process and recording its imports (two thirds of
# registering a version, and it listed whatever else was installed, such as pytest).
_REQUIREMENTS = ("scikit-learn", "skops", "numpy", "scipy", "pandas")


def _requirements() -> list[str]:
    from importlib import metadata

    return [f"{name}=={metadata.version(name)}" for name in _REQUIREMENTS]


def _own_types(pipeline: Any) -> list[str]:
    """Types skops does not trust by default, found in a pipeline this process just fitted."""
    import skops.io

    return list(skops.io.get_untrusted_types(data=skops.io.dumps(pipeline)))


class MlflowRegistry:
    def __init__(
        self,
        tracking_uri: str,
        experiment: str,
        artifact_location: Path,
        *,
        cache: BundleCache | None = None,
    ) -> None:
        self.tracking_uri = tracking_uri
        self.experiment = experiment
        self.artifact_location = Path(artifact_location)
        self.cache = SHARED_CACHE if cache is None else cache
        self._client: Any = None
        self._experiment_id: str | None = None

    # -- plumbing -------------------------------------------------------------------------
    @property
    def client(self) -> Any:
        if self._client is None:
            mlflow = _mlflow()
            if self.tracking_uri.startswith("sqlite:///"):
                db = Path(self.tracking_uri.removeprefix("sqlite:///"))
                try:
                    db.parent.mkdir(parents=True, exist_ok=True)
                except OSError as e:
                    raise RegistryError(
                        f"cannot create the MLflow store folder {str(db.parent)!r}: {e}; "
                        "set mlflow.tracking_uri to a writable location"
                    ) from e
            # MLflow writes "View run ... at <tracking URI>" to stdout after each run: that
            # URI may carry a password, and stdout may be --json output.
            os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")
            mlflow.set_tracking_uri(self.tracking_uri)
            self._client = mlflow.MlflowClient(tracking_uri=self.tracking_uri)
        return self._client

    def _experiment(self) -> str:
        if self._experiment_id is None:
            try:
                exp = self.client.get_experiment_by_name(self.experiment)
                if exp is None:
                    self.artifact_location.mkdir(parents=True, exist_ok=True)
                    self._experiment_id = self.client.create_experiment(
                        self.experiment, artifact_location=self.artifact_location.as_uri()
                    )
                else:
                    self._experiment_id = exp.experiment_id
            except Exception as e:
                raise RegistryError(
                    safe_url(f"MLflow store at {self.tracking_uri!r} is not usable: {e}")
                ) from e
        return self._experiment_id

    # -- port -----------------------------------------------------------------------------
    def register(self, bundle: ModelBundle, *, tags: dict[str, str] | None = None) -> str:
        mlflow = _mlflow()
        info = bundle.info
        experiment_id = self._experiment()
        run_tags = {
            "driftlab.dataset_sha256": info.dataset_sha256,
            "driftlab.code_version": info.code_version or "unknown",
            "mlflow.source.git.commit": info.code_version or "unknown",
            **{f"driftlab.package.{k}": v for k, v in info.packages.items()},
            **(tags or {}),
        }
        with mlflow.start_run(experiment_id=experiment_id, tags=run_tags) as run:
            mlflow.log_params(
                {
                    "estimator": info.estimator,
                    "task": info.task.value,
                    "n_rows": info.n_rows,
                    "n_train": info.n_train,
                    "n_test": info.n_test,
                    "features": ",".join(f.name for f in info.features),
                    **{f"model.{k}": v for k, v in info.params.items()},
                }
            )
            mlflow.log_metrics({f"holdout_{k}": v for k, v in info.metrics.items()})
            mlflow.log_dict(info.to_dict(), _INFO)
            mlflow.log_dict(bundle.reference.to_dict(), _PROFILE)
            if bundle.outputs is not None:
                mlflow.log_dict(bundle.outputs.to_dict(), _OUTPUTS)
            logged = mlflow.sklearn.log_model(
                bundle.pipeline,
                name="model",
                registered_model_name=info.name,
                serialization_format="skops",
                skops_trusted_types=_own_types(bundle.pipeline),
                pip_requirements=_requirements(),
            )
        version = str(logged.registered_model_version)
        # Record a digest of every file a load will read, as stored, so load() can refuse an
        # artifact that changed since registration.
        for key, value in recorded_tags(self._fetch(info.name, version, run.info.run_id)).items():
            self.client.set_model_version_tag(info.name, version, key, value)
        log.info("registered %s version %s (run %s)", info.name, version, run.info.run_id)
        return version

    def _version(self, name: str, version: str) -> Any:
        try:
            return self.client.get_model_version(name, version)
        except Exception as e:
            raise ModelNotFoundError(
                f"model {name!r} version {version!r} is not in the MLflow registry at "
                f"{safe_url(self.tracking_uri)}; run 'driftlab train' first "
                f"({e.__class__.__name__})"
            ) from e

    def _fetch(self, name: str, version: str, run_id: str) -> Artifacts:
        """The model folder's files and the run files a load reads, each read once.

        They are copied into a fresh private folder first (``mkdtemp`` makes it 0700): for a
        local store MLflow would otherwise hand back the live folder, where a file can change
        between the check and the load.
        """
        mlflow = _mlflow()
        present = {a.path for a in self.client.list_artifacts(run_id)}
        with tempfile.TemporaryDirectory(prefix="driftlab-artifacts-") as tmp:
            private = Path(tmp).resolve()
            model_dir = Path(
                mlflow.artifacts.download_artifacts(
                    f"models:/{name}/{version}", dst_path=str(private / "model")
                )
            ).resolve()
            if not model_dir.is_relative_to(private):  # a copy, or nothing
                raise RegistryError(
                    f"model {name!r} version {version}: MLflow returned {str(model_dir)!r} "
                    "instead of a copy; refusing to load from a folder others may write"
                )
            files = read_folder(model_dir, MODEL)
            for artifact in _RUN_FILES:
                if artifact in present:
                    local = mlflow.artifacts.download_artifacts(
                        run_id=run_id, artifact_path=artifact, dst_path=str(private / "run")
                    )
                    files[RUN + artifact] = Path(local).read_bytes()
        return Artifacts(files)

    def load(self, name: str, version: str) -> ModelBundle:
        """The version's bundle; loaded (fetched, verified, deserialized) once per process
        while its recorded digest stays the same (:mod:`driftlab.registry.cache`).

        A database store whose artifacts are local folders is read without starting MLflow
        (:mod:`driftlab.registry.mlflow_sql`); the files are verified all the same.
        """
        version = str(version)
        local = local_version(self.tracking_uri, name, version)
        if local is not None:
            key = digest_key(self.tracking_uri, name, version, local.tags)
            return self.cache.get_or_load(key, lambda: self._load_local(name, version, local))
        mv = self._version(name, version)
        key = digest_key(self.tracking_uri, name, version, mv.tags or {})
        return self.cache.get_or_load(
            key, lambda: self._load(name, version, mv.run_id, mv.tags or {})
        )

    def _load_local(self, name: str, version: str, local: LocalVersion) -> ModelBundle:
        artifacts = local.read(_RUN_FILES)
        verify(name, version, local.tags, artifacts)  # the same check as after a download
        return self._bundle(name, version, local.run_id, artifacts)

    def _load(self, name: str, version: str, run_id: str, tags: dict[str, str]) -> ModelBundle:
        artifacts = self._fetch(name, version, run_id)
        verify(name, version, tags, artifacts)
        return self._bundle(name, version, run_id, artifacts)

    def _bundle(self, name: str, version: str, run_id: str, artifacts: Artifacts) -> ModelBundle:
        """The bundle parsed from verified bytes."""
        # Everything below parses the verified bytes; nothing is read from the store again.
        info, profile = artifacts.run_file(_INFO), artifacts.run_file(_PROFILE)
        if info is None or profile is None:
            raise RegistryError(
                f"model {name!r} version {version}: run {run_id} has no {_INFO} or "
                f"{_PROFILE}; re-register the model with 'driftlab train'"
            )
        outputs = artifacts.run_file(_OUTPUTS)  # None: registered before prediction profiles
        return ModelBundle(
            info=ModelInfo.from_dict(json.loads(info)),
            pipeline=deserialize_pipeline(name, version, artifacts),
            reference=Profile.from_dict(json.loads(profile)),
            version=str(version),
            outputs=Profile.from_dict(json.loads(outputs)) if outputs is not None else None,
        )

    def alias_version(self, name: str, alias: str) -> str | None:
        try:
            return str(self.client.get_model_version_by_alias(name, alias).version)
        except Exception as e:
            if "RESOURCE_DOES_NOT_EXIST" in str(e) or "not found" in str(e).lower():
                return None
            raise RegistryError(safe_url(f"cannot read alias {alias!r} of {name!r}: {e}")) from e

    def set_alias(self, name: str, alias: str, version: str) -> None:
        self._version(name, version)
        self.client.set_registered_model_alias(name, alias, version)

    def versions(self, name: str) -> list[ModelVersion]:
        try:
            found = self.client.search_model_versions(f"name = '{name}'")
        except Exception as e:
            raise RegistryError(safe_url(f"cannot list versions of {name!r}: {e}")) from e
        # search results carry no aliases; the registered model has the alias → version map.
        alias_map = dict(self.client.get_registered_model(name).aliases) if found else {}
        out = []
        for mv in found:
            run = self.client.get_run(mv.run_id) if mv.run_id else None
            metrics = (
                {k.removeprefix("holdout_"): v for k, v in run.data.metrics.items()} if run else {}
            )
            created = datetime.fromtimestamp(mv.creation_timestamp / 1000, UTC)
            out.append(
                ModelVersion(
                    name=name,
                    version=str(mv.version),
                    run_id=mv.run_id,
                    aliases=tuple(a for a, v in alias_map.items() if str(v) == str(mv.version)),
                    metrics=metrics,
                    created_at=created.isoformat(timespec="seconds"),
                )
            )
        return sorted(out, key=lambda m: int(m.version))
