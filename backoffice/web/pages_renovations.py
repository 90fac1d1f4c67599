"""Renovation pages: registrations (the property company's side, and the owner's at the counter
with a signature drawn on the page), the fee, drop-off slots and bookings, and the sanitation
unit's clearance schedule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.cases.models import Case
from backoffice.deps import AppKeys, DbSession, Now
from backoffice.errors import BadInput, NotFound
from backoffice.places.models import Place, PlaceKind
from backoffice.renovations import fees, reports
from backoffice.renovations import service as renovations
from backoffice.renovations.models import (
    Channel,
    Renovation,
    RenovationCase,
    RenovationStatus,
    WasteKind,
)
from backoffice.renovations.schemas import (
    BookingIn,
    OwnerRegistrationIn,
    PropertyRegistrationIn,
    SlotIn,
)
from backoffice.units.models import ResponsibleUnit
from backoffice.web import auth
from backoffice.web.auth import CurrentUser, PageMissing, PageUser
from backoffice.web.forms import attempt
from backoffice.web.render import page
from backoffice.web.roles import RENOVATION_COUNTER, RENOVATION_READERS

router = APIRouter(prefix="/ops/renovations", include_in_schema=False)
T = TypeVar("T")
Text = Annotated[str, Form()]


def _checked(model: type[T], **fields: Any) -> T:
    """A schema built from a form, its first complaint as a message a person acts on."""
    try:
        return model(**{k: v for k, v in fields.items() if v not in ("", None)})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise BadInput(f"{where}: {first['msg']}", field=where) from None


def _unit_of(db: Session, user: PageUser) -> ResponsibleUnit | None:
    unit_id = user.principal.unit_id
    return db.get(ResponsibleUnit, unit_id) if unit_id is not None else None


def _compounds(db: Session, unit: ResponsibleUnit | None) -> list[Place]:
    query = select(Place).where(Place.kind == PlaceKind.COMPOUND, Place.unit_id.is_not(None))
    if unit is not None:
        query = query.where(Place.unit_id == unit.id)
    return list(db.scalars(query.order_by(Place.code)))


def _load(db: Session, user: PageUser, ref: str) -> Renovation:
    try:
        renovation = renovations.get(db, ref)
    except NotFound as missing:
        raise PageMissing(missing.message) from missing
    unit_id = user.principal.unit_id
    if unit_id is not None and renovation.property_unit_id != unit_id:
        raise PageMissing(f"No renovation has the reference '{ref}'; it is on the owner's slip.")
    return renovation


@router.get("")
def renovations_page(request: Request, user: CurrentUser, db: DbSession, now: Now) -> HTMLResponse:
    auth.require(user, RENOVATION_READERS, "the renovations")
    unit = _unit_of(db, user)
    return page(
        request,
        "renovations.html",
        user,
        title="Renovations",
        renovations=renovations.listing(db, user.principal.unit_id),
        compounds=_compounds(db, unit),
        points=reports.points(db),
        slots=renovations.open_slots(db, now),
        booked={s.id: renovations.booked_m3(db, s.id) for s in renovations.open_slots(db, now)},
        schedule=renovations.clearance_schedule(db, now, user.principal.unit_id),
        waste_kinds=list(WasteKind),
        may_counter=user.role in RENOVATION_COUNTER,
        may_register_property=user.role in RENOVATION_COUNTER or unit is not None,
        unit_id=user.principal.unit_id,
        now=now,
    )


@router.get("/{ref}")
def renovation_page(
    ref: str, request: Request, user: CurrentUser, db: DbSession, now: Now
) -> HTMLResponse:
    auth.require(user, RENOVATION_READERS, "the renovations")
    renovation = _load(db, user, ref)
    found = list(
        db.execute(
            select(RenovationCase, Case)
            .join(Case, Case.id == RenovationCase.case_id)
            .where(
                RenovationCase.booking_id.in_([b.id for b in renovation.bookings])
                if renovation.bookings
                else RenovationCase.id.is_(None)
            )
            .order_by(RenovationCase.id)
        ).all()
    )
    return page(
        request,
        "renovation.html",
        user,
        title=renovation.reference,
        r=renovation,
        missing=renovations.missing(renovation),
        fee=fees.yuan(renovations.fee_cents(renovation)),
        phone=renovations.owner_phone_masked(db, renovation),
        slots=[
            s
            for s in renovations.open_slots(db, now)
            if renovation.period_start
            <= s.starts_at.astimezone(renovations.LOCAL_ZONE).date()
            <= renovation.period_end
        ],
        findings=found,
        may_counter=user.role in RENOVATION_COUNTER,
        may_book=user.role in RENOVATION_COUNTER or user.principal.unit_id is not None,
        active=renovation.status is RenovationStatus.ACTIVE,
    )


@router.get("/{ref}/signature.png")
def signature(ref: str, user: CurrentUser, db: DbSession) -> Response:
    """The commitment's signature as the owner drew it."""
    auth.require(user, RENOVATION_READERS, "the renovations")
    renovation = _load(db, user, ref)
    if renovation.signature_png is None:
        raise PageMissing("The commitment is not signed yet.")
    return Response(renovation.signature_png, media_type="image/png")


