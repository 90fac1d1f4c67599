"""Consult bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from backoffice.consult.models import ConsultKind, ConsultStatus
from backoffice.privacy import FreeText


class ConsultIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: ConsultKind
    matter_code: str | None = Field(default=None, max_length=40)
    question: FreeText = Field(default="", max_length=1000)
    precheck: dict[str, bool] = Field(
        default_factory=dict, description="Material code -> the resident has it."
    )
    language: Literal["zh", "en"] = "zh"
    visit_id: str | None = Field(default=None, max_length=36)


class ConsultOut(BaseModel):
    reference: str
    kind: ConsultKind
    matter_code: str | None
    question: str
    precheck: dict[str, bool]
    missing: list[str]
    status: ConsultStatus
    answer: str | None
    answered_at: datetime | None
    created_at: datetime


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: FreeText = Field(min_length=1, max_length=2000)
