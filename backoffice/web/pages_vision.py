"""Camera pages: status and latest frame with the detections and zones drawn over it, and the
zone editor (draw a polygon on the frame; set the rule, dwell and threshold); what the patrol
learned (background, thresholds) and the frames behind its cases, whose boxes an operator
fixes before they go into a dataset."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select

from backoffice.access import can_reach
from backoffice.cases import service as cases
from backoffice.cases.lifecycle import check_allowed
from backoffice.cases.models import Case
from backoffice.cases.states import CaseAction, CaseSource
from backoffice.deps import DbSession, Now
from backoffice.errors import BadInput, NotFound
from backoffice.inputs import parse_id
from backoffice.vision import service as vision
from backoffice.vision.learning import background, outcomes, registry, thresholds
from backoffice.vision.learning.models import (
    CaseFrame,
    FalseDaily,
    Label,
    ModelRole,
    StaticSpot,
    ThresholdChange,
)
from backoffice.vision.models import Camera, LatestFrame
from backoffice.vision.rules import RuleKind
from backoffice.vision.schemas import ZoneCreate
from backoffice.web import auth
from backoffice.web.auth import CurrentUser, PageForbidden, PageMissing, PageUser
from backoffice.web.forms import attempt, problems
from backoffice.web.render import page
from backoffice.web.roles import CAMERA_EDITORS, CAMERA_READERS

router = APIRouter(prefix="/ops/cameras", include_in_schema=False)
case_router = APIRouter(prefix="/ops", include_in_schema=False)


def _camera(db: DbSession, user: PageUser, code: str) -> Camera:
    auth.require(user, CAMERA_READERS, "the cameras")
    try:
        return vision.get_camera(db, code)
    except NotFound as missing:
        raise PageMissing(missing.message) from missing


def latest_detections(db: DbSession, camera: Camera) -> dict[str, Any] | None:
    """The detector's boxes on the newest frame, pushed or fetched by the patrol."""
    latest = db.get(LatestFrame, camera.id)
    if latest is None:
        return None
    return {
        "detections": latest.detections or [],
        "width": camera.frame_width,
        "height": camera.frame_height,
    }


@router.get("")
def cameras(request: Request, user: CurrentUser, db: DbSession) -> HTMLResponse:
    auth.require(user, CAMERA_READERS, "the cameras")
    rows = vision.list_cameras(db)
    frames = set(db.scalars(select(LatestFrame.camera_id)))
    false_days: dict[int, list[FalseDaily]] = {}
    for day in db.scalars(select(FalseDaily).order_by(FalseDaily.day.desc())):
        if len(false_days.setdefault(day.camera_id, [])) < 7:
            false_days[day.camera_id].append(day)
    return page(
        request,
        "cameras.html",
        user,
        title="Cameras",
        cameras=rows,
        with_frame=frames,
        false_days=false_days,
        online=sum(1 for c in rows if c.status.value == "online"),
        active_model=registry.of_role(db, ModelRole.ACTIVE),
        candidate_model=registry.of_role(db, ModelRole.CANDIDATE),
    )


@router.get("/{code}")
def camera_page(code: str, request: Request, user: CurrentUser, db: DbSession) -> HTMLResponse:
    camera = _camera(db, user, code)
    zones = [vision.describe_zone(z) for z in camera.zones]
    result = latest_detections(db, camera)
    overlay = {
        "zones": [
            {"id": z.id, "name": z.name, "rule": z.rule.value, "polygon": z.polygon} for z in zones
        ],
        "detections": result["detections"] if result else [],
        "width": result["width"] if result else camera.frame_width,
        "height": result["height"] if result else camera.frame_height,
    }
    return page(
        request,
        "camera.html",
        user,
        title=camera.name,
        camera=camera,
        zones=zones,
        overlay=overlay,
        has_frame=db.get(LatestFrame, camera.id) is not None,
        rules=list(RuleKind),
        may_edit=user.role in CAMERA_EDITORS,
        spots=background.spots_of(db, camera),
        changes=thresholds.history(db, camera.id),
        labelled=db.scalar(
            select(func.count()).select_from(CaseFrame).where(CaseFrame.camera_id == camera.id)
        ),
        zone_names={z.id: z.name for z in zones},
    )


