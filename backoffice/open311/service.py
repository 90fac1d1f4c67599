"""Open311 keys, and case types and cases seen as GeoReport services and service requests."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from backoffice.cases.intake import CaseReport, CaseSource, file_report
from backoffice.cases.models import Case, CaseType
from backoffice.cases.states import OPEN_STATES, CaseState
from backoffice.errors import BadInput, Conflict, DomainError, NotFound
from backoffice.identity.service import audit
from backoffice.open311.models import Open311Key, Open311Token
from backoffice.places.models import Place, PlaceKind
from backoffice.privacy import mask_personal_numbers

KEY_PREFIX = "o311_"
DEFAULT_WINDOW = timedelta(days=90)  # GeoReport: the default and the widest query window
MAX_RECORDS = 1000

STATE_NOTES = {
    CaseState.REPORTED: "已受理, 待立案 (received, awaiting filing)",
    CaseState.FILED: "已立案 (filed)",
    CaseState.DISPATCHED: "已派遣 (dispatched to the responsible unit)",
    CaseState.HANDLING: "处置中 (being handled)",
    CaseState.HANDLED: "已处置, 待核查 (handled, awaiting verification)",
    CaseState.VERIFIED: "已核查 (verified)",
    CaseState.CLOSED: "已结案 (closed)",
    CaseState.HELD: "挂账 (on hold)",
    CaseState.VOIDED: "已作废 (voided: not a case)",
}


class InvalidKey(DomainError):
    status_code = 403


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_key(db: Session, name: str, now: datetime, actor: str = "cli") -> str:
    """A new key for the app `name`; only its digest is kept, so the key is shown once."""
    name = name.strip()
    if not name or len(name) > 100:
        raise BadInput("Name the app the key is for (1 to 100 characters).")
    if db.scalars(select(Open311Key.id).where(Open311Key.name == name)).first():
        raise Conflict(f"An Open311 key for '{name}' exists already; pick another name.")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    db.add(Open311Key(name=name, digest=_digest(key), created_at=now))
    audit(db, actor=actor, action="issue_open311_key", target=name, now=now)
    db.flush()
    return key


def list_keys(db: Session) -> list[Open311Key]:
    return list(db.scalars(select(Open311Key).order_by(Open311Key.id)))


def revoke_key(db: Session, name: str, now: datetime, actor: str) -> Open311Key:
    """Revoke the key of the app `name` (audited); it is refused from the next request on."""
    row = db.scalars(select(Open311Key).where(Open311Key.name == name)).first()
    if row is None:
        raise NotFound(f"No Open311 key is issued to '{name}'; `open311 list-keys` lists them.")
    if row.revoked_at is None:
        row.revoked_at = now
        audit(db, actor=actor, action="revoke_open311_key", target=name, now=now)
        db.flush()
    return row


def key_for(db: Session, api_key: str | None) -> Open311Key:
    if not api_key:
        raise InvalidKey("api_key is required to post a service request.")
    row = db.scalars(select(Open311Key).where(Open311Key.digest == _digest(api_key))).first()
    if row is None or row.revoked_at is not None:
        raise InvalidKey("api_key is not valid; ask the subdistrict for a key.")
    return row


def service_record(case_type: CaseType) -> dict[str, Any]:
    return {
        "service_code": case_type.code,
        "service_name": case_type.name_zh,
        "description": f"{case_type.name_en}. {case_type.filing_criteria}".strip(),
        "metadata": False,
        "type": "realtime",
        "keywords": ",".join(k for k in (case_type.name_en, case_type.category.name_en) if k),
        "group": case_type.category.name_zh,
    }


def services(db: Session) -> list[dict[str, Any]]:
    types = db.scalars(
        select(CaseType)
        .where(CaseType.active.is_(True))
        .options(joinedload(CaseType.category))
        .order_by(CaseType.code)
    )
    return [service_record(t) for t in types]


def service_type(db: Session, code: str) -> CaseType:
    case_type = db.scalars(select(CaseType).where(CaseType.code == code)).first()
    if case_type is None or not case_type.active:
        raise NotFound(f"service_code '{code}' not found; GET services lists the codes.")
    return case_type


def request_record(case: Case) -> dict[str, Any]:
    where = [p.name_zh for p in (case.road, case.place) if p is not None]
    # Only what the public reported is shown back in full; staff-written descriptions of
    # other sources may name people, so those show the case type only.
    # Masked again on the way out for requests stored before masking came in.
    description = (
        mask_personal_numbers(case.description)
        if case.source is CaseSource.OPEN311
        else case.type.name_zh
    )
    return {
        "service_request_id": case.number,
        "status": "open" if case.state in OPEN_STATES else "closed",
        "status_notes": STATE_NOTES[case.state],
        "service_name": case.type.name_zh,
        "service_code": case.type.code,
        "description": description,
        "agency_responsible": case.unit.name_zh if case.unit else "",
        "service_notice": "",
        "requested_datetime": case.reported_at,
        "updated_datetime": case.updated_at,
        "expected_datetime": case.due_at,
        "address": " ".join(where),
        "address_id": case.place.code if case.place else "",
        "zipcode": "",
        "lat": case.lat,
        "long": case.lon,
        "media_url": "",
    }


@dataclass(frozen=True)
class RequestQuery:
    ids: list[str]
    service_codes: list[str]
    start: datetime | None
    end: datetime | None
    status: list[str]


def _case_query() -> Any:
    return select(Case).options(
        joinedload(Case.type),
        joinedload(Case.unit),
        joinedload(Case.road),
        joinedload(Case.place),
    )


def find_requests(db: Session, query: RequestQuery, now: datetime) -> list[Case]:
    if query.ids:
        # service_request_id overrides every other parameter (GeoReport v2).
        return list(db.scalars(_case_query().where(Case.number.in_(query.ids)).order_by(Case.id)))
    # A missing end is 90 days after the start (or now); a missing start, 90 days before the end.
    end = query.end or (query.start + DEFAULT_WINDOW if query.start else now)
    start = query.start or (end - DEFAULT_WINDOW)
    if end < start:
        raise BadInput("end_date is before start_date.")
    if end - start > DEFAULT_WINDOW:
        raise BadInput("start_date and end_date may not span more than 90 days.")
    stmt = _case_query().where(Case.reported_at >= start, Case.reported_at <= end)
    if query.service_codes:
        stmt = stmt.join(CaseType, Case.type_id == CaseType.id).where(
            CaseType.code.in_(query.service_codes)
        )
    bad = set(query.status) - {"open", "closed"}
    if bad:
        raise BadInput(f"status may be open or closed, not {', '.join(sorted(bad))}.")
    if query.status == ["open"]:
        stmt = stmt.where(Case.state.in_(OPEN_STATES))
    elif query.status == ["closed"]:
        stmt = stmt.where(Case.state.not_in(OPEN_STATES))
    stmt = stmt.order_by(Case.reported_at.desc(), Case.id.desc()).limit(MAX_RECORDS)
    return list(db.scalars(stmt))


def get_request(db: Session, number: str) -> Case:
    case = db.scalars(_case_query().where(Case.number == number)).first()
    if case is None:
        raise NotFound(f"service_request_id '{number}' not found.")
    return case


def _road_named_in(db: Session, address: str) -> Place | None:
    roads = db.scalars(select(Place).where(Place.kind == PlaceKind.ROAD).order_by(Place.code))
    # The longest name first: 江苏路 must not match inside 江苏北路.
    for road in sorted(roads, key=lambda r: -len(r.name_zh)):
        if road.name_zh and road.name_zh in address:
            return road
        if road.name_en and road.name_en.lower() in address.lower():
            return road
    return None


@dataclass(frozen=True)
class PostedRequest:
    service_code: str
    description: str
    lat: float | None
    lon: float | None
    address_string: str
    media_url: str


@dataclass(frozen=True)
class Posted:
    service_request_id: str
    token: str
    notice: str


def post_request(
    db: Session, key: Open311Key, posted: PostedRequest, now: datetime, photo_dir: Any = None
) -> Posted:
    """File the request through the one intake (the call-taker files it), and hand a token."""
    service_type(db, posted.service_code)
    road_code = None
    if posted.lat is None and posted.lon is None:
        road = _road_named_in(db, posted.address_string) if posted.address_string else None
        if road is None:
            raise BadInput(
                "Give lat and long (WGS84), or an address_string that names one of the "
                "subdistrict's roads."
            )
        road_code = road.code
    description = posted.description.strip()
    if posted.address_string:
        description = f"{description}\n地址 (address): {posted.address_string.strip()}"
    if posted.media_url:
        description = f"{description}\n照片链接 (media_url): {posted.media_url.strip()}"
    result = file_report(
        db,
        CaseReport(
            source=CaseSource.OPEN311,
            type_code=posted.service_code,
            description=description,
            lon=posted.lon,
            lat=posted.lat,
            road_code=road_code,
            reporter=f"open311:{key.name}"[:100],
        ),
        now,
        photo_dir=photo_dir,
    )
    token = str(uuid.uuid4())
    db.add(Open311Token(token=token, case_id=result.case_id, key_id=key.id, created_at=now))
    db.flush()
    notice = (
        "已受理, 将由受理员立案 (received; a call-taker will file it)"
        if result.created
        else "同一问题已有在办案件, 您的报告已作为证据并入 (already reported; added as evidence)"
    )
    return Posted(result.case_number, token, notice)


def token_request(db: Session, token: str) -> Open311Token:
    row = db.get(Open311Token, token)
    if row is None:
        raise NotFound(f"token '{token}' not found.")
    return row
