"""Take home-service requests (kiosk or staff), book visits for staff, record outcomes.

Every check runs before the first write, so a refused request or booking leaves nothing
behind; a request's status moves only along ``lifecycle.ALLOWED``."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.access import Principal, Role
from backoffice.catalog.models import CatalogItem, ItemKind
from backoffice.contacts import service as contacts
from backoffice.contacts.models import Contact
from backoffice.errors import BadInput, Conflict, Forbidden, NotFound
from backoffice.homeservice import lifecycle
from backoffice.homeservice.models import (
    HomeServiceRequest,
    HomeVisit,
    Reason,
    RequestedBy,
    RequestStatus,
    VisitOutcome,
)
from backoffice.homeservice.notices import TextMessages, booked_text
from backoffice.homeservice.schemas import (
    BookIn,
    KioskRequestIn,
    MatterOut,
    OptionsOut,
    OutcomeIn,
    Preferred,
    RequestOut,
    StaffRequestIn,
    VisitOut,
    VisitRatingIn,
)
from backoffice.identity.models import Staff
from backoffice.inputs import parse_id
from backoffice.keys import Keys
from backoffice.ratings import service as ratings
from backoffice.ratings.models import Rating
from backoffice.ratings.schemas import RatingBody
from backoffice.suishen.models import Identification
from backoffice.suishen.personal import (
    is_valid_id_number,
    keyed_hash,
    mask_id_number,
    mask_name,
)
from backoffice.workcal import SHANGHAI, default_calendar

MATTERS_FILE = Path(__file__).resolve().parents[2] / "assets" / "homeservice" / "matters.json"
# Crockford-style alphabet: no 0/O or 1/I/L to misread from a thermal slip or on the phone.
ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
PREFIX = "SM"  # 上门
# How far ahead a visit may be asked for or booked, and how long one takes.
DAYS_AHEAD = 10
BOOK_AHEAD = timedelta(days=60)
VISIT_LENGTH = timedelta(hours=1)
# A visit starts within the day's visiting hours (Shanghai time).
VISITING_HOURS = (time(8, 30), time(17, 30))
# Who may be booked for a visit and sees their own: the subdistrict's staff, but for the
# terminal fleet's technicians and responsible units' staff.
VISITOR_ROLES = frozenset(Role) - {Role.UNIT_STAFF, Role.TERMINAL_MANAGER}
# Who takes requests and books visits.
DESK_ROLES = frozenset({Role.ADMIN, Role.OPERATOR, Role.CALL_TAKER, Role.SHIFT_LEADER})
# Who may record any visit's outcome and rating (besides the one who made the visit).
OUTCOME_ROLES = frozenset({Role.ADMIN, Role.OPERATOR, Role.SHIFT_LEADER})
CONTACT_OWNER = "home_service"  # contacts.OwnerKind-style: owner id = the request's id
OPEN_STATUSES = (RequestStatus.REQUESTED, RequestStatus.BOOKED, RequestStatus.NEEDS_DOCUMENTS)


@cache
def home_matters(path: Path = MATTERS_FILE) -> dict[str, dict[str, str]]:
    """Catalog code -> what the visit does ({"zh", "en"}), from assets/homeservice."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {m["code"]: dict(m["note"]) for m in raw["matters"]}


def home_matter(db: Session, code: str) -> CatalogItem:
    """The catalog matter, if staff can handle it at home; otherwise a 422 naming those that can."""
    item = db.scalars(select(CatalogItem).where(CatalogItem.code == code)).first()
    if item is None or not item.active:
        raise BadInput(f"No catalog matter has the code '{code}'.")
    if item.kind is not ItemKind.MATTER or code not in home_matters():
        raise BadInput(
            f"Matter {code} cannot be done at home; it is handled at the counter. Matters done "
            f"at home: {', '.join(home_matters())}."
        )
    return item


def options(db: Session, now: datetime) -> OptionsOut:
    """What a kiosk offers: the matters done at home, the reasons, the days one may ask for."""
    notes = home_matters()
    items = {
        i.code: i
        for i in db.scalars(
            select(CatalogItem).where(CatalogItem.code.in_(notes), CatalogItem.active)
        )
    }
    matters = [
        MatterOut(
            code=code,
            name_zh=items[code].name_zh,
            name_en=items[code].name_en,
            note_zh=note["zh"],
            note_en=note["en"],
        )
        for code, note in notes.items()
        if code in items
    ]
    return OptionsOut(matters=matters, reasons=list(Reason), days=visit_days(now))


