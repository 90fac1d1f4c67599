"""Camera pages: status and latest frame with the detections and zones drawn over it, and the
zone editor (draw a polygon on the frame; set the rule, dwell and threshold)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from backoffice.deps import DbSession, Now
from backoffice.errors import BadInput, NotFound
from backoffice.inputs import parse_id
from backoffice.vision import service as vision
from backoffice.vision.models import Camera, LatestFrame
from backoffice.vision.rules import RuleKind
from backoffice.vision.schemas import ZoneCreate
from backoffice.web import auth
from backoffice.web.auth import CurrentUser, PageMissing, PageUser
from backoffice.web.forms import attempt, problems
from backoffice.web.render import page
from backoffice.web.roles import CAMERA_EDITORS, CAMERA_READERS

router = APIRouter(prefix="/ops/cameras", include_in_schema=False)


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
    return page(
        request,
        "cameras.html",
        user,
        title="Cameras",
        cameras=rows,
        with_frame=frames,
        online=sum(1 for c in rows if c.status.value == "online"),
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
