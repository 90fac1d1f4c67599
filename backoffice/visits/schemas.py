"""The visit report a kiosk sends (kiosk.visit.VisitSummary.as_json) and what comes back."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from backoffice.visits.models import VisitOutcome


class VisitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    visit_id: str = Field(description="UUID made on the kiosk when the visit began.")
    outcome: VisitOutcome
    matters: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")]] = Field(
        default_factory=list, max_length=50
    )
    duration_s: float = Field(ge=0, le=24 * 3600)
    language: Literal["zh", "en"]
    elder_mode: bool
    identified_by: Literal["card", "id_card", "suishen", "typed"] | None = None

    @field_validator("visit_id")
    @classmethod
    def _uuid(cls, value: str) -> str:
        try:
            return str(uuid.UUID(value))
        except ValueError as exc:
            raise ValueError("visit_id must be a UUID made on the kiosk") from exc


class VisitOut(VisitIn):
    terminal_code: str
    received_at: datetime
