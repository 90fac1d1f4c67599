"""AI patrol API: cameras, zones, pushed frames. The patrol itself is a periodic job and the
before/after verifier a case verifier, both set up by the assembly point (`backoffice.wiring`)."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Body, Header, Request
from sqlalchemy import select

from backoffice.access import Principal, Role, authorize
from backoffice.deps import AppSettings, DbSession, Now
from backoffice.errors import BadInput, Unavailable
from backoffice.inputs import IdParam
from backoffice.outbound import OutboundPolicy
from backoffice.vision import frames, service
from backoffice.vision.config import get_vision_settings
from backoffice.vision.models import PushedFrame, SourceKind
from backoffice.vision.patrol import Patrol
from backoffice.vision.schemas import (
    CameraCreate,
    CameraOut,
    CameraUpdate,
    DetectionOut,
    FrameResultOut,
    ZoneCreate,
    ZoneOut,
    ZoneResultOut,
)
from backoffice.vision.sources import BadFrame, Reach, decode_image

log = logging.getLogger(__name__)

MANAGERS = (Role.ADMIN, Role.OPERATOR)
READERS = (*MANAGERS, Role.SHIFT_LEADER, Role.DISPATCHER, Role.INSPECTOR, Role.VIEWER)

Manager = Annotated[Principal, authorize(*MANAGERS)]
Reader = Annotated[Principal, authorize(*READERS)]


router = APIRouter(prefix="/api/v1/vision", tags=["vision"])


def reach_of(settings: AppSettings) -> Reach:
    """What cameras may reach, from the settings."""
    return Reach(
        OutboundPolicy.from_entries(settings.outbound_allow),
        tuple(settings.resolved_camera_file_dirs()),
    )


@router.post("/cameras", status_code=201)
def create_camera(
    body: CameraCreate, db: DbSession, now: Now, settings: AppSettings, _staff: Manager
) -> CameraOut:
    """Add a camera. Its source must be reachable: a public address (or one in the outbound
    allow-list), or a file under the configured folders."""
    return service.describe_camera(service.create_camera(db, body, now, reach_of(settings)))


@router.get("/cameras")
def list_cameras(db: DbSession, _staff: Reader) -> list[CameraOut]:
    return [service.describe_camera(c) for c in service.list_cameras(db)]


@router.get("/cameras/{code}")
def get_camera(code: str, db: DbSession, _staff: Reader) -> CameraOut:
    return service.describe_camera(service.get_camera(db, code))


@router.patch("/cameras/{code}")
def update_camera(
    code: str, body: CameraUpdate, db: DbSession, now: Now, settings: AppSettings, _staff: Manager
) -> CameraOut:
    camera = service.update_camera(db, service.get_camera(db, code), body, now, reach_of(settings))
    return service.describe_camera(camera)


@router.post("/cameras/{code}/zones", status_code=201)
def add_zone(code: str, body: ZoneCreate, db: DbSession, now: Now, _staff: Manager) -> ZoneOut:
    zone = service.add_zone(db, service.get_camera(db, code), body, now)
    return service.describe_zone(zone)


@router.get("/cameras/{code}/zones")
def list_zones(code: str, db: DbSession, _staff: Reader) -> list[ZoneOut]:
    return [service.describe_zone(z) for z in service.get_camera(db, code).zones]


@router.delete("/cameras/{code}/zones/{zone_id}", status_code=204)
def delete_zone(code: str, zone_id: IdParam, db: DbSession, _staff: Manager) -> None:
    service.delete_zone(db, service.get_zone(db, service.get_camera(db, code), zone_id))


def _frame_out(result: frames.FrameResult, replayed: bool = False) -> FrameResultOut:
    return FrameResultOut(
        camera_code=result.camera_code,
        at=result.at,
        width=result.width,
        height=result.height,
        detections=[DetectionOut(kind=d.kind, score=d.score, box=d.box) for d in result.detections],
        zones=[
            ZoneResultOut(
                zone_id=z.zone_id,
                count=z.measurement.count,
                fill=z.measurement.fill,
                event=z.event.value if z.event else None,
                case_number=z.filing.case_number if z.filing else None,
                dispatched_to=z.filing.dispatched_to if z.filing else None,
            )
            for z in result.zones
        ],
        verified_cases=list(result.verified_cases),
        replayed=replayed,
    )


@router.post("/cameras/{code}/frames")
def push_frame(
    code: str,
    body: Annotated[bytes, Body(media_type="image/jpeg")],
    request: Request,
    db: DbSession,
    now: Now,
    settings: AppSettings,
    _staff: Manager,
    idempotency_key: Annotated[str, Header(min_length=1, max_length=100)],
) -> FrameResultOut:
    """A camera gateway pushes one frame (the JPEG or PNG bytes as the body). The same
    Idempotency-Key again answers the first result without running the zones twice."""
    camera = service.get_camera(db, code)
    if camera.source_kind is not SourceKind.PUSH:
        raise BadInput(
            f"Camera '{code}' is a {camera.source_kind} camera that the patrol fetches; only "
            "push cameras take frames here."
        )
    earlier = db.scalars(
        select(PushedFrame).where(
            PushedFrame.camera_id == camera.id, PushedFrame.idempotency_key == idempotency_key
        )
    ).first()
    if earlier is not None:
        return FrameResultOut.model_validate({**earlier.result, "replayed": True})
    vision = get_vision_settings()
    try:
        frame = decode_image(body, max_bytes=vision.max_frame_bytes, max_side=vision.max_frame_side)
    except BadFrame as exc:
        raise BadInput(str(exc), field="body") from exc
    patrol: Patrol = request.app.state.patrol
    seen = patrol.detect(camera.code, frame, patrol.pick(db, camera.code, now))
    if seen.frame is None:
        raise Unavailable(
            "The detector failed on this frame; send it again, and tell the back office's "
            "operator if it keeps failing."
        )
    result = patrol.record(db, camera, seen, now).result
    assert result is not None  # a look with a frame is recorded as one
    out = _frame_out(result)
    db.add(
        PushedFrame(
            camera_id=camera.id,
            idempotency_key=idempotency_key,
            received_at=now,
            result=out.model_dump(mode="json"),
        )
    )
    db.flush()
    return out
