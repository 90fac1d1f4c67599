"""Case pages: the filtered list and its CSV, a case with timeline, photos and the actions its
state and the viewer's role allow, the call-taker's form, dispatch rules with a tester, and the
weekly report."""

from __future__ import annotations

import base64
import csv
import io
import re
from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from backoffice.access import Role, can_reach
from backoffice.cases import lifecycle, rules
from backoffice.cases import service as cases
from backoffice.cases.intake import CaseReport, file_report
from backoffice.cases.models import Case
from backoffice.cases.photos import PhotoKind
from backoffice.cases.reports import analytics
from backoffice.cases.schemas import ActionIn, PhotoIn, RuleIn
from backoffice.cases.states import CaseAction, CaseSource, CaseState
from backoffice.cases.time_limits import is_overdue
from backoffice.contacts import service as contacts
from backoffice.contacts.models import Contact
from backoffice.deps import AppKeys, AppSettings, DbSession, Now
from backoffice.errors import BadInput, DomainError, NotFound
from backoffice.exports import csv_cell
from backoffice.keys import Keys
from backoffice.places.landmarks import landmark_point
from backoffice.places.models import PlaceKind
from backoffice.privacy import mask_personal_numbers
from backoffice.renovations import reports as renovation_reports
from backoffice.web import auth, queries
from backoffice.web.auth import CurrentUser, PageForbidden, PageMissing, PageUser
from backoffice.web.forms import attempt, problems
from backoffice.web.models import CallerContact, PoliceCall, PoliceFeedback
from backoffice.web.pages_vision import may_mark_false_alarm
from backoffice.web.render import LOCAL_ZONE, language_of, local_time, page
from backoffice.web.roles import (
    CALL_TAKERS,
    CALLERS_BACK,
    CASE_READERS,
    REPORT_READERS,
    RULE_EDITORS,
    RULE_READERS,
)

router = APIRouter(prefix="/ops", include_in_schema=False)

# The sources each call-taking role may file for (the cases API's table, for calls only).
CALL_SOURCES = (CaseSource.HOTLINE, CaseSource.POLICE_110)


def _case(db: DbSession, user: PageUser, number: str) -> Case:
    auth.require(user, CASE_READERS, "cases")
    case = queries.get_case_by_number(db, number)
    if case is None:
        raise PageMissing(f"No case has the number '{number}'.")
    if not can_reach(user.principal, case):
        raise PageForbidden(f"Case {number} belongs to another unit; you may not open it.")
    return case


def case_filter(
    state: str = "",
    type: str = "",
    road: str = "",
    grid: str = "",
    unit: str = "",
    source: str = "",
    overdue: str = "",
    q: str = "",
) -> queries.CaseFilter:
    """The case list's filters from the query string; unknown values filter nothing."""
    valid_states = {s.value for s in CaseState} | {"open"}
    return queries.CaseFilter(
        state=state if state in valid_states else "",
        type_code=type.strip(),
        road=road,
        grid=grid,
        unit=unit,
        source=source if source in {s.value for s in CaseSource} else "",
        overdue=overdue in {"1", "on", "true"},
        text=q.strip(),
    )


CaseFilterQuery = Annotated[queries.CaseFilter, Depends(case_filter)]


@router.get("/cases")
def case_list(
    request: Request,
    user: CurrentUser,
    db: DbSession,
    now: Now,
    flt: CaseFilterQuery,
) -> HTMLResponse:
    auth.require(user, CASE_READERS, "cases")
    rows = queries.list_cases(db, user.principal, flt, now)
    return page(
        request,
        "cases.html",
        user,
        title="Cases",
        cases=rows,
        flt=flt,
        export_query=flt.as_query(),
        states=list(CaseState),
        sources=list(CaseSource),
        types=queries.case_types(db),
        roads=queries.places_of(db, PlaceKind.ROAD),
        grids=queries.places_of(db, PlaceKind.GRID),
        units=queries.units(db) if user.principal.is_subdistrict_staff else [],
        now=now,
        is_overdue=is_overdue,
    )


