"""Renovation use cases the API, the kiosk and the pages share: both sides' registrations, the
signed commitment, the fee, renovation points and their slots, bookings, clearance and the
clearance watch. Every check runs before anything is written, so a refusal leaves nothing."""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.cases import descriptions
from backoffice.cases.intake import CaseReport, file_report
from backoffice.cases.states import CaseSource
from backoffice.cases.taxonomy import TYPE_BULKY_WASTE
from backoffice.contacts import service as contacts
from backoffice.db import begin_writing
from backoffice.errors import BadInput, Conflict, NotFound
from backoffice.images import BadImage, inspect_image
from backoffice.inputs import parse_id
from backoffice.keys import Keys
from backoffice.places.models import Place, PlaceKind
from backoffice.renovations import fees
from backoffice.renovations.models import (
    Booking,
    Channel,
    DropOffSlot,
    PileFinding,
    Renovation,
    RenovationCase,
    RenovationPoint,
    RenovationStatus,
    WasteKind,
)
from backoffice.renovations.schemas import (
    BookingIn,
    BookingOut,
    CompoundChoice,
    Flat,
    KioskChoices,
    OwnerRegistrationIn,
    PointIn,
    PointOut,
    PropertyRegistrationIn,
    RenovationOut,
    SlotIn,
    SlotOut,
    VolumeChoice,
)
from backoffice.suishen.personal import is_valid_id_number, keyed_hash, mask_id_number, mask_name
from backoffice.units.models import ResponsibleUnit

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")
# Crockford-style alphabet: no 0/O or 1/I/L to misread from a thermal slip.
ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
MAX_PERIOD_DAYS = 366
MAX_SIGNATURE_BYTES = 512 * 1024
CONTACT_OWNER_KIND = "renovation"


@dataclass(frozen=True)
class Owner:
    """Who the owner is, as kept: a keyed hash of the ID number and masks for display."""

    id_hash: str
    masked_id: str | None
    masked_name: str


def owner_from_id_number(keys: Keys, id_number: str, name: str | None) -> Owner:
    """The owner as staff typed them at the counter; the number itself is not kept."""
    number = id_number.strip().upper()
    if not is_valid_id_number(number):
        raise BadInput(
            "The ID number is not a valid 18-character resident ID number (its check character "
            "does not match); check what was typed.",
            field="id_number",
        )
    return Owner(keyed_hash(keys, number), mask_id_number(number), mask_name(name or "") or "*")


# --- reading -----------------------------------------------------------------------------------


def new_reference(db: Session) -> str:
    while True:
        reference = "ZR" + "".join(secrets.choice(ALPHABET) for _ in range(8))
        if (
            db.scalars(select(Renovation.id).where(Renovation.reference == reference)).first()
            is None
        ):
            return reference


def get(db: Session, reference: str) -> Renovation:
    ref = "".join(ch for ch in reference.upper() if ch.isalnum())
    found = db.scalars(select(Renovation).where(Renovation.reference == ref)).first()
    if found is None:
        raise NotFound(f"No renovation has the reference '{reference}'; it is on the owner's slip.")
    return found


def compound(db: Session, code: str) -> Place:
    place = db.scalars(
        select(Place).where(Place.code == code, Place.kind == PlaceKind.COMPOUND)
    ).first()
    if place is None:
        raise BadInput(
            f"No compound has the code '{code}'; GET /api/v1/places?kind=compound lists them.",
            field="compound_code",
        )
    if place.unit_id is None:
        raise BadInput(
            f"Compound {code} has no property company on record; an administrator sets its unit "
            "first.",
            field="compound_code",
        )
    return place


def missing(renovation: Renovation) -> list[str]:
    """What the registration still waits for before it is active."""
    out = []
    if renovation.owner_registered_at is None:
        out.append("owner_registration")
    if renovation.property_registered_at is None:
        out.append("property_registration")
    if renovation.commitment_signed_at is None:
        out.append("signed_commitment")
    return out


MISSING_WORDS = {
    "owner_registration": "the owner's registration (at a kiosk or the counter)",
    "property_registration": "the property company's registration",
    "signed_commitment": "the owner's signed commitment",
}


