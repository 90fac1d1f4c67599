"""Home-service pages (上门服务): the requests and their visits, each member of staff's own visits,
booking, outcome and the resident's rating; and the desk's form for a request taken on the
phone (reached from the call-taker's form)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from backoffice.contacts import service as contacts
from backoffice.deps import AppKeys, AppSettings, DbSession, Now
from backoffice.errors import BadInput, NotFound
from backoffice.homeservice import service as homeservice
from backoffice.homeservice.models import (
    DayPart,
    HomeServiceRequest,
    HomeVisit,
    Reason,
    RequestedBy,
    RequestStatus,
    VisitOutcome,
)
from backoffice.homeservice.schemas import (
    BookIn,
    OutcomeIn,
    StaffRequestIn,
    VisitRatingIn,
)
from backoffice.identity.models import Staff
from backoffice.ratings.schemas import LEVEL_NAMES, BadReason
from backoffice.web import auth
from backoffice.web.auth import CurrentUser, PageMissing, PageUser
from backoffice.web.forms import attempt
from backoffice.web.pages_cases import reveal_or_flash
from backoffice.web.render import LOCAL_ZONE, page
from backoffice.web.roles import HOME_VISIT_DESK, HOME_VISIT_READERS

router = APIRouter(prefix="/ops", include_in_schema=False)
LIST = "/ops/home-visits"


def _request(db: DbSession, reference: str) -> HomeServiceRequest:
    try:
        return homeservice.get_request(db, reference)
    except NotFound as missing:
        raise PageMissing(missing.message) from missing


def _visit(db: DbSession, ref: str) -> HomeVisit:
    try:
        return homeservice.get_visit(db, ref)
    except NotFound as missing:
        raise PageMissing(missing.message) from missing


def _invalid(error: ValidationError) -> BadInput:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return BadInput(f"{where}: {first['msg']}")


@router.get("/home-visits")
def home_visits(
    request: Request, user: CurrentUser, db: DbSession, now: Now, status: str = "open"
) -> HTMLResponse:
    auth.require(user, HOME_VISIT_READERS, "the home visits")
    return _list_page(request, user, db, now, status)


def _list_page(
    request: Request,
    user: PageUser,
    db: DbSession,
    now: datetime,
    status: str,
    revealed: tuple[str, contacts.Revealed] | None = None,
) -> HTMLResponse:
    wanted = RequestStatus(status) if status in {s.value for s in RequestStatus} else None
    requests = homeservice.list_requests(db, wanted)
    if status == "open":
        requests = [r for r in requests if r.status in homeservice.OPEN_STATUSES]
    shown = [homeservice.out(db, r) for r in requests]
    kept = {r.reference: homeservice.contact(db, r) for r in requests}
    mine = homeservice.visits_of(db, user.staff.id, homeservice.day_start(now))
    visitors = list(
        db.scalars(
            select(Staff)
            .where(Staff.active, Staff.role.in_(homeservice.VISITOR_ROLES))
            .order_by(Staff.display_name, Staff.username)
        )
    )
    return page(
        request,
        "home_visits.html",
        user,
        title="Home visits",
        requests=shown,
        contacts_of={ref: c for ref, c in kept.items() if c is not None},
        reveals_of={ref: contacts.reveals_of(db, c) for ref, c in kept.items() if c is not None},
        revealed=revealed,
        mine=[homeservice.visit_out(db, v) for v in mine],
        status=status,
        statuses=["open", *(s.value for s in RequestStatus), "all"],
        visitors=visitors,
        desk=user.role in HOME_VISIT_DESK,
        records_all=user.role in homeservice.OUTCOME_ROLES,
        me=user.username,
        now=now,
        outcomes=list(VisitOutcome),
        levels=LEVEL_NAMES,
        bad_reasons=list(BadReason),
        next_day=homeservice.visit_days(now, 1)[0],
    )


@router.post("/home-visits/{reference}/contact/reveal")
def reveal_contact(
    reference: str,
    request: Request,
    user: CurrentUser,
    db: DbSession,
    now: Now,
    keys: AppKeys,
    csrf: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """The number to call about the visit, on this answer only, for the roles that call back;
    every attempt is recorded (contacts), a refused one too."""
    auth.check_csrf(user, csrf)
    auth.require(user, HOME_VISIT_DESK, "booking home visits")
    found = _request(db, reference)
    kept = homeservice.contact(db, found)
    if kept is None:
        raise PageMissing(f"Request {found.reference} has no contact kept.")
    shown = reveal_or_flash(db, keys, user, kept, reason, now)
    if shown is None:
        return RedirectResponse(f"{LIST}?status=all#{found.reference}", status_code=303)
    response = _list_page(request, user, db, now, "all", (found.reference, shown))
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/home-visits/new")
def new_request_form(request: Request, user: CurrentUser, db: DbSession, now: Now) -> HTMLResponse:
    auth.require(user, HOME_VISIT_DESK, "the home-service request form")
    return page(
        request,
        "home_visit_new.html",
        user,
        title="New home-service request",
        matters=homeservice.options(db, now).matters,
        requesters=[r for r in RequestedBy],
        reasons=list(Reason),
        days=homeservice.visit_days(now),
        parts=list(DayPart),
    )


@router.post("/home-visits")
def take_request(
    user: CurrentUser,
    db: DbSession,
    now: Now,
    keys: AppKeys,
    csrf: Annotated[str, Form()] = "",
    matter_code: Annotated[str, Form()] = "",
    requested_by: Annotated[str, Form()] = "",
    person_name: Annotated[str, Form()] = "",
    person_id_number: Annotated[str, Form()] = "",
    requester_name: Annotated[str, Form()] = "",
    contact_phone: Annotated[str, Form()] = "",
    address: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    reason_note: Annotated[str, Form()] = "",
    preferred: Annotated[list[str] | None, Form()] = None,
) -> RedirectResponse:
    auth.check_csrf(user, csrf)
    auth.require(user, HOME_VISIT_DESK, "the home-service request form")

    def run() -> str:
        picked = []
        for value in preferred or []:
            day, _, part = value.partition("/")
            picked.append({"day": day, "part": part})
        if not picked:
            raise BadInput("Tick at least one time that suits the resident.")
        try:
            data = StaffRequestIn.model_validate(
                {
                    "matter_code": matter_code,
                    "requested_by": requested_by,
                    "person_name": person_name,
                    "person_id_number": person_id_number.strip() or None,
                    "requester_name": requester_name,
                    "contact_phone": contact_phone.strip() or None,
                    "address": address,
                    "reason": reason,
                    "reason_note": reason_note,
                    "preferred": picked,
                }
            )
        except ValidationError as error:
            raise _invalid(error) from error
        return homeservice.request_from_staff(db, data, keys, user.username, now).reference

    reference = attempt(db, user, run, "Home-service request taken ✓")
    if reference is None:
        return RedirectResponse(f"{LIST}/new", status_code=303)
    return RedirectResponse(f"{LIST}?status=requested#{reference}", status_code=303)


@router.post("/home-visits/{reference}/book")
def book_visit(
    reference: str,
    request: Request,
    user: CurrentUser,
    db: DbSession,
    now: Now,
    csrf: Annotated[str, Form()] = "",
    staff: Annotated[str, Form()] = "",
    day: Annotated[str, Form()] = "",
    at: Annotated[str, Form()] = "",
) -> RedirectResponse:
    auth.check_csrf(user, csrf)
    auth.require(user, HOME_VISIT_DESK, "booking home visits")
    found = _request(db, reference)

    def run() -> None:
        try:
            starts = datetime.combine(date.fromisoformat(day), time.fromisoformat(at))
            data = BookIn(staff=staff or "-", starts_at=starts.replace(tzinfo=LOCAL_ZONE))
        except ValueError as error:  # a ValidationError is one too
            raise BadInput("Give the visit's day and time.") from error
        texts = getattr(request.app.state, "home_texts", None)
        homeservice.book(db, found, data, user.username, now, texts)

    attempt(db, user, run, f"{found.reference}: booked ✓")
    return RedirectResponse(f"{LIST}#{found.reference}", status_code=303)


@router.post("/home-visits/{reference}/cancel")
def cancel_request(
    reference: str,
    user: CurrentUser,
    db: DbSession,
    now: Now,
    csrf: Annotated[str, Form()] = "",
) -> RedirectResponse:
    auth.check_csrf(user, csrf)
    auth.require(user, HOME_VISIT_DESK, "booking home visits")
    found = _request(db, reference)
    attempt(
        db,
        user,
        lambda: homeservice.cancel(db, found, now),
        f"{found.reference}: request cancelled ✓",
    )
    return RedirectResponse(LIST, status_code=303)


@router.post("/home-visits/visits/{ref}/outcome")
def record_outcome(
    ref: str,
    user: CurrentUser,
    db: DbSession,
    now: Now,
    csrf: Annotated[str, Form()] = "",
    outcome: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> RedirectResponse:
    auth.check_csrf(user, csrf)
    auth.require(user, HOME_VISIT_READERS, "the home visits")
    visit = _visit(db, ref)

    def run() -> None:
        try:
            data = OutcomeIn(outcome=VisitOutcome(outcome), note=note)
        except ValueError as error:
            raise BadInput("Pick what came of the visit.") from error
        homeservice.record_outcome(db, visit, data, user.principal, now)

    attempt(db, user, run, "Outcome recorded ✓")
    return RedirectResponse(LIST, status_code=303)


@router.post("/home-visits/visits/{ref}/rating")
def rate_visit(
    ref: str,
    user: CurrentUser,
    db: DbSession,
    now: Now,
    keys: AppKeys,
    settings: AppSettings,
    csrf: Annotated[str, Form()] = "",
    level: Annotated[int, Form()] = 0,
    reasons: Annotated[list[str] | None, Form()] = None,
    comment: Annotated[str, Form()] = "",
) -> RedirectResponse:
    auth.check_csrf(user, csrf)
    auth.require(user, HOME_VISIT_READERS, "the home visits")
    visit = _visit(db, ref)

    def run() -> None:
        try:
            data = VisitRatingIn.model_validate(
                {"level": level, "reasons": reasons or [], "comment": comment}
            )
        except ValidationError as error:
            raise BadInput("Pick the resident's rating, 1 to 5.") from error
        homeservice.rate(
            db,
            visit,
            data,
            user.principal,
            now,
            working_days=settings.rating_rectification_working_days,
            keys=keys,
        )

    attempt(db, user, run, "Rating recorded ✓")
    return RedirectResponse(LIST + "?status=all", status_code=303)
