"""Renovations API: the owner registers at a kiosk (identified) or the counter (staff), the
property company on the pages or here with its unit token; staff record the fee, set up points
and slots and book; the sanitation unit reads its clearance schedule and records clearances."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query
from sqlalchemy.orm import Session

from backoffice.access import CurrentTerminal, Principal, Role, TokenKind, authorize
from backoffice.deps import AppKeys, DbSession, Now
from backoffice.errors import BadInput
from backoffice.renovations import reports, service
from backoffice.renovations.models import Channel, Renovation, RenovationStatus
from backoffice.renovations.schemas import (
    BookingIn,
    BookingOut,
    ClearanceIn,
    CommitmentIn,
    FeeIn,
    KioskChoices,
    OwnerRegistrationIn,
    PointIn,
    PointOut,
    PropertyRegistrationIn,
    RenovationOut,
    SlotIn,
    SlotOut,
    WeeklyOut,
)
from backoffice.suishen.service import resolve
from backoffice.units.models import ResponsibleUnit

router = APIRouter(prefix="/api/v1/renovations", tags=["renovations"])

COUNTER = (Role.ADMIN, Role.OPERATOR, Role.CALL_TAKER)
Counter = Annotated[Principal, authorize(*COUNTER)]
Admin = Annotated[Principal, authorize(Role.ADMIN)]
# The property company's staff or unit token, or the counter on its behalf.
CounterOrUnit = Annotated[Principal, authorize(*COUNTER, units=True)]
Reader = Annotated[
    Principal, authorize(*COUNTER, Role.DISPATCHER, Role.SHIFT_LEADER, Role.VIEWER, units=True)
]
IdentificationHeader = Annotated[
    str | None,
    Header(alias="X-Identification", description="Token from POST /api/v1/identifications."),
]


def _load(db: Session, ref: str) -> Renovation:
    return service.get(db, ref)


ReachableRenovation = Annotated[
    Renovation,
    authorize(*COUNTER, Role.DISPATCHER, Role.SHIFT_LEADER, Role.VIEWER, units=True, load=_load),
]
BookableRenovation = Annotated[Renovation, authorize(*COUNTER, units=True, load=_load)]


def _unit(db: Session, principal: Principal) -> ResponsibleUnit | None:
    if principal.unit_id is None:
        return None
    return db.get_one(ResponsibleUnit, principal.unit_id)


@router.get("/choices")
def kiosk_choices(db: DbSession, _terminal: CurrentTerminal) -> KioskChoices:
    """What a kiosk offers the owner: compounds, volumes with their fees, kinds of waste."""
    return service.kiosk_choices(db)


@router.post("/owner-registrations", status_code=201)
def register_owner_at_counter(
    body: OwnerRegistrationIn, db: DbSession, now: Now, keys: AppKeys, staff: Counter
) -> RenovationOut:
    """The owner's registration at the counter: staff type the owner's ID number (hashed and
    masked, never kept) and phone; a signature drawn on the page signs the commitment."""
    if not body.id_number:
        raise BadInput("At the counter, type the owner's ID number.", field="id_number")
    owner = service.owner_from_id_number(keys, body.id_number, body.name)
    renovation = service.register_owner(
        db, keys, body, owner, channel=Channel.COUNTER, actor=staff.name, now=now
    )
    return service.out(db, renovation)


@router.post("/kiosk-registrations", status_code=201)
def register_owner_at_kiosk(
    body: OwnerRegistrationIn,
    db: DbSession,
    now: Now,
    keys: AppKeys,
    terminal_id: CurrentTerminal,
    identification: IdentificationHeader = None,
) -> RenovationOut:
    """The owner's registration at a kiosk, for the person the kiosk identified (card or
    Suishen code), with the commitment signed on the touchscreen."""
    if body.id_number or body.name:
        raise BadInput(
            "A kiosk sends no ID number or name: the identification token says who registers.",
            field="id_number",
        )
    if not body.signature_png_base64:
        raise BadInput(
            "Sign the commitment on the screen first: the registration carries the signature.",
            field="signature_png_base64",
        )
    who = resolve(db, identification, terminal_id, now)
    owner = service.Owner(who.id_hash, who.masked_id, who.masked_name)
    renovation = service.register_owner(
        db,
        keys,
        body,
        owner,
        channel=Channel.KIOSK,
        actor=f"terminal {terminal_id}",
        now=now,
        terminal_id=terminal_id,
    )
    return service.out(db, renovation)


@router.post("/property-registrations", status_code=201)
def register_property(
    body: PropertyRegistrationIn, db: DbSession, now: Now, caller: CounterOrUnit
) -> RenovationOut:
    """The property company's registration (its unit token or staff, for its own compounds),
    or the counter's on its behalf."""
    unit = _unit(db, caller)
    channel = Channel.UNIT_API if caller.kind is TokenKind.UNIT else Channel.PAGES
    renovation = service.register_property(
        db, body, unit, channel=channel, actor=caller.name, now=now
    )
    return service.out(db, renovation)