def fee_cents(renovation: Renovation) -> int:
    return renovation.fee_cents or fees.schedule().fee_cents(renovation.volume_m3)


# --- registrations -----------------------------------------------------------------------------


def _check_period(flat: Flat, today: date) -> None:
    if flat.period_end < flat.period_start:
        raise BadInput("The period ends before it starts; swap the dates.", field="period_end")
    if (flat.period_end - flat.period_start).days >= MAX_PERIOD_DAYS:
        raise BadInput(
            f"A renovation period is at most {MAX_PERIOD_DAYS} days; register a longer one again "
            "when this one ends.",
            field="period_end",
        )
    if flat.period_end < today:
        raise BadInput(
            f"The period ended on {flat.period_end}; register the renovation's coming period.",
            field="period_end",
        )


def _same_flat(db: Session, place: Place, flat: Flat) -> Renovation | None:
    """A registration of the same flat whose period overlaps this one."""
    return db.scalars(
        select(Renovation)
        .where(
            Renovation.compound_id == place.id,
            func.upper(Renovation.building) == flat.building.upper(),
            func.upper(Renovation.room) == flat.room.upper(),
            Renovation.period_start <= flat.period_end,
            Renovation.period_end >= flat.period_start,
        )
        .order_by(Renovation.id)
    ).first()


def _where(r: Renovation) -> str:
    return f"{r.compound.code} building {r.building} room {r.room}"


def _matching(existing: Renovation, flat: Flat, side: str) -> None:
    if (existing.period_start, existing.period_end) != (flat.period_start, flat.period_end):
        raise Conflict(
            f"{_where(existing)} is registered for {existing.period_start} to "
            f"{existing.period_end} (reference {existing.reference}); register that same period, "
            f"or have the {side} correct theirs first.",
            field="period_start",
        )


def decode_signature(text: str) -> bytes:
    """The PNG of a signature sent as base64, checked as an image before it is kept."""
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise BadInput(
            "The signature is not valid base64; send the PNG's bytes in base64.",
            field="signature_png_base64",
        ) from None
    if len(data) > MAX_SIGNATURE_BYTES:
        raise BadInput("The signature image is over 512 KiB.", field="signature_png_base64")
    try:
        inspect_image(data, formats=frozenset({"PNG"}), max_side=4096, what="signature")
    except BadImage as exc:
        raise BadInput(str(exc), field="signature_png_base64") from None
    return data


def register_owner(
    db: Session,
    keys: Keys,
    data: OwnerRegistrationIn,
    owner: Owner,
    *,
    channel: Channel,
    actor: str,
    now: datetime,
    terminal_id: int | None = None,
) -> Renovation:
    """The owner's side (at a kiosk or the counter): joins the property company's registration
    of the same flat and period, or starts one. With a signature, the commitment is signed."""
    begin_writing(db)
    place = compound(db, data.compound_code)
    _check_period(data, now.astimezone(LOCAL_ZONE).date())
    signature = decode_signature(data.signature_png_base64) if data.signature_png_base64 else None
    contacts.phone_digits(data.phone)  # a bad number is refused before anything is written
    renovation = _same_flat(db, place, data)
    if renovation is not None:
        if renovation.owner_registered_at is not None:
            raise Conflict(
                f"The owner of {_where(renovation)} has registered this period already "
                f"(reference {renovation.reference}, {renovation.period_start} to "
                f"{renovation.period_end}); use that registration.",
                field="room",
            )
        _matching(renovation, data, "property company")
        if renovation.fee_paid_at is not None and renovation.volume_m3 != data.volume_m3:
            raise Conflict(
                f"The fee for {renovation.volume_m3:g} m³ is paid already; register that volume.",
                field="volume_m3",
            )
    else:
        renovation = _new(db, place, data, now)
    renovation.volume_m3 = data.volume_m3
    renovation.waste_kind = data.waste_kind
    renovation.owner_id_hash = owner.id_hash
    renovation.owner_masked_id = owner.masked_id
    renovation.owner_masked_name = owner.masked_name
    renovation.owner_channel = channel
    renovation.owner_terminal_id = terminal_id
    renovation.owner_registered_at = now
    renovation.owner_registered_by = actor[:64]
    if signature is not None:
        renovation.signature_png = signature
        renovation.commitment_signed_at = now
    _refresh(renovation)
    db.flush()
    contacts.store(
        db,
        keys,
        owner_kind=CONTACT_OWNER_KIND,
        owner_id=renovation.id,
        phone=data.phone,
        consent_at=now,
        taken_by=actor[:64],
        now=now,
    )
    return renovation


