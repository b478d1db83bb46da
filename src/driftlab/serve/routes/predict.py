"""POST /v1/predict: one record or a list, validated against the feature spec."""

from __future__ import annotations

import asyncio
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, TypeAdapter
from threadpoolctl import threadpool_limits

from driftlab.config import Project
from driftlab.ids import new_request_ids
from driftlab.model import PredictionBatch
from driftlab.predlog.logger import PredictionLogger
from driftlab.schema import metadata_names, split_metadata
from driftlab.serve.bounds import validate_records
from driftlab.serve.errors import read_json
from driftlab.serve.holder import ModelHolder, Served
from driftlab.serve.request_metrics import Telemetry
from driftlab.serve.security import require_token
from driftlab.store import PredictionGroup


class Prediction(BaseModel):
    request_id: str
    prediction: Any
    probability: float | None
    probabilities: dict[str, float] | None
    model_name: str
    model_version: str


class PredictionList(BaseModel):
    predictions: list[Prediction]


def openapi_body(record_schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"oneOf": [record_schema, {"type": "array", "items": record_schema}]}
                }
            },
        }
    }


# Up to this many records the model runs on the event loop, as the bare FastAPI app does:
# ONNX Runtime answers in tens of microseconds, cheaper than a hop to a thread and back. For
# scikit-learn (about 5 ms a record, nearly all of it under the GIL) the hop gained nothing
# either: the model thread and the loop only took turns on the GIL, and each handoff cost
# CPU (single records at concurrency 16: 91 requests/s through the thread, 116 inline, bare
# app 120). Larger batches still go to the model thread, so the loop keeps reading,
# validating and logging other requests while one scores.
_INLINE_RECORDS = 32


_limited = threading.local()


