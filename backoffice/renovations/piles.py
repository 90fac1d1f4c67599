"""The patrol's booking check at a renovation point: what fill the bookings allow there now,
what a pile over it would be (no booking, bigger than booked, left after the window), and the
record of what was seen (a pile in its window linked to its bookings; a case with its booking)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases import descriptions
from backoffice.places.models import Place
from backoffice.renovations.models import (
    Booking,
    DropOffSlot,
    PileFinding,
    RenovationCase,
    RenovationPoint,
)
from backoffice.workcal import SHANGHAI

# Renovation rubble outside a booking is construction-waste dumping (建筑垃圾乱倒).
TYPE_RENOVATION_DUMPING = "E-0109"


@dataclass(frozen=True)
class PileCheck:
    """What the bookings allow at one renovation point at one moment."""

    point_id: int
    compound_id: int | None
    threshold: float  # the zone fill from which a pile is a finding now
    finding: PileFinding  # what a pile at or over the threshold is
    in_window: tuple[int, ...]  # bookings whose window (or grace time) covers now
    booking_id: int | None  # the booking a finding concerns, if any
    allowed_fill: float | None  # what the window's bookings allow (None outside bookings)
    unit_code: str | None  # the property company a finding is dispatched to
    min_fill: float


def check(db: Session, place_code: str, now: datetime) -> PileCheck | None:
    """The check at the collection point `place_code`; None when it is no renovation point
    (then its zone keeps its own fill threshold)."""
    point = db.scalars(select(RenovationPoint).join(Place).where(Place.code == place_code)).first()
    if point is None:
        return None
    grace = timedelta(minutes=point.grace_minutes)
    recent = list(
        db.scalars(
            select(Booking)
            .join(DropOffSlot)
            .where(
                DropOffSlot.point_id == point.id,
                DropOffSlot.starts_at <= now,
                DropOffSlot.ends_at >= now - timedelta(days=7),
            )
            .order_by(DropOffSlot.ends_at.desc(), Booking.id)
        )
    )
    current = [b for b in recent if b.cleared_at is None and now <= b.slot.ends_at + grace]
    compound_code = point.place.attributes.get("compound_code")
    compound = (
        db.scalars(select(Place).where(Place.code == compound_code)).first()
        if compound_code
        else None
    )
    compound_unit = compound.unit.code if compound is not None and compound.unit else None
    if current:
        allowed = sum(b.volume_m3 for b in current) * point.fill_per_m3
        first = current[0]
        return PileCheck(
            point.id,
            compound.id if compound else first.renovation.compound_id,
            max(allowed, point.min_fill),
            PileFinding.OVER_VOLUME,
            tuple(b.id for b in current),
            first.id,
            allowed,
            first.renovation.property_unit.code,
            point.min_fill,
        )
    late = next((b for b in recent if b.cleared_at is None), None)
    if late is not None:
        return PileCheck(
            point.id,
            compound.id if compound else late.renovation.compound_id,
            point.min_fill,
            PileFinding.AFTER_WINDOW,
            (),
            late.id,
            None,
            late.renovation.property_unit.code,
            point.min_fill,
        )
    return PileCheck(
        point.id,
        compound.id if compound else None,
        point.min_fill,
        PileFinding.NO_BOOKING,
        (),
        None,
        None,
        compound_unit,
        point.min_fill,
    )


def key_suffix(pile: PileCheck) -> str:
    """What follows the zone's key on a finding's case: each finding (and booking) is a case of
    its own, and the before/after verifier still finds the zone."""
    return f"/renovation:{pile.finding.value}:{pile.booking_id or '-'}"


def note_sighting(db: Session, pile: PileCheck, fill: float, now: datetime) -> None:
    """A pile seen inside a booked window: planned work, linked to the window's bookings."""
    for booking_id in pile.in_window:
        booking = db.get_one(Booking, booking_id)
        booking.first_seen_at = booking.first_seen_at or now
        booking.last_seen_at = now
        booking.max_fill = max(booking.max_fill or 0.0, round(fill, 4))


def fact(pile: PileCheck, zone: str, camera: str, fill: float, minutes: int) -> descriptions.Fact:
    """What the patrol saw, as a fact the pages word in their language."""
    booking = "" if pile.booking_id is None else str(pile.booking_id)
    if pile.finding is PileFinding.OVER_VOLUME:
        return descriptions.fact(
            descriptions.RENOVATION_OVER_BOOKING,
            zone=zone,
            fill=None if fill is None else round(fill, 4),
            allowed=round(pile.allowed_fill or 0.0, 4),
            booking=booking,
            camera=camera,
        )
    if pile.finding is PileFinding.AFTER_WINDOW:
        return descriptions.fact(
            descriptions.RENOVATION_AFTER_WINDOW,
            zone=zone,
            fill=None if fill is None else round(fill, 4),
            booking=booking,
            minutes=minutes,
            camera=camera,
        )
    return descriptions.fact(
        descriptions.RENOVATION_NO_BOOKING,
        zone=zone,
        fill=round(fill, 4),
        minutes=minutes,
        camera=camera,
    )


def booking_note(db: Session, pile: PileCheck) -> tuple[str, str]:
    """What the bookings say about rubble reported at the point now (for a public report):
    a note for staff and a notice for the reporter, each in Chinese and English."""
    if pile.in_window:
        booking = db.get_one(Booking, pile.in_window[0])
        window = (
            f"{booking.slot.starts_at.astimezone(SHANGHAI):%m-%d %H:%M}–"
            f"{booking.slot.ends_at.astimezone(SHANGHAI):%H:%M}"
        )
        due = f"{booking.clearance_due_at.astimezone(SHANGHAI):%m-%d %H:%M}"
        note = (
            f"装修垃圾预约投放中：登记 {booking.renovation.reference}，预约 {booking.id}，"
            f"时段 {window}，应于 {due} 前清运 (a booked renovation drop-off: renovation "
            f"{booking.renovation.reference}, booking {booking.id}, window {window}, to be "
            f"cleared by {due})"
        )
        notice = (
            f"这是已预约的装修垃圾投放, 将于 {due} 前清运 (a booked renovation drop-off; it "
            f"will be cleared by {due})"
        )
        return note, notice
    if pile.finding is PileFinding.AFTER_WINDOW:
        note = (
            f"预约 {pile.booking_id} 的时段及宽限期已过仍未清运 (left after booking "
            f"{pile.booking_id}'s window and grace time)"
        )
        return note, ""
    return "该堆放点此时无装修垃圾预约 (no renovation booking at this point now)", ""


def record_case(
    db: Session, pile: PileCheck, case_id: int, fill: float | None, now: datetime
) -> None:
    """The case the patrol filed (or added evidence to), with the booking it concerns."""
    known = db.scalars(
        select(RenovationCase.id).where(
            RenovationCase.case_id == case_id, RenovationCase.finding == pile.finding
        )
    ).first()
    if known is not None:
        return
    db.add(
        RenovationCase(
            case_id=case_id,
            booking_id=pile.booking_id,
            point_id=pile.point_id,
            compound_id=pile.compound_id,
            finding=pile.finding,
            fill=None if fill is None else round(fill, 4),
            allowed_fill=None if pile.allowed_fill is None else round(pile.allowed_fill, 4),
            at=now,
        )
    )
