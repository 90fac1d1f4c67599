"""Home-service bodies: a request from a kiosk or from staff, a booking, an outcome, a rating."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from backoffice.homeservice.models import (
    DayPart,
    Reason,
    RequestedBy,
    RequestStatus,
    VisitOutcome,
)
from backoffice.inputs import Day, Moment
from backoffice.privacy import FreeText
from backoffice.ratings.schemas import BadReason

CODE = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$"


class Preferred(BaseModel):
    model_config = ConfigDict(extra="forbid")

    day: Day
    part: DayPart


class KioskRequestIn(BaseModel):
    """From a kiosk, after identification: the identified person asks for themselves, or a
    relative (identified by their own card) asks for the resident."""

    model_config = ConfigDict(extra="forbid")

    matter_code: str = Field(pattern=CODE)
    requested_by: RequestedBy = Field(
        default=RequestedBy.PERSON, description="'person' or 'relative' at a kiosk."
    )
    address: FreeText = Field(min_length=2, max_length=200)
    reason: Reason
    reason_note: FreeText = Field(default="", max_length=500)
    preferred: list[Preferred] = Field(min_length=1, max_length=6)
    language: str = Field(default="zh", pattern=r"^(zh|en)$")


class StaffRequestIn(BaseModel):
    """Taken on the phone or brought in by a grid worker."""

    model_config = ConfigDict(extra="forbid")

    matter_code: str = Field(pattern=CODE)
    requested_by: RequestedBy
    person_name: str = Field(min_length=1, max_length=40, description="Kept masked (张*明).")
    person_id_number: str | None = Field(
        default=None, max_length=18, description="Kept as a mask and a keyed hash only."
    )
    requester_name: str = Field(default="", max_length=40, description="Kept masked.")
    contact_phone: str | None = Field(
        default=None,
        max_length=20,
        description=(
            "Who to call about the visit (the resident or the requester): kept encrypted "
            "(backoffice.contacts), shown masked, erased when the request ends."
        ),
    )
    address: FreeText = Field(min_length=2, max_length=200)
    reason: Reason
    reason_note: FreeText = Field(default="", max_length=500)
    preferred: list[Preferred] = Field(min_length=1, max_length=6)


class BookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    staff: str = Field(min_length=1, max_length=64, description="Username of who visits.")
    starts_at: Moment = Field(description="ISO 8601 with a time zone.")


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: VisitOutcome
    note: FreeText = Field(default="", max_length=1000)


class VisitRatingIn(BaseModel):
    """The resident's rating of the visit, entered with them at the end of it."""

    model_config = ConfigDict(extra="forbid")

    level: int = Field(ge=1, le=5, description="5 very satisfied … 1 very dissatisfied.")
    reasons: list[BadReason] = Field(default_factory=list, max_length=8)
    comment: FreeText = Field(default="", max_length=500)


class MatterOut(BaseModel):
    code: str
    name_zh: str
    name_en: str
    note_zh: str
    note_en: str


class OptionsOut(BaseModel):
    matters: list[MatterOut]
    reasons: list[Reason]
    days: list[date] = Field(description="The working days a visit can be asked for.")


class VisitOut(BaseModel):
    id: int
    reference: str
    staff: str
    staff_name: str
    starts_at: datetime
    told_by: str
    cancelled: bool
    outcome: VisitOutcome | None
    outcome_note: str
    outcome_at: datetime | None
    rating_id: int | None
    rating_level: int | None


class RequestOut(BaseModel):
    reference: str
    matter_code: str
    matter_name_zh: str
    matter_name_en: str
    person_masked_name: str
    person_masked_id: str | None
    address: str
    reason: Reason
    reason_note: str
    preferred: list[Preferred]
    requested_by: RequestedBy
    requester_masked_name: str
    contact_masked: str | None
    status: RequestStatus
    created_at: datetime
    visit: VisitOut | None = Field(description="The visit booked now, or the last one.")


class RevealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=200, description="Why the number is needed.")


class ContactOut(BaseModel):
    phone: str
    name: str


class KioskStartOut(BaseModel):
    """What a kiosk shows an identified person: their open requests and what they can ask."""

    requests: list[RequestOut]
    options: OptionsOut