@router.get("/cases.csv")
def case_csv(
    request: Request,
    user: CurrentUser,
    db: DbSession,
    now: Now,
    flt: CaseFilterQuery,
) -> Response:
    auth.require(user, CASE_READERS, "cases")
    rows = queries.list_cases(db, user.principal, flt, now, limit=100_000)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "number",
            "state",
            "overdue",
            "source",
            "type_code",
            "type",
            "road",
            "grid",
            "unit",
            "reported_at",
            "dispatched_at",
            "due_at",
            "closed_at",
            "description",
        ]
    )
    for c in rows:
        writer.writerow(
            csv_cell(cell)
            for cell in [
                c.number,
                c.state.value,
                "yes" if is_overdue(c, now) else "no",
                c.source.value,
                c.type.code,
                c.type.name_zh,
                c.road.name_zh if c.road else "",
                c.grid.code if c.grid else "",
                c.unit.code if c.unit else "",
                local_time(c.reported_at),
                local_time(c.dispatched_at) if c.dispatched_at else "",
                local_time(c.due_at) if c.due_at else "",
                local_time(c.closed_at) if c.closed_at else "",
                # Cases filed before masking came in are masked on the way out too.
                mask_personal_numbers(c.description),
            ]
        )
    stamp = now.astimezone(LOCAL_ZONE).strftime("%Y%m%d-%H%M")
    # A byte-order mark so spreadsheet programs read the Chinese text as UTF-8.
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="cases-{stamp}.csv"'},
    )


def may_take(user: PageUser, case: Case, action: CaseAction) -> bool:
    """The cases service's rule (`check_may`), answered as yes/no to draw the buttons."""
    try:
        cases.check_may(user.principal, case, action)
    except Exception:
        return False
    return True


@router.get("/cases/{number}")
def case_page(
    number: str, request: Request, user: CurrentUser, db: DbSession, now: Now
) -> HTMLResponse:
    return _case_page(request, user, db, now, _case(db, user, number))


def _case_page(
    request: Request,
    user: PageUser,
    db: DbSession,
    now: datetime,
    case: Case,
    revealed: contacts.Revealed | None = None,
) -> HTMLResponse:
    caller = db.get(CallerContact, case.id)
    contact = db.get(Contact, caller.contact_id) if caller and caller.contact_id else None
    actions = [a for a in lifecycle.allowed_actions(case.state) if may_take(user, case, a)]
    evidence = [p for p in case.photos if p.kind is PhotoKind.EVIDENCE]
    # An AI case has no photo taken as "before": the frame that filed it is its before photo.
    before = [p for p in case.photos if p.kind is PhotoKind.BEFORE] or evidence[:1]
    return page(
        request,
        "case.html",
        user,
        title=case.number,
        case=case,
        actions=actions,
        transitions=lifecycle.TRANSITIONS,
        before=before,
        after=[p for p in case.photos if p.kind is PhotoKind.AFTER],
        evidence=evidence,
        units=queries.units(db),
        overdue=is_overdue(case, now),
        caller=caller,
        contact=contact,
        reveals=contacts.reveals_of(db, contact) if contact else [],
        revealed=revealed,
        may_reveal=user.role in CALLERS_BACK,
        police=db.get(PoliceCall, case.id),
        feedback=list(
            db.scalars(
                select(PoliceFeedback)
                .where(PoliceFeedback.case_id == case.id)
                .order_by(PoliceFeedback.at, PoliceFeedback.id)
            )
        ),
        may_take_calls=user.role in CALL_TAKERS,
        now=now,
        false_alarm=may_mark_false_alarm(user, case),
    )