def register_property(
    db: Session,
    data: PropertyRegistrationIn,
    unit: ResponsibleUnit | None,
    *,
    channel: Channel,
    actor: str,
    now: datetime,
) -> Renovation:
    """The property company's side. `unit` is the calling unit (a unit may register only its
    own compounds); None for subdistrict staff, who register on the company's behalf."""
    begin_writing(db)
    place = compound(db, data.compound_code)
    if unit is not None and place.unit_id != unit.id:
        raise BadInput(
            f"Compound {place.code} is managed by another property company; register only the "
            "compounds your unit manages.",
            field="compound_code",
        )
    _check_period(data, now.astimezone(LOCAL_ZONE).date())
    renovation = _same_flat(db, place, data)
    if renovation is not None:
        if renovation.property_registered_at is not None:
            raise Conflict(
                f"The property company has registered {_where(renovation)} for this period "
                f"already (reference {renovation.reference}, {renovation.period_start} to "
                f"{renovation.period_end}); use that registration.",
                field="room",
            )
        _matching(renovation, data, "owner")
    else:
        if data.volume_m3 is None or data.waste_kind is None:
            raise BadInput(
                "The owner has not registered this flat yet: give the expected volume_m3 and "
                "waste_kind.",
                field="volume_m3",
            )
        renovation = _new(db, place, data, now)
        renovation.volume_m3, renovation.waste_kind = data.volume_m3, data.waste_kind
    renovation.property_channel = channel
    renovation.property_registered_at = now
    renovation.property_registered_by = actor[:64]
    _refresh(renovation)
    db.flush()
    return renovation


def _new(db: Session, place: Place, flat: Flat, now: datetime) -> Renovation:
    assert place.unit_id is not None  # compound() refuses a compound without its company
    renovation = Renovation(
        reference=new_reference(db),
        compound=place,
        building=flat.building.upper(),
        room=flat.room.upper(),
        period_start=flat.period_start,
        period_end=flat.period_end,
        property_unit_id=place.unit_id,
        status=RenovationStatus.PENDING,
        created_at=now,
    )
    db.add(renovation)
    return renovation


def sign_commitment(db: Session, renovation: Renovation, signature_b64: str, now: datetime) -> None:
    """The owner signs the commitment later (at the counter, on the page's signature pad)."""
    begin_writing(db)
    if renovation.commitment_signed_at is not None:
        raise Conflict(f"The commitment of {renovation.reference} is signed already.")
    renovation.signature_png = decode_signature(signature_b64)
    renovation.commitment_signed_at = now
    _refresh(renovation)
    db.flush()


def _refresh(renovation: Renovation) -> None:
    renovation.status = RenovationStatus.PENDING if missing(renovation) else RenovationStatus.ACTIVE


def record_fee(
    db: Session, renovation: Renovation, receipt: str, actor: str, now: datetime
) -> Renovation:
    """The clearance fee recorded as paid (by staff at the counter; a payment adapter later)."""
    begin_writing(db)
    if renovation.fee_paid_at is not None:
        raise Conflict(
            f"The fee of {renovation.reference} was recorded paid at "
            f"{renovation.fee_paid_at.astimezone(LOCAL_ZONE):%Y-%m-%d %H:%M} "
            f"(receipt {renovation.fee_receipt}).",
        )
    renovation.fee_cents = fees.schedule().fee_cents(renovation.volume_m3)
    renovation.fee_paid_at = now
    renovation.fee_paid_by = actor[:64]
    renovation.fee_receipt = receipt.strip()
    db.flush()
    return renovation


# --- points, slots, bookings -------------------------------------------------------------------