@router.get("")
def list_renovations(
    db: DbSession,
    caller: Reader,
    status: Annotated[RenovationStatus | None, Query()] = None,
) -> list[RenovationOut]:
    """Registrations, newest first (a unit sees its own compounds')."""
    rows = service.listing(db, caller.unit_id, status)
    return [service.out(db, r) for r in rows]


@router.get("/points")
def list_points(db: DbSession, _caller: Reader) -> list[PointOut]:
    return [service.point_out(p) for p in reports.points(db)]


@router.put("/points")
def set_point(body: PointIn, db: DbSession, now: Now, _admin: Admin) -> PointOut:
    """Make a collection point take renovation waste at booked times, with its allowances."""
    return service.point_out(service.set_point(db, body, now))


@router.get("/slots")
def list_slots(
    db: DbSession,
    now: Now,
    _caller: Reader,
    place_code: Annotated[str | None, Query(max_length=40)] = None,
) -> list[SlotOut]:
    """Drop-off slots not yet over, soonest first."""
    return [service.slot_out(db, s) for s in service.open_slots(db, now, place_code)]


@router.post("/slots", status_code=201)
def add_slot(body: SlotIn, db: DbSession, now: Now, _staff: Counter) -> SlotOut:
    return service.slot_out(db, service.add_slot(db, body, now))


@router.get("/clearances")
def clearance_schedule(db: DbSession, now: Now, caller: Reader) -> list[BookingOut]:
    """The sanitation unit's schedule: bookings not yet cleared, most urgent first (a unit
    sees its own collection points')."""
    return [service.booking_out(b) for b in service.clearance_schedule(db, now, caller.unit_id)]


@router.post("/bookings/{ref}/clearance")
def record_clearance(
    ref: str, body: ClearanceIn, db: DbSession, now: Now, caller: CounterOrUnit
) -> BookingOut:
    """The sanitation unit (its token or staff) cleared a booking's waste."""
    booking = service.get_booking(db, ref)
    unit_id = booking.slot.point.place.unit_id
    if caller.unit_id is not None and caller.unit_id != unit_id:
        raise BadInput(
            f"Booking {booking.id} is cleared by the unit of its collection point, not yours."
        )
    return service.booking_out(service.clear(db, booking, caller.name, now))


@router.get("/reports/weekly")
def weekly(
    db: DbSession,
    now: Now,
    _caller: Reader,
    week: Annotated[str | None, Query(max_length=10, description="e.g. 2026-W45")] = None,
) -> WeeklyOut:
    """The week's renovation figures beside last week's: registrations, bookings, on-time
    clearance rate, clearance hours, and piles outside bookings per compound."""
    return reports.weekly(db, week, now).as_out()


@router.get("/{ref}")
def read(renovation: ReachableRenovation, db: DbSession) -> RenovationOut:
    return service.out(db, renovation)


@router.post("/{ref}/commitment")
def sign_commitment(
    body: CommitmentIn, renovation: BookableRenovation, db: DbSession, now: Now, _staff: Counter
) -> RenovationOut:
    """The owner signs the commitment at the counter (on the page's signature pad)."""
    service.sign_commitment(db, renovation, body.signature_png_base64, now)
    return service.out(db, renovation)


@router.post("/{ref}/fee")
def record_fee(
    body: FeeIn, renovation: BookableRenovation, db: DbSession, now: Now, staff: Counter
) -> RenovationOut:
    """The clearance fee recorded as paid at the counter (before any booking)."""
    service.record_fee(db, renovation, body.receipt, staff.name, now)
    return service.out(db, renovation)


@router.post("/{ref}/bookings", status_code=201)
def book(
    body: BookingIn, renovation: BookableRenovation, db: DbSession, now: Now, caller: CounterOrUnit
) -> BookingOut:
    """Book a drop-off slot for an active, paid renovation."""
    return service.booking_out(service.book(db, renovation, body, caller.name, now))
