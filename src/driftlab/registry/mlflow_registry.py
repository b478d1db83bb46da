"""The MLflow adapter: runs, registered model versions, aliases, and artifacts.

Each version is one MLflow run holding params, holdout metrics, the dataset hash, the code
version and package versions as tags, the sklearn model, ``model_info.json`` and the frozen
``reference_profile.json``. MLflow is imported lazily so the monitoring core never needs it.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from driftlab.errors import MissingDependencyError, ModelNotFoundError, RegistryError
from driftlab.model import ModelBundle, ModelInfo
from driftlab.profile import Profile
from driftlab.redact import safe_url
from driftlab.registry.base import ModelVersion

__all__ = ["MlflowRegistry"]

log = logging.getLogger(__name__)
_INFO = "model_info.json"
_DIGEST_TAG = "driftlab.artifact_sha256"
_BOOKKEEPING = frozenset({"registered_model_meta"})
_PROFILE = "reference_profile.json"
_OUTPUTS = "prediction_profile.json"


def _mlflow() -> Any:
    try:
        import mlflow
        import mlflow.sklearn
    except ImportError as e:  # pragma: no cover - mlflow is a core dependency today
        raise MissingDependencyError("the MLflow registry needs: pip install mlflow") from e
    return mlflow


def _own_types(pipeline: Any) -> list[str]:
    """Types skops does not trust by default, found in a pipeline this process just fitted."""
    import skops.io

    return list(skops.io.get_untrusted_types(data=skops.io.dumps(pipeline)))


def _digest(folder: Path) -> str:
    """sha256 over a model folder's files (relative path and bytes, sorted order), except the
    registry's own bookkeeping file, which MLflow writes after the model is logged."""
    h = hashlib.sha256()
    files = (p for p in folder.rglob("*") if p.is_file() and p.name not in _BOOKKEEPING)
    for path in sorted(files):
        h.update(path.relative_to(folder).as_posix().encode() + b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()


@contextlib.contextmanager
def _allow_deserialization() -> Iterator[None]:
    # MLflow refuses to deserialize models unless this is set; driftlab sets it only around a
    # load whose artifact digest was just verified.
    key = "MLFLOW_ALLOW_PICKLE_DESERIALIZATION"
    old = os.environ.get(key)
    os.environ[key] = "true"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = old


class MlflowRegistry:
    def __init__(self, tracking_uri: str, experiment: str, artifact_location: Path) -> None:
        self.tracking_uri = tracking_uri
        self.experiment = experiment
        self.artifact_location = Path(artifact_location)
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
            )
        version = str(logged.registered_model_version)
        # Loading a model runs code from its artifact. Record a digest of what we wrote so
        # load() can refuse an artifact that changed since registration.
        digest = _digest(Path(mlflow.artifacts.download_artifacts(logged.model_uri)))
        self.client.set_model_version_tag(info.name, version, _DIGEST_TAG, digest)
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

    def load(self, name: str, version: str) -> ModelBundle:
        mlflow = _mlflow()
        mv = self._version(name, version)
        run_uri = f"runs:/{mv.run_id}"
        info = ModelInfo.from_dict(mlflow.artifacts.load_dict(f"{run_uri}/{_INFO}"))
        profile = Profile.from_dict(mlflow.artifacts.load_dict(f"{run_uri}/{_PROFILE}"))
        try:
            outputs = Profile.from_dict(mlflow.artifacts.load_dict(f"{run_uri}/{_OUTPUTS}"))
        except Exception:  # versions registered before prediction profiles existed
            outputs = None
        local = Path(mlflow.artifacts.download_artifacts(f"models:/{name}/{version}"))
        expected = (mv.tags or {}).get(_DIGEST_TAG)
        actual = _digest(local)
        if expected != actual:
            raise RegistryError(
                f"model {name!r} version {version}: artifact digest {actual[:12]} does not match "
                f"the {str(expected)[:12]} recorded at registration; refusing to load it "
                "(loading a model executes code). Re-register the model from a trusted run."
            )
        with _allow_deserialization():
            pipeline = mlflow.sklearn.load_model(str(local))
        return ModelBundle(
            info=info, pipeline=pipeline, reference=profile, version=str(version), outputs=outputs
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
