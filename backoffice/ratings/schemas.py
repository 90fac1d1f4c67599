"""Rating bodies: the kiosk's rating, rectification steps, satisfaction figures."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from backoffice.privacy import FreeText
from backoffice.ratings.models import RectificationStatus


class Indicator(StrEnum):
    """Second-level indicators (国办发〔2019〕51号): on site and self-service."""

    EFFICIENCY = "efficiency"
    SERVICE_LEVEL = "service_level"
    ATTITUDE = "attitude"
    GUIDE_ACCURACY = "guide_accuracy"
    CONVENIENCE = "convenience"
    EASE_OF_USE = "ease_of_use"


class BadReason(StrEnum):
    GUIDE_INACCURATE = "guide_inaccurate"
    MATERIALS_UNCLEAR = "materials_unclear"
    DEVICE_FAULT = "device_fault"
    TOO_SLOW = "too_slow"
    HARD_TO_USE = "hard_to_use"
    STAFF_ATTITUDE = "staff_attitude"
    NOT_HANDLED = "not_handled"
    OTHER = "other"


LEVEL_NAMES = {
    5: ("非常满意", "very satisfied"),
    4: ("满意", "satisfied"),
    3: ("基本满意", "fairly satisfied"),
    2: ("不满意", "dissatisfied"),
    1: ("非常不满意", "very dissatisfied"),
}


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    visit_id: str = Field(min_length=36, max_length=36)
    matter_code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
    level: int = Field(ge=1, le=5, description="5 very satisfied … 1 very dissatisfied.")
    indicators: dict[Indicator, Annotated[int, Field(ge=1, le=5)]] = Field(
        default_factory=dict, description="Second-level indicators, each 1-5."
    )
    reasons: list[BadReason] = Field(default_factory=list, max_length=8)
    comment: FreeText = Field(default="", max_length=500)


class RectificationOut(BaseModel):
    id: int
    rating_id: int
    case_number: str
    unit_code: str
    status: RectificationStatus
    deadline: datetime
    callback_at: datetime | None
    callback_note: str | None
    resident_satisfied: bool | None
    appeal_reason: str | None
    appeal_decision: dict[str, object] | None
    outcome: str | None
    closed_at: datetime | None
    closed_on_time: bool | None


class RatingOut(BaseModel):
    id: int
    visit_id: str
    matter_code: str
    level: int
    level_name: str
    indicators: dict[str, int]
    reasons: list[str]
    comment: str
    bad: bool
    created_at: datetime
    rectification: RectificationOut | None


class CallbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: FreeText = Field(min_length=1, max_length=1000)
    resident_satisfied: bool


class AppealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: FreeText = Field(min_length=1, max_length=1000)


class AppealDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    upheld: bool
    note: FreeText = Field(min_length=1, max_length=1000)


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: FreeText = Field(min_length=1, max_length=2000)


class SatisfactionRow(BaseModel):
    key: str
    ratings: int
    satisfied: int
    satisfaction_rate: float | None


class PublicSummary(BaseModel):
    since: datetime
    until: datetime
    ratings: int
    satisfied: int
    satisfaction_rate: float | None
    by_level: dict[str, int]
    bad_ratings: int
    rectified: int
    rectified_on_time: int
    excluded_on_appeal: int
