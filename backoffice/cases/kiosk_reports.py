"""Problem reports from kiosks: the short list of types and the roads a kiosk offers, and filing a
report as a case with the kiosk as its source (terminal tokens only)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from backoffice.access import CurrentTerminal
from backoffice.cases import descriptions
from backoffice.cases.intake import CaseReport, file_report
from backoffice.cases.models import CaseType
from backoffice.cases.photos import Photo, PhotoKind
from backoffice.cases.schemas import PhotoIn
from backoffice.cases.states import CaseSource
from backoffice.deps import DbSession, Now
from backoffice.errors import BadInput
from backoffice.fleet.models import Terminal
from backoffice.places.landmarks import all_landmarks, landmark_point
from backoffice.places.models import Place, PlaceKind
from backoffice.settings import Settings

router = APIRouter(prefix="/api/v1/kiosk-reports", tags=["cases"])

# What residents report most at a kiosk, in the order the kiosk shows them; a resident cannot
# tell a sewer manhole from a telecom one, so the taxonomy's finer types stay with inspectors.
KIOSK_TYPES = (
    "E-0102",  # exposed litter
    "E-0107",  # illegal dumping
    "E-0506",  # shared bike illegally parked
    "E-0502",  # street stall on pavement
    "C-0109",  # street light
    "E-0405",  # waterlogging
    "E-0406",  # fallen tree
    "E-0201",  # illegal flyers
)


class Choice(BaseModel):
    code: str
    name_zh: str
    name_en: str


class ReportChoices(BaseModel):
    types: list[Choice]
    roads: list[Choice]
    # Per road code: its crossings, compounds and buildings with house numbers, collection
    # points, from its start (places/landmarks); the resident's pick gives the report a point.
    landmarks: dict[str, list[Choice]] = Field(default_factory=dict)


class KioskReportIn(BaseModel):
    type_code: str
    road_code: str
    landmark_code: str | None = Field(
        default=None,
        description=(
            "A landmark of the road from the choices (a crossing, a house number, a collection "
            "point): the report then has a point, its grid and nearest road. Kiosks of an "
            "earlier version send the road alone."
        ),
    )
    # The kiosk's own id for this report (its outbox idempotency key): a resend files once.
    report_id: str = Field(min_length=8, max_length=64)
    photo_jpeg_base64: str | None = Field(
        default=None,
        description="A photo from the kiosk camera, JPEG, base64-encoded (at most 5 MiB).",
    )


class KioskReportOut(BaseModel):
    case_number: str
    created: bool


@router.get("/choices")
def choices(db: DbSession, now: Now, _terminal: CurrentTerminal) -> ReportChoices:
    """The types, roads and each road's landmarks a kiosk offers, in the order it shows them."""
    types = {t.code: t for t in db.scalars(select(CaseType).where(CaseType.code.in_(KIOSK_TYPES)))}
    roads = list(db.scalars(select(Place).where(Place.kind == PlaceKind.ROAD).order_by(Place.code)))
    along = all_landmarks(db, now)
    return ReportChoices(
        landmarks={
            r.code: [
                Choice(code=lm.code, name_zh=lm.name_zh, name_en=lm.name_en)
                for lm in along.get(r.code, [])
            ]
            for r in roads
        },
        types=[
            Choice(code=code, name_zh=types[code].name_zh, name_en=types[code].name_en)
            for code in KIOSK_TYPES
            if code in types
        ],
        roads=[Choice(code=r.code, name_zh=r.name_zh, name_en=r.name_en) for r in roads],
    )


@router.post("", status_code=201)
def file_kiosk_report(
    body: KioskReportIn,
    request: Request,
    response: Response,
    db: DbSession,
    now: Now,
    terminal_id: CurrentTerminal,
) -> KioskReportOut:
    """File a resident's report as a case from this kiosk (201); the same report_id files
    once, and a resend answers 200 with the first case."""
    terminal = db.get_one(Terminal, terminal_id)
    if body.type_code not in KIOSK_TYPES:
        raise BadInput(
            f"A kiosk reports only the types {', '.join(KIOSK_TYPES)}; not '{body.type_code}'.",
            field="type_code",
        )
    settings: Settings = request.app.state.settings
    photos: tuple[Photo, ...] = ()
    if body.photo_jpeg_base64 is not None:
        photo = PhotoIn(
            kind=PhotoKind.BEFORE, content_type="image/jpeg", data_base64=body.photo_jpeg_base64
        )
        photos = (photo.to_photo(),)
    point = (
        landmark_point(db, body.road_code, body.landmark_code, now) if body.landmark_code else None
    )
    result = file_report(
        db,
        CaseReport(
            source=CaseSource.KIOSK,
            type_code=body.type_code,
            description=f"自助终端 {terminal.code} 居民上报",
            description_fact=descriptions.fact(descriptions.KIOSK_REPORT, terminal=terminal.code),
            road_code=body.road_code,
            lon=point[0] if point else None,
            lat=point[1] if point else None,
            reporter=f"kiosk:{terminal.code}",
            external_ref=f"{terminal.code}:{body.report_id}",
            photos=photos,
        ),
        now,
        photo_dir=settings.data_dir / "photos",
    )
    if not result.created:
        response.status_code = 200
    return KioskReportOut(case_number=result.case_number, created=result.created)