def visit_days(now: datetime, count: int = 5) -> list[date]:
    """The next ``count`` working days after today (Shanghai)."""
    calendar = default_calendar()
    today = now.astimezone(SHANGHAI).date()
    return [calendar.add_working_days(today, n) for n in range(1, count + 1)]


def _check_preferred(preferred: list[Preferred], now: datetime) -> list[dict[str, str]]:
    today = now.astimezone(SHANGHAI).date()
    for p in preferred:
        if p.day < today:
            raise BadInput(
                f"The preferred day {p.day.isoformat()} is past; pick days from "
                f"{today.isoformat()} on."
            )
        if p.day > today + timedelta(days=DAYS_AHEAD * 3):
            raise BadInput(
                f"The preferred day {p.day.isoformat()} is too far ahead; pick days within "
                f"{DAYS_AHEAD * 3} days."
            )
    seen = {(p.day, p.part) for p in preferred}
    if len(seen) != len(preferred):
        raise BadInput("A preferred time is listed twice; list each day and part once.")
    return [{"day": p.day.isoformat(), "part": p.part.value} for p in preferred]


def new_reference(db: Session) -> str:
    while True:
        reference = PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(8))
        found = db.scalars(
            select(HomeServiceRequest.id).where(HomeServiceRequest.reference == reference)
        ).first()
        if found is None:
            return reference


def normalise_reference(reference: str) -> str:
    return "".join(ch for ch in reference.upper() if ch.isalnum())


def request_from_kiosk(
    db: Session, data: KioskRequestIn, who: Identification, terminal_id: int, now: datetime
) -> HomeServiceRequest:
    """The identified person asks for themselves; or a relative, identified by their own card,
    asks for the resident (whose identity staff confirm on the phone and at the door)."""
    if data.requested_by not in (RequestedBy.PERSON, RequestedBy.RELATIVE):
        raise BadInput("At a kiosk the person asks for themselves ('person') or a 'relative'.")
    home_matter(db, data.matter_code)
    preferred = _check_preferred(data.preferred, now)
    for_self = data.requested_by is RequestedBy.PERSON
    request = HomeServiceRequest(
        reference=new_reference(db),
        matter_code=data.matter_code,
        person_masked_name=who.masked_name if for_self else "",
        person_masked_id=who.masked_id if for_self else None,
        person_id_hash=who.id_hash if for_self else None,
        address=data.address.strip(),
        reason=data.reason,
        reason_note=data.reason_note.strip(),
        preferred=preferred,
        requested_by=data.requested_by,
        requester_masked_name=who.masked_name,
        requester_id_hash=who.id_hash,
        terminal_id=terminal_id,
        language=data.language,
        status=RequestStatus.REQUESTED,
        created_at=now,
    )
    db.add(request)
    db.flush()
    return request


def request_from_staff(
    db: Session, data: StaffRequestIn, keys: Keys | None, by: str, now: datetime
) -> HomeServiceRequest:
    """``keys`` hash the ID number and seal the phone; a request with neither needs none."""
    home_matter(db, data.matter_code)
    preferred = _check_preferred(data.preferred, now)
    number = (data.person_id_number or "").strip().upper()
    if number and not is_valid_id_number(number):
        raise BadInput(
            "The resident's ID number is not a valid 18-character number (its check character "
            "does not match); check it, or leave it empty for staff to see the card at the door."
        )
    if not data.person_name.strip():
        raise BadInput("Write the resident's name (it is kept masked).")
    if data.contact_phone:
        contacts.phone_digits(data.contact_phone)  # a number that can be dialled, or 422
    if keys is None and (number or data.contact_phone):
        raise ValueError("an ID number or a phone needs the back office's keys")
    request = HomeServiceRequest(
        reference=new_reference(db),
        matter_code=data.matter_code,
        person_masked_name=mask_name(data.person_name),
        person_masked_id=mask_id_number(number) if number else None,
        person_id_hash=keyed_hash(keys, number) if number and keys else None,
        address=data.address.strip(),
        reason=data.reason,
        reason_note=data.reason_note.strip(),
        preferred=preferred,
        requested_by=data.requested_by,
        requester_masked_name=mask_name(data.requester_name) if data.requester_name else "",
        taken_by=by,
        language="zh",
        status=RequestStatus.REQUESTED,
        created_at=now,
    )
    db.add(request)
    db.flush()
    if data.contact_phone and keys is not None:
        contacts.store(
            db,
            keys,
            owner_kind=CONTACT_OWNER,
            owner_id=request.id,
            phone=data.contact_phone,
            name=data.requester_name or data.person_name,
            consent_at=now,  # given on the call, to be called about the visit
            taken_by=by,
            now=now,
        )
    return request


