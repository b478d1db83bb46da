"""The base of every settings model: unknown keys refused, values frozen."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["Strict"]


class Strict(BaseModel):
    # Unknown keys are almost always typos ("treshold"); refuse them instead of ignoring.
    model_config = ConfigDict(extra="forbid", frozen=True)
