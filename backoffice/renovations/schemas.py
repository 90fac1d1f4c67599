"""Renovation bodies: registrations by either side, the fee, points, slots, bookings,
clearance, and what the API answers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from backoffice.inputs import Day, Moment
from backoffice.renovations.models import Channel, PileFinding, RenovationStatus, WasteKind

Code = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
Label = Field(min_length=1, max_length=20, pattern=r"^[0-9A-Za-z\u4e00-\u9fff-]+$")
Volume = Field(gt=0, le=50, description="Expected waste in cubic metres (at most 50).")


class Flat(BaseModel):
    """Which flat and when: the compound (a place code), building and room, and the period."""

    model_config = ConfigDict(extra="forbid")

    compound_code: str = Code
    building: str = Label
    room: str = Label
    period_start: Day
    period_end: Day


class OwnerRegistrationIn(Flat):
    """The owner's registration, at the counter (staff) or at a kiosk (`identification` header
    for who; `signature_png_base64` the commitment signed on the touchscreen)."""

    volume_m3: float = Volume
    waste_kind: WasteKind
    phone: str = Field(
        min_length=7,
        max_length=30,
        description="The owner's phone for callbacks; kept encrypted, shown masked.",
    )
    # At the counter: the owner's ID number as staff typed it (hashed and masked, never kept).
    id_number: str | None = Field(default=None, min_length=15, max_length=18)
    name: str | None = Field(default=None, max_length=40)
    signature_png_base64: str | None = Field(
        default=None,
        max_length=700_000,
        description="The signature drawn on the commitment, a PNG in base64 (at most 512 KiB).",
    )


class PropertyRegistrationIn(Flat):
    """The property company's registration of the same flat and period."""

    volume_m3: float | None = Field(default=None, gt=0, le=50)
    waste_kind: WasteKind | None = None


class FeeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    receipt: str = Field(min_length=1, max_length=40, description="The receipt's number.")


class CommitmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    signature_png_base64: str = Field(min_length=8, max_length=700_000)


class PointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    place_code: str = Code
    fill_per_m3: float = Field(
        gt=0, le=1, description="Zone fill one booked cubic metre may make (0.1 = 10%)."
    )
    grace_minutes: int = Field(ge=0, le=7 * 24 * 60)
    min_fill: float = Field(default=0.05, gt=0, le=1, description="Fill that counts as a pile.")


class SlotIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    place_code: str = Code
    starts_at: Moment
    ends_at: Moment
    capacity_m3: float = Field(gt=0, le=200)


class BookingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slot_id: int = Field(ge=1, le=2**31 - 1)
    volume_m3: float = Volume


class ClearanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=200)


class BookingOut(BaseModel):
    id: int
    renovation: str
    slot_id: int
    collection_point: str
    starts_at: datetime
    ends_at: datetime
    volume_m3: float
    clearance_due_at: datetime
    first_seen_at: datetime | None
    max_fill: float | None
    cleared_at: datetime | None


class RenovationOut(BaseModel):
    reference: str
    status: RenovationStatus
    compound_code: str
    building: str
    room: str
    period_start: Day
    period_end: Day
    volume_m3: float
    waste_kind: WasteKind
    owner_masked_id: str | None
    owner_masked_name: str | None
    owner_phone_masked: str | None
    owner_channel: Channel | None
    owner_registered_at: datetime | None
    commitment_signed_at: datetime | None
    property_unit: str
    property_registered_at: datetime | None
    fee_cents: int
    fee_paid_at: datetime | None
    missing: list[str] = Field(description="What the registration still waits for.")
    bookings: list[BookingOut]


class PointOut(BaseModel):
    place_code: str
    name: str
    fill_per_m3: float
    grace_minutes: int
    min_fill: float


class SlotOut(BaseModel):
    id: int
    collection_point: str
    starts_at: datetime
    ends_at: datetime
    capacity_m3: float
    booked_m3: float


class RenovationCaseOut(BaseModel):
    case_number: str
    finding: PileFinding
    booking_id: int | None
    fill: float | None
    allowed_fill: float | None
    at: datetime


class WeeklyRow(BaseModel):
    code: str
    name: str
    this_week: float | int | None
    last_week: float | int | None


class WeeklyOut(BaseModel):
    week: str
    summary: list[WeeklyRow]
    piles_outside_bookings_by_compound: list[WeeklyRow]


class CompoundChoice(BaseModel):
    code: str
    name_zh: str
    name_en: str


class VolumeChoice(BaseModel):
    volume_m3: float
    fee_cents: int


class KioskChoices(BaseModel):
    """What the kiosk offers an owner: the compounds with a property company, the volumes with
    their fees, the kinds of waste."""

    compounds: list[CompoundChoice]
    volumes: list[VolumeChoice]
    waste_kinds: list[WasteKind]


Lang = Literal["zh", "en"]