def contact(db: Session, request: HomeServiceRequest) -> Contact | None:
    return contacts.contact_of(db, CONTACT_OWNER, request.id)


def _ended(db: Session, request: HomeServiceRequest, now: datetime) -> None:
    """A finished request keeps no phone number in the clear: the contact is erased."""
    kept = contact(db, request)
    if kept is not None and not lifecycle.ALLOWED[request.status]:
        contacts.erase(kept, now)


def get_request(db: Session, reference: str) -> HomeServiceRequest:
    found = db.scalars(
        select(HomeServiceRequest).where(
            HomeServiceRequest.reference == normalise_reference(reference)
        )
    ).first()
    if found is None:
        raise NotFound(f"No home-service request has the reference '{reference}'.")
    return found


def get_visit(db: Session, ref: str) -> HomeVisit:
    visit_id = parse_id(ref)
    visit = db.get(HomeVisit, visit_id) if visit_id is not None else None
    if visit is None:
        raise NotFound(f"No home visit has the id '{ref}'.")
    return visit


def current_visit(db: Session, request: HomeServiceRequest) -> HomeVisit | None:
    """The visit booked now, or else the last one made."""
    return db.scalars(
        select(HomeVisit)
        .where(HomeVisit.request_id == request.id)
        .order_by(HomeVisit.cancelled_at.is_not(None), HomeVisit.starts_at.desc())
    ).first()


def book(
    db: Session,
    request: HomeServiceRequest,
    data: BookIn,
    by: str,
    now: datetime,
    texts: TextMessages | None = None,
) -> HomeVisit:
    """Book a visit for a member of staff. Refused, with the fix, for a time past, outside the
    visiting hours or too far ahead, a matter no longer done at home, someone not on the
    staff, or a clash with that person's other visit."""
    starts = data.starts_at
    if starts.tzinfo is None:
        raise BadInput("Give the visit's time with its time zone, e.g. 2026-12-08T09:30+08:00.")
    starts = starts.astimezone(UTC)
    if starts <= now:
        local_now = now.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        raise BadInput(
            f"The visit time {_local(starts)} is in the past (it is {local_now} now); book a "
            "time to come."
        )
    if starts - now > BOOK_AHEAD:
        raise BadInput(f"Book a visit within {BOOK_AHEAD.days} days; {_local(starts)} is further.")
    local = starts.astimezone(SHANGHAI).time()
    if not VISITING_HOURS[0] <= local <= VISITING_HOURS[1]:
        raise BadInput(
            f"A visit starts between {VISITING_HOURS[0]:%H:%M} and {VISITING_HOURS[1]:%H:%M} "
            f"(Shanghai time); {_local(starts)} is outside."
        )
    home_matter(db, request.matter_code)
    lifecycle.check(request, RequestStatus.BOOKED, "book a visit")
    staff = db.scalars(select(Staff).where(Staff.username == data.staff.strip())).first()
    if staff is None or not staff.active or staff.role not in VISITOR_ROLES:
        raise BadInput(
            f"'{data.staff}' is not an active member of the subdistrict's staff; book the visit "
            "for one."
        )
    clash = db.scalars(
        select(HomeVisit).where(
            HomeVisit.staff_id == staff.id,
            HomeVisit.cancelled_at.is_(None),
            HomeVisit.outcome.is_(None),
            HomeVisit.starts_at > starts - VISIT_LENGTH,
            HomeVisit.starts_at < starts + VISIT_LENGTH,
        )
    ).first()
    if clash is not None:
        other = db.get_one(HomeServiceRequest, clash.request_id)
        raise Conflict(
            f"{staff.username} has visit {other.reference} at {_local(clash.starts_at)}; a "
            f"visit takes {int(VISIT_LENGTH.total_seconds() // 60)} min, so pick another time "
            "or another member of staff."
        )
    visit = HomeVisit(
        request_id=request.id,
        staff_id=staff.id,
        starts_at=starts,
        booked_by=by,
        booked_at=now,
        told_by="call",
        outcome_note="",
    )
    db.add(visit)
    lifecycle.move(request, RequestStatus.BOOKED, "book a visit")
    db.flush()
    if texts is not None and texts.send(request, booked_text(request, visit, staff)):
        visit.told_by = "sms"
    return visit


