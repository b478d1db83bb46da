"""POST /v1/feedback: late ground-truth labels, joined to predictions by request id."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import (
    AllowInfNan,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StrictInt,
    StrictStr,
    TypeAdapter,
)

from driftlab.errors import UnknownRequestError
from driftlab.schema import _as_str
from driftlab.serve.bounds import echo, validate_records
from driftlab.serve.deps import HolderDep, LoggerDep, ProjectDep, StoreDep
from driftlab.serve.errors import read_json
from driftlab.serve.security import require_token
from driftlab.store import LabelRecord

router = APIRouter(prefix="/v1", tags=["feedback"])


class Feedback(BaseModel):
    model_config = ConfigDict(extra="forbid")
    request_id: Annotated[str, Field(min_length=1, max_length=64)]
    label: StrictStr | StrictInt | Annotated[float, Strict(), AllowInfNan(False)] | bool
    ts: datetime | None = None


class FeedbackAccepted(BaseModel):
    accepted: int
    new: int
    changed: int  # a different label than before for the same request id (kept in a log)
    unchanged: int  # exact replays: counted once, not twice


_ONE: TypeAdapter[Feedback] = TypeAdapter(Feedback)
_MANY: TypeAdapter[list[Feedback]] = TypeAdapter(list[Feedback])
_FIELDS = frozenset(Feedback.model_fields)


@router.post(
    "/feedback",
    response_model=FeedbackAccepted,
    summary="Attach true labels to earlier predictions (one object or a list)",
    responses={
        401: {"description": "no or malformed token (when auth is on)"},
        403: {"description": "wrong token"},
        404: {"description": "unknown request_id"},
        422: {"description": "bad label"},
    },
    dependencies=[require_token("admin")],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            Feedback.model_json_schema(),
                            {"type": "array", "items": Feedback.model_json_schema()},
                        ]
                    }
                }
            },
        }
    },
)
async def feedback(
    request: Request, store: StoreDep, logger: LoggerDep, project: ProjectDep, holder: HolderDep
) -> FeedbackAccepted:
    body = await read_json(request, project.serve.max_body_bytes)
    is_list = isinstance(body, list)
    parsed = validate_records(body, _ONE, _MANY, _FIELDS)
    items: list[Feedback] = parsed if is_list else [parsed]
    if not items:
        raise HTTPException(422, "the list of labels is empty")
    now = datetime.now(UTC)
    if not project.data.task.is_classification:
        bad = [(n, i.label) for n, i in enumerate(items) if not _is_number(i.label)]
        if bad:
            n, value = bad[0]
            raise HTTPException(422, {"problems": [{
                "field": "label", "problem": "a regression label must be a number",
                "input": echo(value), **({"record": n} if is_list else {}),
            }]})  # fmt: skip
    labels = [LabelRecord(i.request_id, _label(i.label, project), i.ts or now) for i in items]
    classes = holder.bundle.info.classes if holder.bundle is not None else []
    if classes:
        # A label the model cannot predict would poison every later evaluation of the window.
        unknown = [(n, r.label) for n, r in enumerate(labels) if r.label not in classes]
        if unknown:
            n, value = unknown[0]
            raise HTTPException(422, {"problems": [{
                "field": "label",
                "problem": f"not one of the model's classes: {', '.join(classes)}",
                "input": echo(value), **({"record": n} if is_list else {}),
            }]})  # fmt: skip
    try:
        outcome = await run_in_threadpool(store.add_labels, labels)
    except UnknownRequestError as e:
        if not logger.pending:
            raise HTTPException(404, str(e)) from None
        # A prediction answered a moment ago may still be queued for the store: write the
        # queue, then try once more. Labels for stored predictions never wait for this.
        await logger.flush()
        try:
            outcome = await run_in_threadpool(store.add_labels, labels)
        except UnknownRequestError as e:
            raise HTTPException(404, str(e)) from None
    return FeedbackAccepted(
        accepted=outcome.accepted, new=outcome.new, changed=outcome.changed,
        unchanged=outcome.unchanged,
    )  # fmt: skip


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _label(value: Any, project: Any) -> Any:
    # Class labels are compared as strings with the model's classes (trained as strings),
    # with the same text as training: an integral float 1.0 is the class "1".
    return _as_str(value) if project.data.task.is_classification else float(value)