def point_of(db: Session, place_code: str) -> RenovationPoint:
    point = db.scalars(select(RenovationPoint).join(Place).where(Place.code == place_code)).first()
    if point is None:
        raise BadInput(
            f"Collection point {place_code} takes no renovation waste; an administrator adds it "
            "with POST /api/v1/renovations/points first.",
            field="place_code",
        )
    return point


def set_point(db: Session, data: PointIn, now: datetime) -> RenovationPoint:
    """Make a collection point take renovation waste, or change its allowances."""
    begin_writing(db)
    place = db.scalars(
        select(Place).where(Place.code == data.place_code, Place.kind == PlaceKind.COLLECTION_POINT)
    ).first()
    if place is None:
        raise BadInput(
            f"No collection point has the code '{data.place_code}'; GET "
            "/api/v1/places?kind=collection_point lists them.",
            field="place_code",
        )
    point = db.scalars(select(RenovationPoint).where(RenovationPoint.place_id == place.id)).first()
    if point is None:
        point = RenovationPoint(place=place, created_at=now)
        db.add(point)
    point.fill_per_m3, point.grace_minutes, point.min_fill = (
        data.fill_per_m3,
        data.grace_minutes,
        data.min_fill,
    )
    db.flush()
    return point


def add_slot(db: Session, data: SlotIn, now: datetime) -> DropOffSlot:
    begin_writing(db)
    point = point_of(db, data.place_code)
    if data.ends_at <= data.starts_at:
        raise BadInput("The slot ends before it starts; swap the times.", field="ends_at")
    if data.ends_at - data.starts_at > timedelta(hours=24):
        raise BadInput("A drop-off slot lasts at most 24 hours.", field="ends_at")
    clash = db.scalars(
        select(DropOffSlot).where(
            DropOffSlot.point_id == point.id,
            DropOffSlot.starts_at < data.ends_at,
            DropOffSlot.ends_at > data.starts_at,
        )
    ).first()
    if clash is not None:
        raise Conflict(
            f"Slot {clash.id} at {data.place_code} overlaps this one "
            f"({_local(clash.starts_at)} to {_local(clash.ends_at)}); choose another time.",
            field="starts_at",
        )
    slot = DropOffSlot(
        point=point,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        capacity_m3=data.capacity_m3,
        created_at=now,
    )
    db.add(slot)
    db.flush()
    return slot


def booked_m3(db: Session, slot_id: int) -> float:
    total = db.scalar(
        select(func.coalesce(func.sum(Booking.volume_m3), 0.0)).where(Booking.slot_id == slot_id)
    )
    return float(total or 0.0)


def open_slots(db: Session, now: datetime, place_code: str | None = None) -> list[DropOffSlot]:
    query = select(DropOffSlot).where(DropOffSlot.ends_at > now).order_by(DropOffSlot.starts_at)
    if place_code:
        query = query.join(RenovationPoint).join(Place).where(Place.code == place_code)
    return list(db.scalars(query))


def _local(moment: datetime) -> str:
    return f"{moment.astimezone(LOCAL_ZONE):%Y-%m-%d %H:%M}"