def cancel(db: Session, request: HomeServiceRequest, now: datetime) -> None:
    """The resident no longer needs the visit: the booked one (if any) is cancelled too."""
    lifecycle.move(request, RequestStatus.CANCELLED, "cancel the request")
    _ended(db, request, now)
    for visit in db.scalars(
        select(HomeVisit).where(
            HomeVisit.request_id == request.id,
            HomeVisit.cancelled_at.is_(None),
            HomeVisit.outcome.is_(None),
        )
    ):
        visit.cancelled_at = now


def may_record(principal: Principal, visit: HomeVisit) -> bool:
    """The member of staff who made the visit, or the ops centre's desk."""
    return principal.staff_id == visit.staff_id or principal.role in OUTCOME_ROLES


def record_outcome(
    db: Session, visit: HomeVisit, data: OutcomeIn, principal: Principal, now: datetime
) -> None:
    if not may_record(principal, visit):
        raise Forbidden("Only the member of staff who made the visit, or the desk, records it.")
    if visit.cancelled_at is not None:
        raise Conflict("This visit was cancelled; nothing happened to record.")
    if visit.outcome is not None:
        raise Conflict(f"This visit's outcome was recorded already ({visit.outcome.value}).")
    if visit.starts_at > now:
        raise Conflict(f"The visit is booked for {_local(visit.starts_at)}; record it after.")
    note = data.note.strip()
    if data.outcome is not VisitOutcome.DONE and not note:
        what = (
            "which documents are missing"
            if data.outcome is VisitOutcome.NEEDS_DOCUMENTS
            else "why it cannot be done at home"
        )
        raise BadInput(f"Write {what}: the resident and the desk need to know.")
    request = db.get_one(HomeServiceRequest, visit.request_id)
    lifecycle.move(request, RequestStatus(data.outcome.value), "record the outcome")
    visit.outcome = data.outcome
    visit.outcome_note = note
    visit.outcome_at = now
    visit.outcome_by = principal.name
    _ended(db, request, now)
    db.flush()


# --- lists -----------------------------------------------------------------------------------


def list_requests(db: Session, status: RequestStatus | None = None) -> list[HomeServiceRequest]:
    query = select(HomeServiceRequest).order_by(
        HomeServiceRequest.created_at.desc(), HomeServiceRequest.id.desc()
    )
    if status is not None:
        query = query.where(HomeServiceRequest.status == status)
    return list(db.scalars(query.limit(500)))


def visits_of(db: Session, staff_id: int | None, since: datetime) -> list[HomeVisit]:
    """Visits from ``since`` on, soonest first (one member of staff's, or everyone's)."""
    query = (
        select(HomeVisit)
        .where(HomeVisit.starts_at >= since, HomeVisit.cancelled_at.is_(None))
        .order_by(HomeVisit.starts_at, HomeVisit.id)
    )
    if staff_id is not None:
        query = query.where(HomeVisit.staff_id == staff_id)
    return list(db.scalars(query.limit(500)))


def requests_of(db: Session, who: Identification) -> list[HomeServiceRequest]:
    """The open requests an identified person made or is the subject of, newest first."""
    return list(
        db.scalars(
            select(HomeServiceRequest)
            .where(
                (HomeServiceRequest.person_id_hash == who.id_hash)
                | (HomeServiceRequest.requester_id_hash == who.id_hash),
                HomeServiceRequest.status.in_(OPEN_STATUSES),
            )
            .order_by(HomeServiceRequest.created_at.desc())
            .limit(10)
        )
    )


