"""Request and response bodies of the cases API. Photos travel as base64 inside JSON."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from pydantic import BaseModel, Field

from backoffice.cases.photos import MAX_PHOTO_BYTES, Photo, PhotoKind
from backoffice.cases.states import CaseAction, CasePriority, CaseSource, CaseState
from backoffice.errors import BadInput
from backoffice.privacy import FreeText

# Base64 grows data by a third; refuse absurd bodies before decoding them.
_MAX_BASE64 = MAX_PHOTO_BYTES * 4 // 3 + 8


class PhotoIn(BaseModel):
    kind: PhotoKind
    content_type: str = Field(description="image/jpeg or image/png")
    data_base64: str = Field(description="the image bytes, base64-encoded")

    def to_photo(self) -> Photo:
        if len(self.data_base64) > _MAX_BASE64:
            raise BadInput(
                f"A photo is larger than {MAX_PHOTO_BYTES // (1024 * 1024)} MiB; send a smaller "
                "image.",
                field="photos",
            )
        try:
            content = base64.b64decode(self.data_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise BadInput("A photo's data_base64 is not valid base64.", field="photos") from exc
        return Photo(self.kind, content, self.content_type)


class CaseCreate(BaseModel):
    """A report taken by an inspector or a call-taker (hotline, non-police 110 call)."""

    source: CaseSource | None = Field(
        default=None, description="inspector, hotline or police_110; defaults from your role"
    )
    type_code: str
    description: FreeText = Field(max_length=2000)
    lon: float | None = None
    lat: float | None = None
    road_code: str | None = None
    grid_code: str | None = None
    place_code: str | None = None
    photos: list[PhotoIn] = Field(default_factory=list, max_length=10)
    external_ref: str | None = Field(default=None, max_length=200)


class ActionIn(BaseModel):
    reason: FreeText = Field(default="", max_length=2000)
    unit_code: str | None = Field(default=None, description="dispatch: the unit to send it to")
    hours: float | None = Field(default=None, description="request_extension: hours wanted")
    photos: list[PhotoIn] = Field(default_factory=list, max_length=10)


class PhotoOut(BaseModel):
    id: int
    kind: PhotoKind
    content_type: str
    size: int
    taken_by: str
    at: datetime
    url: str


class EventOut(BaseModel):
    action: str
    from_state: CaseState | None
    to_state: CaseState
    actor: str
    at: datetime
    reason: str
    unit_code: str | None


class CaseSummary(BaseModel):
    number: str
    source: CaseSource
    state: CaseState
    type_code: str
    type_name_zh: str
    type_name_en: str
    category_code: str
    priority: CasePriority
    description: str
    road_code: str | None
    grid_code: str | None
    place_code: str | None
    unit_code: str | None
    dispatched_by_rule: bool | None
    due_at: datetime | None
    reported_at: datetime
    report_count: int


class CaseOut(CaseSummary):
    lon: float | None
    lat: float | None
    road_name_zh: str | None
    road_distance_m: float | None
    community_code: str | None
    supervisor_unit_code: str | None
    escalation_level: int
    dispatch_rule_code: str | None
    time_limit_h: float
    working_hours: bool
    overdue_at: datetime | None
    extension_requested_h: float | None
    extension_reason: str | None
    filed_at: datetime | None
    dispatched_at: datetime | None
    handled_at: datetime | None
    closed_at: datetime | None
    allowed_actions: list[CaseAction]
    photos: list[PhotoOut]
    timeline: list[EventOut]


class FilingOut(BaseModel):
    case_number: str
    created: bool
    dispatched_to: str | None
    case: CaseOut


class Comparison(BaseModel):
    """The before and after photos of a case, for a person to compare side by side."""

    case_number: str
    state: CaseState
    before: list[PhotoOut]
    after: list[PhotoOut]
    evidence: list[PhotoOut]


class DispatchStats(BaseModel):
    dispatched: int
    by_rule: int
    by_person: int
    auto_dispatch_rate: float | None
    manual_queue: int


class CaseTypeOut(BaseModel):
    code: str
    category_code: str
    category_kind: str
    name_zh: str
    name_en: str
    time_limit_h: float
    working_hours: bool
    priority: CasePriority
    default_unit_kind: str
    dedupe_radius_m: float
    filing_criteria: str
    active: bool


class CaseTypeUpdate(BaseModel):
    name_zh: str | None = Field(default=None, min_length=1, max_length=60)
    name_en: str | None = Field(default=None, min_length=1, max_length=120)
    time_limit_h: float | None = Field(default=None, gt=0, le=24 * 90)
    working_hours: bool | None = None
    priority: CasePriority | None = None
    default_unit_kind: str | None = Field(default=None, min_length=1, max_length=40)
    dedupe_radius_m: float | None = Field(default=None, ge=0, le=1000)
    filing_criteria: str | None = Field(default=None, min_length=1)
    active: bool | None = None


class RuleIn(BaseModel):
    code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{1,39}$")
    priority: int = Field(ge=0, le=100000)
    unit_code: str
    type_code: str | None = None
    category_code: str | None = None
    road_code: str | None = None
    grid_code: str | None = None
    community_code: str | None = None
    place_code: str | None = None
    start: str | None = Field(default=None, pattern=r"^\d{2}:\d{2}$", description="HH:MM local")
    end: str | None = Field(default=None, pattern=r"^\d{2}:\d{2}$", description="HH:MM local")
    active: bool = True
    note: FreeText = Field(default="", max_length=200)


class RuleOut(RuleIn):
    pass
