"""Dependency aliases: routes get their collaborators from app.state, never from globals.

They are ``async def`` on purpose: FastAPI runs a plain ``def`` dependency in the thread pool,
and five thread hops per request cost more CPU than scoring a record with ONNX Runtime.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from driftlab.config import Project
from driftlab.predlog.logger import PredictionLogger
from driftlab.serve.holder import ModelHolder
from driftlab.serve.request_metrics import Telemetry
from driftlab.store import Store


async def _holder(request: Request) -> ModelHolder:
    return request.app.state.holder  # type: ignore[no-any-return]


async def _logger(request: Request) -> PredictionLogger:
    return request.app.state.logger  # type: ignore[no-any-return]


async def _store(request: Request) -> Store:
    return request.app.state.store  # type: ignore[no-any-return]


async def _project(request: Request) -> Project:
    return request.app.state.project  # type: ignore[no-any-return]


async def _telemetry(request: Request) -> Telemetry:
    return request.app.state.telemetry  # type: ignore[no-any-return]


HolderDep = Annotated[ModelHolder, Depends(_holder)]
LoggerDep = Annotated[PredictionLogger, Depends(_logger)]
StoreDep = Annotated[Store, Depends(_store)]
ProjectDep = Annotated[Project, Depends(_project)]
TelemetryDep = Annotated[Telemetry, Depends(_telemetry)]
