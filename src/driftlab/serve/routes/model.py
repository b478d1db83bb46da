"""GET /v1/model (what is served) and POST /v1/model/reload (check the registry now)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

from driftlab.serve.deps import HolderDep

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


class Reloaded(BaseModel):
    changed: bool
    version: str | None


@router.get("/model", response_model=ModelDescription, summary="The model being served")
async def model(holder: HolderDep) -> ModelDescription:
    bundle = holder.bundle
    if bundle is None or bundle.version is None:
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
    )


@router.post("/model/reload", response_model=Reloaded, summary="Load the champion now")
async def reload(holder: HolderDep) -> Reloaded:
    changed = await holder.refresh()
    return Reloaded(changed=changed, version=holder.version)