def day_start(now: datetime) -> datetime:
    """Midnight of today, Shanghai time."""
    return datetime.combine(now.astimezone(SHANGHAI).date(), time(0), tzinfo=SHANGHAI)


def counts(db: Session, now: datetime) -> dict[str, int]:
    """The dashboard's figures: waiting to be booked, visits today, done in the last 7 days."""
    start = day_start(now)

    def count(*where: Any) -> int:
        return int(db.scalar(select(func.count()).where(*where)) or 0)

    return {
        "waiting": count(
            HomeServiceRequest.status.in_((RequestStatus.REQUESTED, RequestStatus.NEEDS_DOCUMENTS))
        ),
        "today": count(
            HomeVisit.cancelled_at.is_(None),
            HomeVisit.starts_at >= start,
            HomeVisit.starts_at < start + timedelta(days=1),
        ),
        "done_7d": count(
            HomeVisit.outcome == VisitOutcome.DONE,
            HomeVisit.outcome_at >= now - timedelta(days=7),
        ),
    }


# --- answers ---------------------------------------------------------------------------------


def visit_out(db: Session, visit: HomeVisit) -> VisitOut:
    staff = db.get_one(Staff, visit.staff_id)
    request = db.get_one(HomeServiceRequest, visit.request_id)
    level = None
    if visit.rating_id is not None:
        level = db.get_one(Rating, visit.rating_id).level
    return VisitOut(
        id=visit.id,
        reference=request.reference,
        staff=staff.username,
        staff_name=staff.display_name,
        starts_at=visit.starts_at,
        told_by=visit.told_by,
        cancelled=visit.cancelled_at is not None,
        outcome=visit.outcome,
        outcome_note=visit.outcome_note,
        outcome_at=visit.outcome_at,
        rating_id=visit.rating_id,
        rating_level=level,
    )


def out(db: Session, request: HomeServiceRequest) -> RequestOut:
    item = db.scalars(select(CatalogItem).where(CatalogItem.code == request.matter_code)).first()
    visit = current_visit(db, request)
    return RequestOut(
        reference=request.reference,
        matter_code=request.matter_code,
        matter_name_zh=item.name_zh if item else request.matter_code,
        matter_name_en=item.name_en if item else request.matter_code,
        person_masked_name=request.person_masked_name,
        person_masked_id=request.person_masked_id,
        address=request.address,
        reason=request.reason,
        reason_note=request.reason_note,
        preferred=[Preferred.model_validate(p) for p in request.preferred],
        requested_by=request.requested_by,
        requester_masked_name=request.requester_masked_name,
        contact_masked=contacts.masked(kept) if (kept := contact(db, request)) else None,
        status=request.status,
        created_at=request.created_at,
        visit=visit_out(db, visit) if visit is not None else None,
    )


def _local(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def rate(
    db: Session,
    visit: HomeVisit,
    data: VisitRatingIn,
    principal: Principal,
    now: datetime,
    *,
    working_days: int,
    keys: Keys,
) -> Rating:
    """The resident's rating of a visit that took place, entered with them by the member of
    staff (or the desk, from a callback). It joins every other rating (channel home_visit): a
    bad one opens a rectification for the matter's office. One per visit; the same rating sent
    again is answered with the first."""
    if not may_record(principal, visit):
        raise Forbidden("Only the member of staff who made the visit, or the desk, records it.")
    if visit.outcome is None:
        raise Conflict("Record the visit's outcome first; a visit is rated once it took place.")
    request = db.get_one(HomeServiceRequest, visit.request_id)
    staff = db.get_one(Staff, visit.staff_id)
    body = RatingBody(
        matter_code=request.matter_code,
        level=data.level,
        reasons=data.reasons,
        comment=data.comment,
        staff_code=staff.username,
        staff_name=staff.display_name,
    )
    rating, _created = ratings.rate_home_visit(
        db,
        body,
        key=f"home-visit-{visit.id}",
        now=now,
        working_days=working_days,
        keys=keys,
    )
    visit.rating_id = rating.id
    db.flush()
    return rating