@router.get("/{code}/frame.jpg")
def frame(code: str, user: CurrentUser, db: DbSession) -> Response:
    camera = _camera(db, user, code)
    latest = db.get(LatestFrame, camera.id)
    if latest is None:
        raise PageMissing(f"Camera {code} has sent no frame yet.")
    return Response(latest.jpeg, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


def _number(text: str, kind: type[int] | type[float], name: str) -> Any:
    if not text.strip():
        return None
    try:
        return kind(text)
    except ValueError as error:
        raise BadInput(f"{name} must be a number.") from error


@router.post("/{code}/zones")
def save_zone(
    code: str,
    user: CurrentUser,
    db: DbSession,
    now: Now,
    csrf: Annotated[str, Form()] = "",
    replace_id: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    rule: Annotated[str, Form()] = "",
    polygon: Annotated[str, Form()] = "",
    dwell_s: Annotated[str, Form()] = "",
    min_count: Annotated[str, Form()] = "",
    threshold: Annotated[str, Form()] = "",
    type_code: Annotated[str, Form()] = "",
    place_code: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """A new zone, or a replacement for an edited one (the old zone goes in the same
    transaction; the vision service has no in-place update)."""
    auth.check_csrf(user, csrf)
    camera = _camera(db, user, code)
    auth.require(user, CAMERA_EDITORS, "zone editing")

    def run() -> None:
        try:
            points = json.loads(polygon or "[]")
        except ValueError as error:
            raise BadInput("Draw the zone on the frame: click its corners.") from error
        fields: dict[str, Any] = {"name": name.strip(), "rule": rule, "polygon": points}
        for key, value in (
            ("dwell_s", _number(dwell_s, int, "Dwell")),
            ("min_count", _number(min_count, int, "Bikes needed")),
            ("threshold", _number(threshold, float, "Threshold")),
        ):
            if value is not None:
                fields[key] = value
        if type_code.strip():
            fields["type_code"] = type_code.strip()
        if place_code.strip():
            fields["place_code"] = place_code.strip()
        try:
            data = ZoneCreate.model_validate(fields)
        except ValueError as error:
            raise BadInput(f"Check the zone: {problems(error)}") from error
        old_id = parse_id(replace_id)
        old = vision.get_zone(db, camera, old_id) if old_id is not None else None
        vision.add_zone(db, camera, data, now)
        if old is not None:
            vision.delete_zone(db, old)

    attempt(db, user, run, f"{camera.code}: {name.strip()} ✓")
    return RedirectResponse(f"/ops/cameras/{camera.code}", status_code=303)


@router.post("/{code}/zones/{zone_id}/delete")
def delete_zone(
    code: str,
    zone_id: int,
    user: CurrentUser,
    db: DbSession,
    csrf: Annotated[str, Form()] = "",
) -> RedirectResponse:
    auth.check_csrf(user, csrf)
    camera = _camera(db, user, code)
    auth.require(user, CAMERA_EDITORS, "zone editing")
    attempt(
        db,
        user,
        lambda: vision.delete_zone(db, vision.get_zone(db, camera, zone_id)),
        f"{camera.code}: zone {zone_id} deleted",
    )
    return RedirectResponse(f"/ops/cameras/{camera.code}", status_code=303)


@router.post("/{code}/background/{spot_id}/clear")
def clear_background(
    code: str,
    spot_id: int,
    user: CurrentUser,
    db: DbSession,
    csrf: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Forget a learned background spot: its detections count again."""
    auth.check_csrf(user, csrf)
    camera = _camera(db, user, code)
    auth.require(user, CAMERA_EDITORS, "the learned background")

    def run() -> None:
        spot = db.get(StaticSpot, spot_id)
        if spot is None or spot.camera_id != camera.id:
            raise NotFound(f"Camera {camera.code} has no background spot {spot_id}.")
        background.clear(db, spot_id)

    attempt(db, user, run, f"{camera.code}: background spot {spot_id} cleared")
    return RedirectResponse(f"/ops/cameras/{camera.code}", status_code=303)


@router.post("/{code}/threshold-changes/{change_id}/revert")
def revert_threshold(
    code: str,
    change_id: int,
    user: CurrentUser,
    db: DbSession,
    now: Now,
    csrf: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Put a zone's previous minimum score back."""
    auth.check_csrf(user, csrf)
    camera = _camera(db, user, code)
    auth.require(user, CAMERA_EDITORS, "the zone thresholds")

    def run() -> None:
        change = db.get(ThresholdChange, change_id)
        if change is None or change.camera_id != camera.id:
            raise NotFound(f"Camera {camera.code} has no threshold change {change_id}.")
        thresholds.revert(db, change_id, now, cases.actor_name(user.principal))

    attempt(db, user, run, f"{camera.code}: threshold change {change_id} reverted")
    return RedirectResponse(f"/ops/cameras/{camera.code}", status_code=303)


# --- the frames behind AI cases, labelled by their outcomes: an operator fixes their boxes --


def _case_frame(db: DbSession, camera: Camera, frame_id: int) -> CaseFrame:
    row = db.get(CaseFrame, frame_id)
    if row is None or row.camera_id != camera.id:
        raise PageMissing(f"Camera {camera.code} has no labelled frame {frame_id}.")
    return row


@router.get("/{code}/frames")
def labelled_frames(
    code: str, request: Request, user: CurrentUser, db: DbSession, label: str = ""
) -> HTMLResponse:
    """The frames behind the camera's AI cases with their outcomes, newest first."""
    camera = _camera(db, user, code)
    query = select(CaseFrame).where(CaseFrame.camera_id == camera.id)
    if label in {x.value for x in Label}:
        query = query.where(CaseFrame.label == Label(label))
    rows = list(db.scalars(query.order_by(CaseFrame.id.desc()).limit(200)))
    numbers = dict(
        db.execute(select(Case.id, Case.number).where(Case.id.in_({r.case_id for r in rows}))).all()
    )
    return page(
        request,
        "camera_frames.html",
        user,
        title=f"{camera.code} · labelled frames",
        camera=camera,
        rows=rows,
        numbers=numbers,
        labels=list(Label),
        label=label,
    )


@router.get("/{code}/frames/{frame_id}.jpg")
def labelled_frame_image(code: str, frame_id: int, user: CurrentUser, db: DbSession) -> Response:
    row = _case_frame(db, _camera(db, user, code), frame_id)
    return Response(row.jpeg, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


@router.get("/{code}/frames/{frame_id}")
def review_page(
    code: str, frame_id: int, request: Request, user: CurrentUser, db: DbSession
) -> HTMLResponse:
    """One labelled frame: the patrol's boxes drawn dashed, the real objects solid; an editor
    drags new boxes, removes wrong ones, sets the outcome, and saves."""
    camera = _camera(db, user, code)
    row = _case_frame(db, camera, frame_id)
    data = {
        "width": row.width,
        "height": row.height,
        "detected": row.boxes,
        "objects": [{"kind": b["kind"], "box": b["box"]} for b in row.real_objects()],
    }
    return page(
        request,
        "frame_review.html",
        user,
        title=f"{camera.code} · frame {row.id}",
        camera=camera,
        row=row,
        case_number=db.scalar(select(Case.number).where(Case.id == row.case_id)),
        review=data,
        may_edit=user.role in CAMERA_EDITORS and row.label is not Label.PENDING,
        labels=[Label.TRUE, Label.FALSE_ALARM],
    )


@router.post("/{code}/frames/{frame_id}")
def save_review(
    code: str,
    frame_id: int,
    user: CurrentUser,
    db: DbSession,
    now: Now,
    csrf: Annotated[str, Form()] = "",
    boxes: Annotated[str, Form()] = "",
    label: Annotated[str, Form()] = "",
) -> RedirectResponse:
    auth.check_csrf(user, csrf)
    camera = _camera(db, user, code)
    auth.require(user, CAMERA_EDITORS, "the labelled frames")
    row = _case_frame(db, camera, frame_id)

    def run() -> None:
        try:
            objects = json.loads(boxes or "[]")
        except ValueError as error:
            raise BadInput("Draw the boxes on the frame.") from error
        if not isinstance(objects, list) or not all(isinstance(o, dict) for o in objects):
            raise BadInput("Draw the boxes on the frame.")
        if label not in {Label.TRUE.value, Label.FALSE_ALARM.value}:
            raise BadInput("Say whether the case was real or a false alarm.")
        outcomes.review_frame(
            db, row.id, objects, Label(label), by=cases.actor_name(user.principal), now=now
        )

    attempt(db, user, run, f"{camera.code}: frame {row.id} ✓")
    return RedirectResponse(f"/ops/cameras/{camera.code}/frames/{row.id}", status_code=303)


def may_mark_false_alarm(user: PageUser, case: Case) -> bool:
    """An AI case the unit may send back, or the desk may void: it may be a false alarm."""
    if case.source is not CaseSource.AI_PATROL:
        return False
    unit = cases.is_unit_principal(user.principal)
    action = CaseAction.SEND_BACK if unit else CaseAction.VOID
    try:
        cases.check_may(user.principal, case, action)
        check_allowed(case, action)
    except Exception:
        return False
    return True


@case_router.post("/cases/{number}/false-alarm")
def false_alarm(
    number: str,
    user: CurrentUser,
    db: DbSession,
    now: Now,
    csrf: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Nothing was there: the frames become hard negatives, the zone's threshold is
    recomputed, the case voided (the desk) or sent back (the unit)."""
    auth.check_csrf(user, csrf)
    try:
        case = cases.get_case(db, number)
    except NotFound as missing:
        raise PageMissing(missing.message) from missing
    if not can_reach(user.principal, case) or not may_mark_false_alarm(user, case):
        raise PageForbidden(f"You may not mark case {case.number} a false alarm.")
    by_unit = cases.is_unit_principal(user.principal)

    def run() -> None:
        outcomes.mark_false_alarm(
            db, case, reason, actor=cases.actor_name(user.principal), by_unit=by_unit, now=now
        )

    attempt(db, user, run, f"{case.number}: false alarm ✓")
    if not can_reach(user.principal, case):
        return RedirectResponse("/ops/cases", status_code=303)
    return RedirectResponse(f"/ops/cases/{case.number}", status_code=303)
