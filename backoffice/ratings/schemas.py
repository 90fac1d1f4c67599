"""Rating bodies: the kiosk's rating, rectification steps, satisfaction figures."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from backoffice.privacy import FreeText
from backoffice.ratings.models import RatingChannel, RectificationStatus


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


Code = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")]


class RatingBody(BaseModel):
    """A rating of a service, wherever it was given (home visits send this through
    `service.rate_home_visit`)."""

    model_config = ConfigDict(extra="forbid")

    matter_code: Code
    level: int = Field(ge=1, le=5, description="5 very satisfied … 1 very dissatisfied.")
    indicators: dict[Indicator, Annotated[int, Field(ge=1, le=5)]] = Field(
        default_factory=dict, description="Second-level indicators, each 1-5."
    )
    reasons: list[BadReason] = Field(default_factory=list, max_length=8)
    comment: FreeText = Field(default="", max_length=500)
    counter: Code | None = Field(
        default=None, description="The counter (窗口) that served, for counter ratings."
    )
    staff_code: Code | None = Field(default=None, description="Staff number (工号) who served.")
    staff_name: str | None = Field(default=None, max_length=64)
    callback_phone: str | None = Field(
        default=None,
        max_length=20,
        description=(
            "A phone number to call the rater back on, for a rating of 1 or 2 only and only "
            "with callback_consent; kept encrypted and erased after the case closes."
        ),
    )
    callback_consent: bool = Field(
        default=False, description="The rater agreed to be called back on callback_phone."
    )


class RatingIn(RatingBody):
    """A rating sent by a terminal: a kiosk, or a kiosk in counter mode (a counter's pad)."""

    visit_id: str = Field(min_length=36, max_length=36)
    channel: RatingChannel = Field(
        default=RatingChannel.KIOSK, description="kiosk, or counter for a counter's rating pad."
    )


class AppealDecisionOut(BaseModel):
    upheld: bool
    note: str
    by: str
    at: datetime


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
    appeal_decision: AppealDecisionOut | None
    outcome: str | None
    closed_at: datetime | None
    closed_on_time: bool | None


class RatingOut(BaseModel):
    id: int
    channel: RatingChannel
    visit_id: str | None
    counter: str | None
    staff_code: str | None
    matter_code: str
    level: int
    level_name: str
    indicators: dict[str, int]
    reasons: list[str]
    comment: str
    bad: bool
    # The rater's phone as pages show it (139****5678), when they asked to be called back.
    contact_masked: str | None
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