def book(
    db: Session, renovation: Renovation, data: BookingIn, actor: str, now: datetime
) -> Booking:
    """Book a drop-off: only for an active registration whose fee is paid, in a slot inside its
    period with room for the volume."""
    begin_writing(db)
    if renovation.status is not RenovationStatus.ACTIVE:
        waiting = "; ".join(MISSING_WORDS[m] for m in missing(renovation))
        raise Conflict(
            f"Renovation {renovation.reference} is not active yet: it waits for {waiting}. "
            "Book once it is complete.",
        )
    if renovation.fee_paid_at is None:
        raise Conflict(
            f"Record the clearance fee of ¥{fees.yuan(fee_cents(renovation))} for "
            f"{renovation.reference} first (POST /api/v1/renovations/{renovation.reference}/fee); "
            "the fee is paid before any booking.",
        )
    query = select(DropOffSlot).where(DropOffSlot.id == data.slot_id).with_for_update()
    slot = db.scalars(query).first()
    if slot is None:
        raise NotFound(
            f"No drop-off slot has the id {data.slot_id}; GET /api/v1/renovations/slots lists them."
        )
    first, last = slot.starts_at.astimezone(LOCAL_ZONE), slot.ends_at.astimezone(LOCAL_ZONE)
    if first.date() < renovation.period_start or last.date() > renovation.period_end:
        raise BadInput(
            f"Slot {slot.id} ({_local(slot.starts_at)}) lies outside the renovation's period "
            f"{renovation.period_start} to {renovation.period_end}; choose a slot inside it.",
            field="slot_id",
        )
    if slot.ends_at <= now:
        raise BadInput(f"Slot {slot.id} is over; choose a coming slot.", field="slot_id")
    if any(b.slot_id == slot.id for b in renovation.bookings):
        raise Conflict(f"{renovation.reference} has booked slot {slot.id} already.")
    already = sum(b.volume_m3 for b in renovation.bookings)
    if already + data.volume_m3 > renovation.volume_m3 + 1e-9:
        raise BadInput(
            f"{renovation.reference} is registered (and paid) for {renovation.volume_m3:g} m³ and "
            f"has booked {already:g} m³; book at most {renovation.volume_m3 - already:g} m³.",
            field="volume_m3",
        )
    left = slot.capacity_m3 - booked_m3(db, slot.id)
    if data.volume_m3 > left + 1e-9:
        raise Conflict(
            f"Slot {slot.id} has {max(left, 0):g} m³ left of its {slot.capacity_m3:g} m³; book at "
            "most that, or choose another slot.",
            field="volume_m3",
        )
    booking = Booking(
        renovation=renovation,
        slot=slot,
        volume_m3=data.volume_m3,
        booked_at=now,
        booked_by=actor[:64],
        clearance_due_at=slot.ends_at + timedelta(minutes=slot.point.grace_minutes),
    )
    db.add(booking)
    db.flush()
    return booking


def get_booking(db: Session, ref: str) -> Booking:
    booking_id = parse_id(ref)
    booking = db.get(Booking, booking_id) if booking_id is not None else None
    if booking is None:
        raise NotFound(f"No booking has the id '{ref}'.")
    return booking


def clear(db: Session, booking: Booking, actor: str, now: datetime) -> Booking:
    """The sanitation unit cleared the booked waste."""
    begin_writing(db)
    if booking.cleared_at is not None:
        raise Conflict(f"Booking {booking.id} was cleared at {_local(booking.cleared_at)}.")
    if now < booking.slot.starts_at:
        raise BadInput(
            f"Booking {booking.id}'s window opens at {_local(booking.slot.starts_at)}; "
            "there is nothing to clear yet."
        )
    booking.cleared_at = now
    booking.cleared_by = actor[:64]
    db.flush()
    return booking


def clearance_schedule(
    db: Session, now: datetime, unit_id: int | None = None, days: int = 7
) -> list[Booking]:
    """The sanitation unit's work: bookings not yet cleared whose window starts within `days`,
    the most urgent first."""
    query = (
        select(Booking)
        .join(DropOffSlot)
        .join(RenovationPoint)
        .join(Place)
        .where(Booking.cleared_at.is_(None), DropOffSlot.starts_at < now + timedelta(days=days))
        .order_by(Booking.clearance_due_at, Booking.id)
    )
    if unit_id is not None:
        query = query.where(Place.unit_id == unit_id)
    return list(db.scalars(query))


def file_overdue_clearances(db: Session, now: datetime) -> int:
    """The clearance watch (a periodic job): a booking not cleared by its due time files a case
    for the collection point's unit, which escalates like any case from there."""
    begin_writing(db)
    overdue = list(
        db.scalars(
            select(Booking)
            .where(
                Booking.cleared_at.is_(None),
                Booking.overdue_case_id.is_(None),
                Booking.clearance_due_at <= now,
            )
            .order_by(Booking.id)
        )
    )
    for booking in overdue:
        point = booking.slot.point
        renovation = booking.renovation
        fact = descriptions.fact(
            descriptions.RENOVATION_CLEARANCE_OVERDUE,
            point=point.place.name_zh,
            reference=renovation.reference,
            volume=booking.volume_m3,
            due=_local(booking.clearance_due_at),
        )
        unit = point.place.unit
        filing = file_report(
            db,
            CaseReport(
                source=CaseSource.AI_PATROL,
                type_code=TYPE_BULKY_WASTE,
                description=descriptions.render(fact, "zh", ""),
                description_fact=fact,
                place_code=point.place.code,
                dedupe_key=f"renovation:booking:{booking.id}:clearance",
                reporter="renovation clearance watch",
                unit_code=unit.code if unit else None,
                external_ref=f"renovation-clearance-{booking.id}",
            ),
            now,
        )
        booking.overdue_case_id = filing.case_id
        db.add(
            RenovationCase(
                case_id=filing.case_id,
                booking_id=booking.id,
                point_id=point.id,
                compound_id=renovation.compound_id,
                finding=PileFinding.CLEARANCE_OVERDUE,
                at=now,
            )
        )
    db.flush()
    return len(overdue)