@router.post("/cases/{number}/caller/reveal")
def reveal_caller(
    number: str,
    request: Request,
    user: CurrentUser,
    db: DbSession,
    now: Now,
    keys: AppKeys,
    csrf: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """The caller's number in full, on this answer only (never stored in a flash or a log),
    for the roles that call back; every attempt is recorded, a refused one too."""
    auth.check_csrf(user, csrf)
    case = _case(db, user, number)
    caller = db.get(CallerContact, case.id)
    contact = db.get(Contact, caller.contact_id) if caller and caller.contact_id else None
    if contact is None:
        raise PageMissing(f"Case {number} has no caller's number kept for a callback.")
    revealed = reveal_or_flash(db, keys, user, contact, reason, now)
    if revealed is None:
        return RedirectResponse(f"/ops/cases/{case.number}", status_code=303)
    response = _case_page(request, user, db, now, case, revealed)
    response.headers["Cache-Control"] = "no-store"
    return response


def reveal_or_flash(
    db: DbSession, keys: Keys, user: PageUser, contact: Contact, reason: str, now: datetime
) -> contacts.Revealed | None:
    """Reveal for the page, or None with the reason it was not shown flashed."""
    try:
        revealed = contacts.reveal(
            db, keys, contact, by_user=user.username, role=user.role, reason=reason, now=now
        )
    except DomainError as error:
        auth.flash(user, error.message, ok=False)
        return None
    if revealed is None:
        auth.flash(
            user,
            f"Your role '{user.role.value}' may not see callers' numbers; the attempt was "
            "recorded.",
            ok=False,
        )
    return revealed


@router.post("/cases/{number}/police-feedback")
def police_feedback(
    number: str,
    user: CurrentUser,
    db: DbSession,
    now: Now,
    csrf: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """反馈: what was done, recorded for the 110 centre under its incident number."""
    auth.check_csrf(user, csrf)
    auth.require(user, CALL_TAKERS, "the feedback to 110")
    case = _case(db, user, number)

    def run() -> None:
        police = db.get(PoliceCall, case.id)
        if police is None:
            raise BadInput(f"Case {number} did not come from a 110 call.")
        written = mask_personal_numbers(text.strip())
        if not written:
            raise BadInput("Write what was done for the 110 centre.")
        db.add(
            PoliceFeedback(
                case_id=case.id,
                incident_number=police.incident_number,
                case_state=case.state.value,
                text=written[:2000],
                by=user.username,
                at=now,
            )
        )
        db.flush()

    attempt(db, user, run, "Feedback to 110 recorded ✓")
    return RedirectResponse(f"/ops/cases/{case.number}", status_code=303)


@router.get("/cases/{number}/photos/{photo_id}")
def case_photo(
    number: str, photo_id: int, user: CurrentUser, db: DbSession, settings: AppSettings
) -> FileResponse:
    case = _case(db, user, number)
    try:
        photo = cases.get_photo(case, photo_id)
    except NotFound as missing:
        raise PageMissing(missing.message) from missing
    return FileResponse(settings.data_dir / "photos" / photo.path, media_type=photo.content_type)


async def _photos(uploads: list[UploadFile], kind: PhotoKind) -> list[PhotoIn]:
    out = []
    for upload in uploads:
        content = await upload.read()
        if not content:
            continue
        out.append(
            PhotoIn(
                kind=kind,
                content_type=upload.content_type or "application/octet-stream",
                data_base64=base64.b64encode(content).decode(),
            )
        )
    return out


@router.post("/cases/{number}/actions/{action}")
async def case_action(
    number: str,
    action: str,
    user: CurrentUser,
    db: DbSession,
    now: Now,
    settings: AppSettings,
    csrf: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    unit_code: Annotated[str, Form()] = "",
    hours: Annotated[str, Form()] = "",
    photos: Annotated[list[UploadFile] | None, File()] = None,
) -> RedirectResponse:
    auth.check_csrf(user, csrf)
    case = _case(db, user, number)
    try:
        chosen = CaseAction(action)
    except ValueError as unknown:
        raise PageMissing(f"There is no case action '{action}'.") from unknown
    uploads = await _photos(photos or [], PhotoKind.AFTER)

    def run() -> None:
        try:
            wanted = float(hours) if hours.strip() else None
        except ValueError as error:
            raise BadInput("Hours must be a number, like 24.") from error
        body = ActionIn(reason=reason, unit_code=unit_code or None, hours=wanted, photos=uploads)
        cases.perform(db, case, chosen, body, user.principal, now, settings.data_dir / "photos")

    attempt(db, user, run, f"{case.number}: {chosen.value.replace('_', ' ')} ✓")
    if not can_reach(user.principal, case):
        # Sent back: the case has left this unit, so its page is no longer theirs to open.
        return RedirectResponse("/ops/cases", status_code=303)
    return RedirectResponse(f"/ops/cases/{case.number}", status_code=303)


# --- the call-taker's form ---------------------------------------------------------------------


INCIDENT_NUMBER = re.compile(r"^[A-Za-z0-9-]{4,40}$")


@router.get("/calls/new")
def call_form(request: Request, user: CurrentUser, db: DbSession) -> HTMLResponse:
    auth.require(user, CALL_TAKERS, "the call-taker's form")
    return page(
        request,
        "call.html",
        user,
        title="Take a call",
        sources=CALL_SOURCES,
        types=queries.case_types(db),
        roads=queries.places_of(db, PlaceKind.ROAD),
        grids=queries.places_of(db, PlaceKind.GRID),
    )


PICK_A_PLACE = "Pick the place on the map, or a road and a landmark or house number."


def _picked_point(
    db: DbSession, lon: str, lat: str, road_code: str, landmark: str, now: datetime
) -> tuple[float, float]:
    """Where the caller says: a point clicked on the map, or a road's landmark or house number.
    Every call gets a point, so its grid and nearest road follow and de-duplication can find
    the camera's case for the same spot."""
    if lon.strip() and lat.strip():
        try:
            return (float(lon), float(lat))
        except ValueError as error:
            raise BadInput(
                "Pick the place on the map, or a road and a landmark or house number."
            ) from error
    if road_code and landmark:
        return landmark_point(db, road_code, landmark, now)
    raise BadInput("Pick the place on the map, or a road and a landmark or house number.")


@router.post("/calls")
def take_call(
    user: CurrentUser,
    db: DbSession,
    now: Now,
    settings: AppSettings,
    keys: AppKeys,
    csrf: Annotated[str, Form()] = "",
    source: Annotated[str, Form()] = "hotline",
    type_code: Annotated[str, Form()] = "",
    road_code: Annotated[str, Form()] = "",
    landmark: Annotated[str, Form()] = "",
    lon: Annotated[str, Form()] = "",
    lat: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    caller_name: Annotated[str, Form()] = "",
    caller_phone: Annotated[str, Form()] = "",
    incident_number: Annotated[str, Form()] = "",
) -> RedirectResponse:
    auth.check_csrf(user, csrf)
    auth.require(user, CALL_TAKERS, "the call-taker's form")

    def run() -> str:
        if source not in {s.value for s in CALL_SOURCES}:
            raise BadInput("A call comes from the hotline or a non-police 110 call.")
        incident = incident_number.strip()
        if source == CaseSource.POLICE_110 and not INCIDENT_NUMBER.match(incident):
            raise BadInput(
                "A 110 call carries the 110 centre's incident number (4-40 letters, digits "
                "or dashes)."
            )
        if caller_phone.strip():
            contacts.phone_digits(caller_phone)  # refuse a number that cannot be dialled
        point = _picked_point(db, lon, lat, road_code, landmark, now)
        result = file_report(
            db,
            CaseReport(
                source=CaseSource(source),
                type_code=type_code,
                description=description,
                lon=point[0],
                lat=point[1],
                reporter=cases.actor_name(user.principal),
            ),
            now,
            photo_dir=settings.data_dir / "photos",
        )
        if result.created and source == CaseSource.POLICE_110:
            db.add(
                PoliceCall(
                    case_id=result.case_id,
                    incident_number=incident,
                    taken_by=user.username,
                    at=now,
                )
            )
        if result.created and caller_phone.strip():
            contact = contacts.store(
                db,
                keys,
                owner_kind=contacts.OwnerKind.CALL,
                owner_id=result.case_id,
                phone=caller_phone,
                name=caller_name,
                case_id=result.case_id,
                taken_by=user.username,
                now=now,
            )
            db.add(
                CallerContact(
                    case_id=result.case_id,
                    phone_digest=contact.phone_digest,
                    phone_masked=contact.phone_masked,
                    name_masked=contact.name_masked,
                    taken_by=user.username,
                    at=now,
                    contact_id=contact.id,
                )
            )
        db.flush()
        return result.case_number

    number = attempt(db, user, run, "")
    if number is None:
        return RedirectResponse("/ops/calls/new", status_code=303)
    auth.flash(user, f"{number} ✓")
    return RedirectResponse(f"/ops/cases/{number}", status_code=303)


# --- dispatch rules and time limits -----------------------------------------------------------


@router.get("/rules")
def rules_page(
    request: Request,
    user: CurrentUser,
    db: DbSession,
    now: Now,
    type_code: str = "",
    road_code: str = "",
    grid_code: str = "",
    at: str = "",
) -> HTMLResponse:
    auth.require(user, RULE_READERS, "the dispatch rules")
    types = queries.case_types(db)
    result: dict[str, object] | None = None
    if type_code:
        case_type = next((t for t in types if t.code == type_code), None)
        if case_type is None:
            result = {"error": f"Unknown case type '{type_code}'."}
        else:
            try:
                hour, minute = (int(x) for x in at.split(":")) if at else (None, None)
            except ValueError:
                hour, minute = None, None
            moment = (
                hour * 60 + minute
                if hour is not None and minute is not None
                else rules.minute_of_day(now)
            )
            facts = rules.CaseFacts(
                type_code=case_type.code,
                category_code=case_type.category.code,
                minute_of_day=moment,
                road_code=road_code or None,
                grid_code=grid_code or None,
            )
            rule = rules.dispatch_decision(db, facts)
            result = {"rule": rule, "minute": moment}
    return page(
        request,
        "rules.html",
        user,
        title="Dispatch rules",
        rules=[cases.describe_rule(r) for r in cases.list_rules(db)],
        types=types,
        roads=queries.places_of(db, PlaceKind.ROAD),
        grids=queries.places_of(db, PlaceKind.GRID),
        units=queries.units(db),
        result=result,
        asked={"type_code": type_code, "road_code": road_code, "grid_code": grid_code, "at": at},
        unit_names={u.code: u for u in queries.units(db)},
        may_edit=user.role in RULE_EDITORS,
    )


@router.post("/rules")
def save_rule(
    user: CurrentUser,
    db: DbSession,
    csrf: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
    priority: Annotated[str, Form()] = "",
    unit_code: Annotated[str, Form()] = "",
    type_code: Annotated[str, Form()] = "",
    category_code: Annotated[str, Form()] = "",
    road_code: Annotated[str, Form()] = "",
    grid_code: Annotated[str, Form()] = "",
    start: Annotated[str, Form()] = "",
    end: Annotated[str, Form()] = "",
    active: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> RedirectResponse:
    auth.check_csrf(user, csrf)
    auth.require(user, RULE_EDITORS, "rule editing")

    def run() -> None:
        try:
            data = RuleIn(
                code=code.strip(),
                priority=int(priority or "0"),
                unit_code=unit_code,
                type_code=type_code or None,
                category_code=category_code or None,
                road_code=road_code or None,
                grid_code=grid_code or None,
                start=start or None,
                end=end or None,
                active=active in {"on", "1", "true"},
                note=note,
            )
        except ValueError as error:
            raise BadInput(f"Check the rule: {problems(error)}") from error
        existing = None
        try:
            existing = cases.get_rule(db, data.code)
        except NotFound:
            existing = None
        cases.save_rule(db, data, existing)

    attempt(db, user, run, f"{code} ✓")
    return RedirectResponse("/ops/rules", status_code=303)


# --- the weekly report ------------------------------------------------------------------------


def _week(text: str, now: datetime) -> date:
    try:
        return analytics.parse_week(text or None, now)
    except Exception:
        return analytics.parse_week(None, now)


@router.get("/report")
def weekly_report(
    request: Request, user: CurrentUser, db: DbSession, now: Now, week: str = ""
) -> HTMLResponse:
    auth.require(user, REPORT_READERS, "the weekly report")
    start = _week(week, now)
    report = analytics.weekly_report(db, start, now)
    local_start = datetime.combine(report.start, time(0), tzinfo=LOCAL_ZONE)
    heat = queries.road_by_category(db, local_start)
    lang = language_of(request)
    previous = (report.start - timedelta(days=7)).isocalendar()
    following = (report.start + timedelta(days=7)).isocalendar()
    charts = {
        "types": [[r.name, r.this_week or 0, r.last_week or 0] for r in report.frequent_types],
        "roads": [[r.name, r.this_week or 0] for r in report.road_hotspots[:12]],
        "units": [[r.name, round((r.this_week or 0) * 100, 1)] for r in report.on_time_by_unit],
        "daily": heat.daily,
        "lang": lang,
    }
    return page(
        request,
        "report.html",
        user,
        title="Weekly report",
        report=report,
        heat=heat,
        charts=charts,
        previous_week=f"{previous.year}-W{previous.week:02d}",
        next_week=f"{following.year}-W{following.week:02d}",
        is_admin=user.role is Role.ADMIN,
        renovations=renovation_reports.weekly(db, report.week, now),
    )
