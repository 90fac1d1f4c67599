"""Home-service API: kiosks ask (after identification) and read back the booked time; the desk
takes requests on the phone and books visits; staff record the outcome and the resident's
rating."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request

from backoffice.access import CurrentTerminal, Principal, authorize
from backoffice.contacts import service as contacts
from backoffice.deps import AppKeys, AppSettings, DbSession, Now
from backoffice.errors import Forbidden, NotFound
from backoffice.homeservice import service
from backoffice.homeservice.models import RequestStatus
from backoffice.homeservice.notices import TextMessages
from backoffice.homeservice.schemas import (
    BookIn,
    ContactOut,
    KioskRequestIn,
    KioskStartOut,
    OptionsOut,
    OutcomeIn,
    RequestOut,
    RevealIn,
    StaffRequestIn,
    VisitOut,
    VisitRatingIn,
)
from backoffice.suishen.service import resolve

router = APIRouter(prefix="/api/v1/home-services", tags=["home services"])
Desk = Annotated[Principal, authorize(*service.DESK_ROLES)]
# Who may be booked for a visit sees their own.
StaffMember = Annotated[Principal, authorize(*service.VISITOR_ROLES)]
OptionsReader = Annotated[Principal, authorize(*service.DESK_ROLES, terminals=True)]
IdentificationHeader = Annotated[
    str | None,
    Header(alias="X-Identification", description="Token from POST /api/v1/identifications."),
]


def texts_of(request: Request) -> TextMessages | None:
    """The text-message adapter, if the assembly point was given one (none is built yet)."""
    texts: TextMessages | None = getattr(request.app.state, "home_texts", None)
    return texts


@router.get("/options")
def offered(db: DbSession, now: Now, _reader: OptionsReader) -> OptionsOut:
    """The matters staff can do at home, the reasons, and the days a visit can be asked for."""
    return service.options(db, now)


@router.post("/kiosk-requests", status_code=201)
def ask_at_kiosk(
    body: KioskRequestIn,
    db: DbSession,
    now: Now,
    terminal_id: CurrentTerminal,
    identification: IdentificationHeader = None,
) -> RequestOut:
    """A request from a kiosk, by the identified person or by a relative identified by their
    own card."""
    who = resolve(db, identification, terminal_id, now)
    return service.out(db, service.request_from_kiosk(db, body, who, terminal_id, now))


@router.get("/kiosk-requests")
def read_back_at_kiosk(
    db: DbSession,
    now: Now,
    terminal_id: CurrentTerminal,
    identification: IdentificationHeader = None,
) -> KioskStartOut:
    """The identified person's open requests (made by them or for them) with the booked time,
    and what they can ask for."""
    who = resolve(db, identification, terminal_id, now)
    return KioskStartOut(
        requests=[service.out(db, r) for r in service.requests_of(db, who)],
        options=service.options(db, now),
    )


@router.post("/requests", status_code=201)
def take_request(
    body: StaffRequestIn, db: DbSession, now: Now, keys: AppKeys, desk: Desk
) -> RequestOut:
    """A request taken on the phone or brought by a grid worker."""
    return service.out(db, service.request_from_staff(db, body, keys, desk.name, now))


@router.get("/requests")
def list_requests(
    db: DbSession, _desk: Desk, status: Annotated[RequestStatus | None, Query()] = None
) -> list[RequestOut]:
    return [service.out(db, r) for r in service.list_requests(db, status)]


@router.get("/requests/{reference}")
def read_request(reference: str, db: DbSession, _staff: StaffMember) -> RequestOut:
    return service.out(db, service.get_request(db, reference))


@router.post("/requests/{reference}/visits", status_code=201)
def book_visit(
    reference: str, body: BookIn, request: Request, db: DbSession, now: Now, desk: Desk
) -> VisitOut:
    """Book a visit for a member of staff; the requester is told by text message where an
    adapter is configured, otherwise the visit says to phone them (``told_by``)."""
    found = service.get_request(db, reference)
    visit = service.book(db, found, body, desk.name, now, texts_of(request))
    return service.visit_out(db, visit)


@router.post("/requests/{reference}/cancel")
def cancel_request(reference: str, db: DbSession, now: Now, _desk: Desk) -> RequestOut:
    found = service.get_request(db, reference)
    service.cancel(db, found, now)
    return service.out(db, found)


@router.post("/requests/{reference}/contact")
def reveal_contact(
    reference: str, body: RevealIn, db: DbSession, now: Now, keys: AppKeys, desk: Desk
) -> ContactOut:
    """The number to call about the visit, in full, for the roles that call back; every attempt
    (refused ones too) is in the contact's reveal audit."""
    found = service.get_request(db, reference)
    kept = service.contact(db, found)
    if kept is None:
        raise NotFound(f"Request {found.reference} has no contact kept.")
    shown = contacts.reveal(
        db, keys, kept, by_user=desk.name, role=desk.role or "", reason=body.reason, now=now
    )
    if shown is None:
        db.commit()  # the refused attempt stays in the audit
        raise Forbidden("Your role may not see phone numbers in full; ask a call-taker.")
    return ContactOut(phone=shown.phone, name=shown.name)


@router.get("/visits")
def my_visits(
    db: DbSession,
    now: Now,
    staff: StaffMember,
    everyone: Annotated[bool, Query(description="Every member's visits (the desk).")] = False,
) -> list[VisitOut]:
    """Visits from today on: the caller's own, or everyone's for the desk."""
    staff_id = None if everyone and staff.role in service.DESK_ROLES else staff.staff_id
    since = service.day_start(now)
    return [service.visit_out(db, v) for v in service.visits_of(db, staff_id, since)]


@router.post("/visits/{ref}/outcome")
def record_outcome(
    ref: str, body: OutcomeIn, db: DbSession, now: Now, staff: StaffMember
) -> VisitOut:
    visit = service.get_visit(db, ref)
    service.record_outcome(db, visit, body, staff, now)
    return service.visit_out(db, visit)


@router.post("/visits/{ref}/rating", status_code=201)
def rate_visit(
    ref: str,
    body: VisitRatingIn,
    db: DbSession,
    now: Now,
    settings: AppSettings,
    keys: AppKeys,
    staff: StaffMember,
) -> VisitOut:
    """The resident's rating of the visit (好差评), entered with them when the visit ends; a
    bad one opens a rectification like any other."""
    visit = service.get_visit(db, ref)
    service.rate(
        db,
        visit,
        body,
        staff,
        now,
        working_days=settings.rating_rectification_working_days,
        keys=keys,
    )
    return service.visit_out(db, visit)
