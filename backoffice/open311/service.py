"""Open311 keys, and case types and cases seen as GeoReport services and service requests."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from backoffice.cases.intake import CaseReport, CaseSource, file_report
from backoffice.cases.models import Case, CaseType
from backoffice.cases.states import OPEN_STATES, CaseState
from backoffice.cases.taxonomy import TYPE_BULKY_WASTE, TYPE_SHARED_BIKE_PARKING
from backoffice.errors import BadInput, Conflict, DomainError, NotFound
from backoffice.identity.service import audit
from backoffice.open311.models import Open311Key, Open311Request, Open311Token
from backoffice.places import geometry as geo
from backoffice.places.landmarks import locate_address
from backoffice.places.models import Place, PlaceKind
from backoffice.privacy import mask_personal_numbers
from backoffice.renovations import piles

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


# Reports of rubble the renovation bookings are checked for.
RUBBLE_TYPES = frozenset({TYPE_BULKY_WASTE, piles.TYPE_RENOVATION_DUMPING})


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


def key_for(db: Session, api_key: object) -> Open311Key:
    if not isinstance(api_key, str) or not api_key:
        raise InvalidKey("api_key is required to post a service request.")
    row = db.scalars(select(Open311Key).where(Open311Key.digest == _digest(api_key))).first()
    if row is None or row.revoked_at is not None:
        raise InvalidKey("api_key is not valid; ask the subdistrict for a key.")
    return row


@dataclass(frozen=True)
class Attribute:
    """One question a service asks beyond the description (a GeoReport attribute)."""

    code: str
    datatype: str  # number or singlevaluelist here
    description: str
    datatype_description: str
    order: int
    required: bool = False
    values: tuple[tuple[str, str], ...] = ()  # (key, name) of a singlevaluelist
    maximum: int = 0  # for a number: the largest count accepted

    def record(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "variable": True,
            "code": self.code,
            "datatype": self.datatype,
            "required": self.required,
            "datatype_description": self.datatype_description,
            "order": self.order,
            "description": self.description,
        }
        if self.values:
            record["values"] = [{"key": k, "name": n} for k, n in self.values]
        return record

    def parse(self, raw: object) -> int | str:
        """The value posted, checked; BadInput (400) names the attribute and what it takes."""
        text = str(raw).strip() if isinstance(raw, str | int) else ""
        if self.datatype == "number":
            if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= self.maximum:
                raise BadInput(
                    f"attribute[{self.code}] must be a whole number from 1 to {self.maximum}."
                )
            return int(text)
        keys = [k for k, _ in self.values]
        if text not in keys:
            raise BadInput(f"attribute[{self.code}] must be one of: {', '.join(keys)}.")
        return text

    def shown(self, value: int | str) -> str:
        if self.values:
            return dict(self.values).get(str(value), str(value))
        return str(value)


# The services whose cases a count or a size makes actionable: how many bikes to move, how big
# a truck to send.
ATTRIBUTES: dict[str, tuple[Attribute, ...]] = {
    TYPE_SHARED_BIKE_PARKING: (
        Attribute(
            code="bike_count",
            datatype="number",
            description="大约有几辆共享单车? (About how many shared bikes?)",
            datatype_description="A whole number from 1 to 500.",
            order=1,
            maximum=500,
        ),
    ),
    TYPE_BULKY_WASTE: (
        Attribute(
            code="pile_size",
            datatype="singlevaluelist",
            description="堆物有多大? (How big is the pile?)",
            datatype_description="One of the keys listed.",
            order=1,
            values=(
                ("small", "一人可搬 (one person can carry it)"),
                ("medium", "需要小推车 (needs a handcart)"),
                ("large", "需要货车 (needs a truck)"),
            ),
        ),
    ),
}


def service_record(case_type: CaseType) -> dict[str, Any]:
    return {
        "service_code": case_type.code,
        "service_name": case_type.name_zh,
        "description": f"{case_type.name_en}. {case_type.filing_criteria}".strip(),
        "metadata": case_type.code in ATTRIBUTES,
        # realtime: a request gets its service_request_id in the POST answer (no token).
        "type": "realtime",
        "keywords": ",".join(k for k in (case_type.name_en, case_type.category.name_en) if k),
        "group": case_type.category.name_zh,
    }


def service_definition(case_type: CaseType) -> dict[str, Any]:
    attributes = ATTRIBUTES.get(case_type.code, ())
    return {"service_code": case_type.code, "attributes": [a.record() for a in attributes]}


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


def request_record(case: Case, posted: Open311Request | None = None) -> dict[str, Any]:
    where = [p.name_zh for p in (case.road, case.place) if p is not None]
    # What an app posted is shown back as posted (personal numbers masked again on the way
    # out, for requests stored before masking came in); staff-written descriptions of other
    # sources may name people, so those show the case type only.
    if posted is not None:
        description = mask_personal_numbers(posted.description)
    elif case.source is CaseSource.OPEN311:
        description = mask_personal_numbers(case.description)
    else:
        description = case.type.name_zh
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
        "address": (posted.address_string if posted and posted.address_string else " ".join(where)),
        "address_id": case.place.code if case.place else "",
        "zipcode": "",
        "lat": case.lat,
        "long": case.lon,
        "media_url": posted.media_url if posted is not None else "",
    }


def posted_of(db: Session, cases: list[Case]) -> dict[int, Open311Request]:
    if not cases:
        return {}
    rows = db.scalars(
        select(Open311Request).where(Open311Request.case_id.in_([c.id for c in cases]))
    )
    return {row.case_id: row for row in rows}


def request_records(db: Session, cases: list[Case]) -> list[dict[str, Any]]:
    posted = posted_of(db, cases)
    return [request_record(c, posted.get(c.id)) for c in cases]


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


@dataclass(frozen=True)
class PostedRequest:
    service_code: str
    description: str
    lat: float | None
    lon: float | None
    address_string: str
    address_id: str
    media_url: str
    attributes: dict[str, object]


@dataclass(frozen=True)
class Posted:
    service_request_id: str
    notice: str


MAX_DESCRIPTION = 4000  # GeoReport v2
MAX_ADDRESS = 500
MAX_MEDIA_URL = 2000


def _site(db: Session, address_id: str) -> Place:
    place = db.scalars(select(Place).where(Place.code == address_id)).first()
    if place is None or place.kind in (PlaceKind.GRID, PlaceKind.COMMUNITY):
        raise BadInput(
            f"address_id '{address_id}' is not a place of the subdistrict; use the address_id "
            "of a request GET requests answered."
        )
    return place


def _centre(place: Place) -> tuple[float, float]:
    points = geo.all_positions(place.geometry)
    return (
        sum(p[0] for p in points) / len(points),
        sum(p[1] for p in points) / len(points),
    )


def check_attributes(case_type: CaseType, raw: dict[str, object]) -> dict[str, int | str]:
    asked = {a.code: a for a in ATTRIBUTES.get(case_type.code, ())}
    unknown = sorted(set(raw) - set(asked))
    if unknown:
        offered = ", ".join(sorted(asked)) or "none"
        raise BadInput(
            f"service '{case_type.code}' has no attribute {', '.join(unknown)} (it has: "
            f"{offered}); GET services/{case_type.code} lists them."
        )
    values = {code: asked[code].parse(value) for code, value in raw.items()}
    missing = [a.code for a in asked.values() if a.required and a.code not in values]
    if missing:
        raise BadInput(f"attribute[{missing[0]}] is required for this service.")
    return values


def _check_media_url(url: str) -> str:
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if len(url) > MAX_MEDIA_URL or parts.scheme not in ("http", "https") or not parts.netloc:
        raise BadInput(f"media_url must be an http(s) URL of at most {MAX_MEDIA_URL} characters.")
    return url


def post_request(
    db: Session, key: Open311Key, posted: PostedRequest, now: datetime, photo_dir: Any = None
) -> Posted:
    """File the request through the one intake (a call-taker files it). The case's own
    description, for staff, carries the address, photo link and attributes too; GeoReport reads
    back what was posted."""
    case_type = service_type(db, posted.service_code)
    description = posted.description.strip()
    if len(description) > MAX_DESCRIPTION:
        raise BadInput(
            f"description has {len(description)} characters; GeoReport allows {MAX_DESCRIPTION}."
        )
    address = posted.address_string.strip()
    if len(address) > MAX_ADDRESS:
        raise BadInput(f"address_string is longer than {MAX_ADDRESS} characters.")
    media_url = _check_media_url(posted.media_url)
    attributes = check_attributes(case_type, posted.attributes)
    lon, lat = posted.lon, posted.lat
    road_code = place_code = None
    if posted.address_id:
        site = _site(db, posted.address_id)
        place_code = site.code if site.kind is not PlaceKind.ROAD else None
        road_code = site.code if site.kind is PlaceKind.ROAD else None
        if lon is None and lat is None and site.kind is not PlaceKind.ROAD:
            lon, lat = _centre(site)
    elif lat is None and lon is None:
        located = locate_address(db, address, now) if address else None
        if located is None:
            raise BadInput(
                "Give lat and long (WGS84), an address_id, or an address_string that names one "
                "of the subdistrict's roads."
            )
        road_code = located.road.code
        # A landmark the address names (a site, a crossing) gives the request its point, so it
        # has a grid and merges with a case already open at that spot.
        if located.landmark is not None:
            lon, lat = located.landmark.lon, located.landmark.lat
            if located.landmark.kind != "crossing":
                place_code = located.landmark.code
    for_staff = [description or f"{case_type.name_zh} (Open311, no description)"]
    if address:
        for_staff.append(f"地址 (address): {address}")
    if media_url:
        for_staff.append(f"照片链接 (media_url): {media_url}")
    for code, value in attributes.items():
        attribute = next(a for a in ATTRIBUTES[case_type.code] if a.code == code)
        for_staff.append(f"{attribute.description}: {attribute.shown(value)}")
    # Rubble at a renovation point: the bookings say whether it is planned work.
    pile = (
        piles.check(db, place_code, now) if place_code and case_type.code in RUBBLE_TYPES else None
    )
    booked_notice = ""
    if pile is not None:
        note, booked_notice = piles.booking_note(db, pile)
        for_staff.append(note)
    result = file_report(
        db,
        CaseReport(
            source=CaseSource.OPEN311,
            type_code=posted.service_code,
            description="\n".join(for_staff),
            lon=lon,
            lat=lat,
            road_code=road_code,
            place_code=place_code,
            reporter=f"open311:{key.name}"[:100],
        ),
        now,
        photo_dir=photo_dir,
    )
    if result.created:
        db.add(
            Open311Request(
                case_id=result.case_id,
                key_id=key.id,
                description=mask_personal_numbers(description),
                address_string=mask_personal_numbers(address),
                address_id=posted.address_id,
                media_url=mask_personal_numbers(media_url),
                attributes=attributes,
                created_at=now,
            )
        )
        db.flush()
    if pile is not None and not pile.in_window:
        piles.record_case(db, pile, result.case_id, None, now)
    notice = (
        "已受理, 将由受理员立案 (received; a call-taker will file it)"
        if result.created
        else "同一问题已有在办案件, 您的报告已作为证据并入 (already reported; added as evidence)"
    )
    return Posted(result.case_number, booked_notice or notice)


def token_request(db: Session, token: str) -> Open311Token:
    row = db.get(Open311Token, token)
    if row is None:
        raise NotFound(f"token '{token}' not found.")
    return row