def _back(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _go(
    db: Session, user: PageUser, run: Callable[[], Renovation | None], fallback: str
) -> RedirectResponse:
    done = attempt(db, user, run, "✓")
    return _back(f"/ops/renovations/{done.reference}" if done is not None else fallback)


@router.post("/property")
def register_property(
    user: CurrentUser,
    db: DbSession,
    now: Now,
    csrf: Text = "",
    compound_code: Text = "",
    building: Text = "",
    room: Text = "",
    period_start: Text = "",
    period_end: Text = "",
    volume_m3: Text = "",
    waste_kind: Text = "",
) -> RedirectResponse:
    auth.check_csrf(user, csrf)
    unit = _unit_of(db, user)
    if unit is None:
        auth.require(user, RENOVATION_COUNTER, "renovation registrations")

    def run() -> Renovation:
        body = _checked(
            PropertyRegistrationIn,
            compound_code=compound_code,
            building=building,
            room=room,
            period_start=period_start,
            period_end=period_end,
            volume_m3=volume_m3,
            waste_kind=waste_kind,
        )
        return renovations.register_property(
            db, body, unit, channel=Channel.PAGES, actor=user.username, now=now
        )

    return _go(db, user, run, "/ops/renovations")


@router.post("/owner")
def register_owner(
    user: CurrentUser,
    db: DbSession,
    now: Now,
    keys: AppKeys,
    csrf: Text = "",
    compound_code: Text = "",
    building: Text = "",
    room: Text = "",
    period_start: Text = "",
    period_end: Text = "",
    volume_m3: Text = "",
    waste_kind: Text = "",
    id_number: Text = "",
    name: Text = "",
    phone: Text = "",
    signature: Text = "",
) -> RedirectResponse:
    """The owner at the counter: staff type the ID number and phone, the owner signs on the
    page's signature pad."""
    auth.check_csrf(user, csrf)
    auth.require(user, RENOVATION_COUNTER, "renovation registrations")

    def run() -> Renovation:
        body = _checked(
            OwnerRegistrationIn,
            compound_code=compound_code,
            building=building,
            room=room,
            period_start=period_start,
            period_end=period_end,
            volume_m3=volume_m3,
            waste_kind=waste_kind,
            id_number=id_number.strip(),
            name=name,
            phone=phone,
            signature_png_base64=signature.removeprefix("data:image/png;base64,"),
        )
        if not body.id_number:
            raise BadInput("Type the owner's ID number.", field="id_number")
        owner = renovations.owner_from_id_number(keys, body.id_number, body.name)
        return renovations.register_owner(
            db, keys, body, owner, channel=Channel.COUNTER, actor=user.username, now=now
        )

    return _go(db, user, run, "/ops/renovations")


@router.post("/slots")
def add_slot(
    user: CurrentUser,
    db: DbSession,
    now: Now,
    csrf: Text = "",
    place_code: Text = "",
    starts_at: Text = "",
    ends_at: Text = "",
    capacity_m3: Text = "",
) -> RedirectResponse:
    auth.check_csrf(user, csrf)
    auth.require(user, RENOVATION_COUNTER, "drop-off slots")

    def run() -> None:
        zone = "+08:00"  # the page's datetime-local fields are the subdistrict's time
        body = _checked(
            SlotIn,
            place_code=place_code,
            starts_at=f"{starts_at}{zone}" if starts_at else "",
            ends_at=f"{ends_at}{zone}" if ends_at else "",
            capacity_m3=capacity_m3,
        )
        renovations.add_slot(db, body, now)

    attempt(db, user, run, "✓")
    return _back("/ops/renovations")


@router.post("/bookings/{booking_id}/clearance")
def record_clearance(
    booking_id: str, user: CurrentUser, db: DbSession, now: Now, csrf: Text = ""
) -> RedirectResponse:
    auth.check_csrf(user, csrf)
    auth.require(user, RENOVATION_COUNTER | {Role.UNIT_STAFF}, "clearances")

    def run() -> None:
        booking = renovations.get_booking(db, booking_id)
        unit_id = user.principal.unit_id
        if unit_id is not None and booking.slot.point.place.unit_id != unit_id:
            raise BadInput(f"Booking {booking.id} is cleared by its collection point's unit.")
        renovations.clear(db, booking, user.username, now)

    attempt(db, user, run, "✓")
    return _back("/ops/renovations")


@router.post("/{ref}/fee")
def record_fee(
    ref: str, user: CurrentUser, db: DbSession, now: Now, csrf: Text = "", receipt: Text = ""
) -> RedirectResponse:
    auth.check_csrf(user, csrf)
    auth.require(user, RENOVATION_COUNTER, "fees")
    renovation = _load(db, user, ref)

    def run() -> None:
        if not receipt.strip():
            raise BadInput("Type the receipt's number.", field="receipt")
        renovations.record_fee(db, renovation, receipt, user.username, now)

    attempt(db, user, run, "✓")
    return _back(f"/ops/renovations/{renovation.reference}")


@router.post("/{ref}/commitment")
def sign_commitment(
    ref: str, user: CurrentUser, db: DbSession, now: Now, csrf: Text = "", signature: Text = ""
) -> RedirectResponse:
    auth.check_csrf(user, csrf)
    auth.require(user, RENOVATION_COUNTER, "commitments")
    renovation = _load(db, user, ref)

    def run() -> None:
        if not signature:
            raise BadInput("Have the owner sign on the pad first.", field="signature")
        png = signature.removeprefix("data:image/png;base64,")
        renovations.sign_commitment(db, renovation, png, now)

    attempt(db, user, run, "✓")
    return _back(f"/ops/renovations/{renovation.reference}")


@router.post("/{ref}/bookings")
def book(
    ref: str,
    user: CurrentUser,
    db: DbSession,
    now: Now,
    csrf: Text = "",
    slot_id: Text = "",
    volume_m3: Text = "",
) -> RedirectResponse:
    auth.check_csrf(user, csrf)
    if user.principal.unit_id is None:
        auth.require(user, RENOVATION_COUNTER, "bookings")
    renovation = _load(db, user, ref)

    def run() -> None:
        body = _checked(BookingIn, slot_id=slot_id, volume_m3=volume_m3)
        renovations.book(db, renovation, body, user.username, now)

    attempt(db, user, run, "✓")
    return _back(f"/ops/renovations/{renovation.reference}")
