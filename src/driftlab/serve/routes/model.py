"""GET /v1/model (what is served) and POST /v1/model/reload (check the registry now)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

from driftlab.serve.deps import HolderDep
from driftlab.serve.security import require_token

router = APIRouter(prefix="/v1", tags=["model"])


class ModelDescription(BaseModel):
    name: str
    version: str
    task: str
    target: str
    classes: list[str]
    positive_class: str | None
    features: list[dict[str, Any]]
    metrics: dict[str, float]
    trained_at: str
    dataset_sha256: str
    engine: str  # "onnxruntime" or "scikit-learn"
    engine_reason: str | None  # why scikit-learn runs it, when it does
    onnx_parity: dict[str, Any] | None  # the ONNX-vs-scikit-learn check on the reference sample


class Reloaded(BaseModel):
    changed: bool
    version: str | None


_AUTH = {401: {"description": "no or malformed token"}, 403: {"description": "wrong token"}}


@router.get(
    "/model",
    response_model=ModelDescription,
    summary="The model being served",
    dependencies=[require_token("predict")],
    responses=_AUTH,
)
async def model(holder: HolderDep) -> ModelDescription:
    served = holder.served
    bundle = served.bundle if served else None
    if served is None or bundle is None or bundle.version is None:
        raise HTTPException(503, "no champion model is loaded yet; run 'driftlab train'")
    info = bundle.info
    return ModelDescription(
        name=info.name,
        version=bundle.version,
        task=info.task.value,
        target=info.target,
        classes=info.classes,
        positive_class=info.positive_class,
        features=[f.model_dump(mode="json") for f in info.features],
        metrics=info.metrics,
        trained_at=info.trained_at,
        dataset_sha256=info.dataset_sha256,
        engine=served.engine,
        engine_reason=served.engine_reason,
        onnx_parity=served.parity,
    )


@router.post(
    "/model/reload",
    response_model=Reloaded,
    summary="Load the champion now",
    dependencies=[require_token("admin")],
    responses=_AUTH,
)
async def reload(holder: HolderDep) -> Reloaded:
    changed = await holder.refresh()
    return Reloaded(changed=changed, version=holder.version)