# --- answers -----------------------------------------------------------------------------------


def booking_out(b: Booking) -> BookingOut:
    return BookingOut(
        id=b.id,
        renovation=b.renovation.reference,
        slot_id=b.slot_id,
        collection_point=b.slot.point.place.code,
        starts_at=b.slot.starts_at,
        ends_at=b.slot.ends_at,
        volume_m3=b.volume_m3,
        clearance_due_at=b.clearance_due_at,
        first_seen_at=b.first_seen_at,
        max_fill=b.max_fill,
        cleared_at=b.cleared_at,
    )


def owner_phone_masked(db: Session, renovation: Renovation) -> str | None:
    contact = contacts.contact_of(db, CONTACT_OWNER_KIND, renovation.id)
    return contacts.masked(contact) if contact is not None else None


def out(db: Session, r: Renovation) -> RenovationOut:
    return RenovationOut(
        reference=r.reference,
        status=r.status,
        compound_code=r.compound.code,
        building=r.building,
        room=r.room,
        period_start=r.period_start,
        period_end=r.period_end,
        volume_m3=r.volume_m3,
        waste_kind=r.waste_kind,
        owner_masked_id=r.owner_masked_id,
        owner_masked_name=r.owner_masked_name,
        owner_phone_masked=owner_phone_masked(db, r),
        owner_channel=r.owner_channel,
        owner_registered_at=r.owner_registered_at,
        commitment_signed_at=r.commitment_signed_at,
        property_unit=r.property_unit.code,
        property_registered_at=r.property_registered_at,
        fee_cents=fee_cents(r),
        fee_paid_at=r.fee_paid_at,
        missing=missing(r),
        bookings=[booking_out(b) for b in r.bookings],
    )


def point_out(p: RenovationPoint) -> PointOut:
    return PointOut(
        place_code=p.place.code,
        name=p.place.name_zh,
        fill_per_m3=p.fill_per_m3,
        grace_minutes=p.grace_minutes,
        min_fill=p.min_fill,
    )


def slot_out(db: Session, s: DropOffSlot) -> SlotOut:
    return SlotOut(
        id=s.id,
        collection_point=s.point.place.code,
        starts_at=s.starts_at,
        ends_at=s.ends_at,
        capacity_m3=s.capacity_m3,
        booked_m3=booked_m3(db, s.id),
    )


KIOSK_VOLUMES = (1.0, 2.0, 5.0, 10.0)


def kiosk_choices(db: Session) -> KioskChoices:
    compounds = db.scalars(
        select(Place)
        .where(Place.kind == PlaceKind.COMPOUND, Place.unit_id.is_not(None))
        .order_by(Place.code)
    )
    schedule = fees.schedule()
    return KioskChoices(
        compounds=[
            CompoundChoice(code=p.code, name_zh=p.name_zh, name_en=p.name_en) for p in compounds
        ],
        volumes=[VolumeChoice(volume_m3=v, fee_cents=schedule.fee_cents(v)) for v in KIOSK_VOLUMES],
        waste_kinds=list(WasteKind),
    )


def listing(
    db: Session, unit_id: int | None = None, status: RenovationStatus | None = None
) -> list[Renovation]:
    query = select(Renovation).order_by(Renovation.id.desc())
    if unit_id is not None:
        query = query.where(Renovation.property_unit_id == unit_id)
    if status is not None:
        query = query.where(Renovation.status == status)
    return list(db.scalars(query.limit(500)))
