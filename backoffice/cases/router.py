"""Cases API: intake for inspectors and call-takers, the case list and record, actions for
staff and for responsible units, photos, the taxonomy and the dispatch rules."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import FileResponse

from backoffice.access import SUBDISTRICT_ROLES, CurrentPrincipal, Principal, Role, authorize
from backoffice.cases import service
from backoffice.cases.intake import CaseReport, file_report
from backoffice.cases.models import Case
from backoffice.cases.photos import PhotoKind
from backoffice.cases.schemas import (
    ActionIn,
    CaseCreate,
    CaseOut,
    CaseSummary,
    CaseTypeOut,
    CaseTypeUpdate,
    Comparison,
    DispatchStats,
    FilingOut,
    RuleIn,
    RuleOut,
)
from backoffice.cases.states import CaseAction, CaseSource, CaseState
from backoffice.deps import DbSession, Now
from backoffice.errors import BadInput, Forbidden
from backoffice.inputs import MAX_ID, IdParam, Moment
from backoffice.settings import Settings

router = APIRouter(prefix="/api/v1", tags=["cases"])

# Which sources each intake role may file for.
INTAKE_SOURCES: dict[Role, frozenset[CaseSource]] = {
    Role.INSPECTOR: frozenset({CaseSource.INSPECTOR}),
    Role.CALL_TAKER: frozenset({CaseSource.HOTLINE, CaseSource.POLICE_110}),
    Role.OPERATOR: frozenset({CaseSource.INSPECTOR, CaseSource.HOTLINE, CaseSource.POLICE_110}),
    Role.SHIFT_LEADER: frozenset({CaseSource.INSPECTOR, CaseSource.HOTLINE, CaseSource.POLICE_110}),
    Role.ADMIN: frozenset({CaseSource.INSPECTOR, CaseSource.HOTLINE, CaseSource.POLICE_110}),
}
DEFAULT_SOURCE = {Role.INSPECTOR: CaseSource.INSPECTOR, Role.CALL_TAKER: CaseSource.HOTLINE}

Intake = Annotated[Principal, authorize(*INTAKE_SOURCES)]
Reader = Annotated[Principal, authorize(*SUBDISTRICT_ROLES, units=True)]
Staff = Annotated[Principal, authorize(*SUBDISTRICT_ROLES)]
Admin = Annotated[Principal, authorize(Role.ADMIN)]
CaseInScope = Annotated[
    Case, authorize(*SUBDISTRICT_ROLES, units=True, load=service.get_case, path_param="number")
]


async def _photo_dir(request: Request) -> Path:
    # async and straight from the app state: no worker-thread hop on every filing.
    settings: Settings = request.app.state.settings
    return settings.data_dir / "photos"


PhotoDir = Annotated[Path, Depends(_photo_dir)]


@router.post(
    "/cases",
    status_code=201,
    response_model=FilingOut,
    responses={200: {"model": FilingOut, "description": "Attached to an open case as evidence."}},
)
def create_case(
    body: CaseCreate,
    db: DbSession,
    now: Now,
    photo_dir: PhotoDir,
    caller: Intake,
) -> Response:
    """File a report from an inspector or a call-taker. A report of the same type at the same
    place as an open case is attached to it as evidence (200 instead of 201)."""
    assert caller.role is not None
    allowed = INTAKE_SOURCES[caller.role]
    source = body.source or DEFAULT_SOURCE.get(caller.role, CaseSource.INSPECTOR)
    if source not in allowed:
        names = ", ".join(sorted(allowed))
        raise Forbidden(f"Your role '{caller.role}' files reports from: {names}; not '{source}'.")
    report = CaseReport(
        source=source,
        type_code=body.type_code,
        description=body.description,
        lon=body.lon,
        lat=body.lat,
        road_code=body.road_code,
        grid_code=body.grid_code,
        place_code=body.place_code,
        photos=tuple(p.to_photo() for p in body.photos),
        reporter=service.actor_name(caller),
        external_ref=body.external_ref,
    )
    result = file_report(db, report, now, photo_dir=photo_dir)
    case = db.get_one(Case, result.case_id)
    answer = FilingOut(
        case_number=result.case_number,
        created=result.created,
        dispatched_to=result.dispatched_to,
        case=service.describe(db, case),
    )
    # Committed here, on the endpoint's worker thread, rather than by get_db on another: one
    # thread hop less on the busiest write, and SQLite's write lock is free sooner.
    db.commit()
    # Serialized here, once (the schema is response_model): filing is the busiest write.
    return Response(
        answer.model_dump_json(),
        status_code=201 if result.created else 200,
        media_type="application/json",
    )


@router.get("/cases")
def list_cases(
    db: DbSession,
    caller: Reader,
    state: CaseState | None = None,
    unit_code: str | None = None,
    type_code: str | None = None,
    queue: Annotated[str | None, Query(description="'manual': filed cases no rule matched")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> list[CaseSummary]:
    """Staff see every case; a responsible unit sees only the cases dispatched to it."""
    if queue not in (None, "manual"):
        raise BadInput("queue can only be 'manual'.", field="queue")
    cases = service.list_cases(
        db,
        caller,
        state=state,
        unit_code=unit_code,
        type_code=type_code,
        manual_queue=queue == "manual",
        limit=limit,
        offset=offset,
    )
    return [service.summarize(c) for c in cases]


@router.get("/cases/stats/dispatch")
def dispatch_stats(
    db: DbSession,
    _staff: Staff,
    since: Moment | None = None,
    until: Moment | None = None,
) -> DispatchStats:
    """The auto-dispatch rate: cases dispatched by rule out of all dispatched in the window."""
    return service.dispatch_stats(db, since, until)


@router.get("/cases/{number}")
def get_case(case: CaseInScope, db: DbSession) -> CaseOut:
    return service.describe(db, case)


@router.get("/cases/{number}/comparison")
def comparison(case: CaseInScope) -> Comparison:
    """The before and after photos side by side, for the manual verification."""
    return Comparison(
        case_number=case.number,
        state=case.state,
        before=service.photos_of(case, PhotoKind.BEFORE),
        after=service.photos_of(case, PhotoKind.AFTER),
        evidence=service.photos_of(case, PhotoKind.EVIDENCE),
    )


BINARY = {"schema": {"type": "string", "format": "binary"}}


@router.get(
    "/cases/{number}/photos/{photo_id}",
    response_class=FileResponse,
    responses={200: {"content": {"image/jpeg": BINARY, "image/png": BINARY}}},
)
def get_photo(case: CaseInScope, photo_id: IdParam, photo_dir: PhotoDir) -> FileResponse:
    photo = service.get_photo(case, photo_id)
    return FileResponse(photo_dir / photo.path, media_type=photo.content_type)


@router.post("/cases/{number}/actions/{action}")
def act(
    action: CaseAction,
    body: ActionIn,
    case: CaseInScope,
    caller: CurrentPrincipal,
    db: DbSession,
    now: Now,
    photo_dir: PhotoDir,
) -> CaseOut:
    """Take one lifecycle action. 409 names the actions allowed in the case's state; 403 when
    the caller's role (or unit) may not take this action on this case."""
    service.perform(db, case, action, body, caller, now, photo_dir)
    return service.describe(db, case)


@router.get("/case-types")
def list_case_types(
    db: DbSession, _caller: Reader, category_code: str | None = None
) -> list[CaseTypeOut]:
    return [service.describe_type(t) for t in service.list_types(db, category_code)]


@router.patch("/case-types/{code}")
def update_case_type(code: str, body: CaseTypeUpdate, db: DbSession, _admin: Admin) -> CaseTypeOut:
    return service.describe_type(service.update_type(db, service.get_type(db, code), body))


@router.get("/dispatch-rules")
def list_rules(db: DbSession, _staff: Staff) -> list[RuleOut]:
    return [service.describe_rule(r) for r in service.list_rules(db)]


@router.post("/dispatch-rules", status_code=201)
def create_rule(body: RuleIn, db: DbSession, _admin: Admin) -> RuleOut:
    return service.describe_rule(service.save_rule(db, body))


@router.put("/dispatch-rules/{code}")
def replace_rule(code: str, body: RuleIn, db: DbSession, _admin: Admin) -> RuleOut:
    return service.describe_rule(service.save_rule(db, body, service.get_rule(db, code)))