def model_executor() -> ThreadPoolExecutor:
    """The one thread a worker runs its large model calls on (over ``_INLINE_RECORDS``
    records). The shared thread pool (40 threads) ran up to one scikit-learn call per
    concurrent request at once: they only took turns on the GIL, each switch cost CPU, and
    at concurrency 16 a request cost 1.7× the CPU it did alone. One thread runs them in turn
    (ONNX Runtime releases the GIL while it computes)."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="driftlab-model")


def _predict(served: Served, records: list[dict[str, Any]], threads: int) -> PredictionBatch:
    if served.compiled is None and getattr(_limited, "threads", None) != threads:
        # OpenMP thread limits are per calling thread, so they are set in the thread that
        # runs the model (the model thread or the event loop's), once per thread: the limit
        # stays in force, and entering threadpool_limits on every request cost 2.5 ms of CPU,
        # more than the model.
        threadpool_limits(limits=threads)
        _limited.threads = threads
    return served.predict(records)


def build_router(record_schema: dict[str, Any], *, token_required: bool = True) -> APIRouter:
    """The predict router, documenting this project's record schema in OpenAPI (the body is
    read by hand, as an object or an array, so FastAPI cannot infer it). Without
    ``token_required`` (auth off, or ``serve.auth_predict = false``) the route has no token
    dependency at all: resolving it cost every request as much as the rest of FastAPI's
    routing."""
    router = APIRouter(prefix="/v1", tags=["predict"])
    router.add_api_route(
        "/predict",
        predict,
        methods=["POST"],
        response_model=Prediction | PredictionList,
        summary="Score one record (JSON object) or many (JSON array)",
        responses={
            401: {"description": "no or malformed token (when serve.auth_predict is on)"},
            403: {"description": "wrong token"},
            413: {"description": "body too large"},
            422: {"description": "invalid record"},
        },
        openapi_extra=openapi_body(record_schema),
        dependencies=[require_token("predict")] if token_required else [],
    )
    return router


async def predict(request: Request) -> Response:
    started = time.perf_counter()
    # Straight from app.state, not through four dependencies: this route is the hot path.
    state = request.app.state
    holder: ModelHolder = state.holder
    logger: PredictionLogger = state.logger
    project: Project = state.project
    telemetry: Telemetry = state.telemetry
    body = await read_json(request, project.serve.max_body_bytes)
    is_list = isinstance(body, list)
    if is_list and not body:
        raise HTTPException(422, "the list of records is empty; send at least one record")
    if is_list and len(body) > project.serve.max_batch_records:
        raise HTTPException(
            413,
            f"{len(body)} records in one request; the limit is "
            f"{project.serve.max_batch_records} (serve.max_batch_records)",
        )
    if not is_list and not isinstance(body, dict):
        raise HTTPException(422, "send one record as a JSON object, or a JSON array of records")
    many: TypeAdapter[Any] = state.records_adapter
    parsed = validate_records(body, state.record_adapter, many, state.record_fields)
    # One dump of the whole list (in pydantic's core) rather than a model_dump per record.
    records = many.dump_python(parsed) if is_list else [parsed.model_dump()]

    served = holder.served  # read once: a reload mid-request never mixes two versions
    bundle = served.bundle if served is not None else None
    if served is None or bundle is None or bundle.version is None:
        raise HTTPException(503, "no champion model is loaded yet; run 'driftlab train'")
    try:
        if len(records) <= _INLINE_RECORDS:
            batch = _predict(served, records, project.serve.threads)
        else:
            executor = request.app.state.model_executor
            loop = asyncio.get_running_loop()
            batch = await loop.run_in_executor(
                executor, _predict, served, records, project.serve.threads
            )
    except ValueError as e:  # e.g. a value the model cannot represent (float32 overflow)
        raise HTTPException(422, f"the model cannot score these values: {e}") from None
    bad = [
        i for i, p in enumerate(batch.predictions) if isinstance(p, float) and not math.isfinite(p)
    ]
    if bad:
        raise HTTPException(
            422, f"the model produced a non-finite prediction for record {bad[0]}; check that "
            "the inputs are within the range the model was trained on"
        )  # fmt: skip
    # Before anything is logged: a refused answer must leave no prediction in the store.
    if not _finite(batch):  # a NaN probability: JSON cannot carry it, and it is no answer
        raise HTTPException(
            422, "the model produced a non-finite probability; check that the inputs are "
            "within the range the model was trained on",
        )  # fmt: skip
    elapsed = time.perf_counter() - started
    # Protected attributes that are not model inputs are request metadata, logged apart.
    meta = metadata_names(project.features)
    name, version = bundle.info.name, bundle.version
    ids = new_request_ids(len(records))
    probabilities = batch.probabilities
    # Plain dicts, written as JSON below: the response is what Prediction documents, and a
    # pydantic object per record (validated again on the way out) cost a fifth of a
    # 1,000-record request.
    out = [
        {"request_id": rid, "prediction": pred, "probability": prob, "probabilities": probs,
         "model_name": name, "model_version": version}
        for rid, pred, prob, probs in zip(ids, batch.predictions, batch.probability, probabilities,
                                          strict=True)
    ]  # fmt: skip
    if meta:
        split = [split_metadata(rec, meta) for rec in records]
        features = [f for f, _ in split]
        attributes: list[dict[str, Any] | None] | None = [a for _, a in split]
    else:
        features, attributes = records, None
    logged = PredictionGroup(
        ts=datetime.now(UTC),
        model_name=name,
        model_version=version,
        latency_ms=elapsed * 1000.0,
        request_ids=ids,
        features=features,
        predictions=list(batch.predictions),
        probability=list(batch.probability),
        probabilities=list(probabilities) if any(p is not None for p in probabilities) else None,
        attributes=attributes if attributes and any(a is not None for a in attributes) else None,
    )
    await logger.submit(logged)  # durable before the answer leaves (store.durability)
    telemetry.latency.observe(elapsed)
    telemetry.predictions.labels(bundle.version).inc(len(records))
    payload = {"predictions": out} if is_list else out[0]
    # orjson: the json module took a tenth of a 1,000-record request writing the answer.
    return Response(orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY),
                    media_type="application/json")  # fmt: skip


def _finite(batch: PredictionBatch) -> bool:
    """No NaN or infinity among the probabilities (orjson would write them as null)."""
    isfinite = math.isfinite
    if not all(p is None or isfinite(p) for p in batch.probability):
        return False
    return all(d is None or all(isfinite(v) for v in d.values()) for d in batch.probabilities)
