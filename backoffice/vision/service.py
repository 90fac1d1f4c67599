"""Cameras and zones: create, change, list and describe them; a zone's rule; the key that ties
a camera case to its zone; a camera marked offline. What one frame does is in `frames`, the
clean-reference comparison in `references`."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.models import CaseType
from backoffice.cases.taxonomy import TYPE_BULKY_WASTE, TYPE_SHARED_BIKE_PARKING
from backoffice.errors import BadInput, Conflict, NotFound
from backoffice.inputs import parse_id
from backoffice.outbound import BadUrl, check_url
from backoffice.places.models import Place, PlaceKind
from backoffice.vision.models import Camera, CameraStatus, SourceKind, Zone
from backoffice.vision.rules import ObjectFilter, RuleKind, ZoneRule, ZoneState
from backoffice.vision.schemas import CameraCreate, CameraOut, CameraUpdate, ZoneCreate, ZoneOut
from backoffice.vision.sources import CAMERA_SCHEMES, NOTHING_PRIVATE, Reach
from backoffice.vision.zones import ZoneGeometryError, validate_polygon

DEFAULT_TYPE = {
    RuleKind.NO_PARKING: TYPE_SHARED_BIKE_PARKING,
    RuleKind.COLLECTION_POINT: TYPE_BULKY_WASTE,
}
DEFAULT_DWELL_S = {RuleKind.NO_PARKING: 600, RuleKind.COLLECTION_POINT: 1800}
DEDUPE_PREFIX = "camera:"


# --- cameras ---------------------------------------------------------------------------------


def get_camera(db: Session, code: str) -> Camera:
    camera = db.scalars(select(Camera).where(Camera.code == code)).first()
    if camera is None:
        raise NotFound(f"No camera has the code '{code}'; GET /api/v1/vision/cameras lists them.")
    return camera


def _check_source(kind: SourceKind, url: str, reach: Reach) -> str:
    url = url.strip()
    if kind is SourceKind.SNAPSHOT and not url.startswith(("http://", "https://")):
        raise BadInput("A snapshot camera needs an http:// or https:// URL.", field="source_url")
    if kind is SourceKind.RTSP and not url.startswith(("rtsp://", "rtsps://")):
        raise BadInput("An RTSP camera needs an rtsp:// URL.", field="source_url")
    if kind is SourceKind.FILE and not url:
        raise BadInput("A video-file camera needs the file's path.", field="source_url")
    if kind is SourceKind.PUSH and url:
        raise BadInput(
            "A camera that pushes frames has no source URL; leave it empty.", field="source_url"
        )
    try:
        if kind is SourceKind.FILE:
            reach.check_file(url)
        elif kind in (SourceKind.SNAPSHOT, SourceKind.RTSP):
            check_url(url, CAMERA_SCHEMES[kind.value], reach.outbound)
    except BadUrl as exc:
        raise BadInput(str(exc), field="source_url") from None
    return url


def create_camera(
    db: Session, data: CameraCreate, now: datetime, reach: Reach = NOTHING_PRIVATE
) -> Camera:
    """A new camera; a source outside what cameras may reach (`reach`) is refused."""
    if db.scalars(select(Camera.id).where(Camera.code == data.code)).first() is not None:
        raise Conflict(f"A camera with the code '{data.code}' exists already.")
    camera = Camera(
        code=data.code,
        name=data.name,
        road_code=data.road_code,
        grid_code=data.grid_code,
        place_code=data.place_code,
        lon=data.lon,
        lat=data.lat,
        source_kind=data.source_kind,
        source_url=_check_source(data.source_kind, data.source_url, reach),
        interval_s=data.interval_s,
        enabled=data.enabled,
        status=CameraStatus.UNKNOWN,
        failures=0,
        last_error="",
        next_visit_at=now,
        created_at=now,
    )
    db.add(camera)
    db.flush()
    return camera


def update_camera(
    db: Session, camera: Camera, data: CameraUpdate, now: datetime, reach: Reach = NOTHING_PRIVATE
) -> Camera:
    if data.name is not None:
        camera.name = data.name
    if data.source_url is not None:
        camera.source_url = _check_source(camera.source_kind, data.source_url, reach)
    if data.interval_s is not None:
        camera.interval_s = data.interval_s
    if data.enabled is not None:
        camera.enabled = data.enabled
        if data.enabled:
            camera.next_visit_at = now
    db.flush()
    return camera


def list_cameras(db: Session) -> list[Camera]:
    return list(db.scalars(select(Camera).order_by(Camera.code)))


def describe_camera(camera: Camera) -> CameraOut:
    return CameraOut.model_validate(camera, from_attributes=True)


# --- zones -----------------------------------------------------------------------------------


def add_zone(db: Session, camera: Camera, data: ZoneCreate, now: datetime) -> Zone:
    try:
        polygon = validate_polygon(data.polygon)
    except ZoneGeometryError as exc:
        raise BadInput(str(exc), field="polygon") from exc
    type_code = data.type_code or DEFAULT_TYPE[data.rule]
    if db.scalars(select(CaseType.id).where(CaseType.code == type_code)).first() is None:
        raise BadInput(
            f"Unknown case type '{type_code}'; GET /api/v1/case-types lists the codes.",
            field="type_code",
        )
    threshold = data.threshold
    if data.place_code:
        place = db.scalars(select(Place).where(Place.code == data.place_code)).first()
        if place is None:
            raise BadInput(f"No place has the code '{data.place_code}'.", field="place_code")
        site_threshold = place.attributes.get("fill_threshold")
        if (
            place.kind is PlaceKind.COLLECTION_POINT
            and "threshold" not in data.model_fields_set
            and isinstance(site_threshold, int | float)
        ):
            threshold = float(site_threshold)  # the site's own threshold setting
    if data.min_area > data.max_area:
        raise BadInput("min_area is larger than max_area.", field="min_area")
    zone = Zone(
        name=data.name,
        rule=data.rule,
        polygon=[list(p) for p in polygon],
        type_code=type_code,
        place_code=data.place_code,
        enabled=True,
        dwell_s=data.dwell_s if data.dwell_s is not None else DEFAULT_DWELL_S[data.rule],
        inertia=data.inertia,
        min_count=data.min_count,
        threshold=threshold,
        repeat_every_s=data.repeat_every_s,
        min_score=data.min_score,
        min_area=data.min_area,
        max_area=data.max_area,
        state={},
        created_at=now,
    )
    camera.zones.append(zone)  # keeps a loaded camera's zone list current
    db.flush()
    return zone


def get_zone(db: Session, camera: Camera, zone_id: int) -> Zone:
    zone = db.get(Zone, zone_id)
    if zone is None or zone.camera_id != camera.id:
        raise NotFound(f"Camera '{camera.code}' has no zone {zone_id}.")
    return zone


def delete_zone(db: Session, zone: Zone) -> None:
    db.delete(zone)
    db.flush()


def effective_min_score(zone: Zone) -> float:
    """The zone's minimum score, or its camera's floor where that is higher."""
    return max(zone.min_score, zone.camera.min_score or 0.0)


def zone_rule(zone: Zone) -> ZoneRule:
    return ZoneRule(
        kind=zone.rule,
        polygon=tuple((float(x), float(y)) for x, y in zone.polygon),
        dwell=timedelta(seconds=zone.dwell_s),
        inertia=zone.inertia,
        min_count=zone.min_count,
        threshold=zone.threshold,
        repeat_every=timedelta(seconds=zone.repeat_every_s),
        filters=ObjectFilter(effective_min_score(zone), zone.min_area, zone.max_area),
    )


def describe_zone(zone: Zone) -> ZoneOut:
    state = ZoneState.from_json(zone.state)
    return ZoneOut(
        id=zone.id,
        camera_code=zone.camera.code,
        name=zone.name,
        rule=zone.rule,
        polygon=zone.polygon,
        type_code=zone.type_code,
        place_code=zone.place_code,
        enabled=zone.enabled,
        dwell_s=zone.dwell_s,
        inertia=zone.inertia,
        min_count=zone.min_count,
        threshold=zone.threshold,
        repeat_every_s=zone.repeat_every_s,
        min_score=zone.min_score,
        min_area=zone.min_area,
        max_area=zone.max_area,
        value=state.value,
        condition_since=state.since,
        raised_at=state.raised_at,
        has_reference=zone.reference_jpeg is not None,
    )


def dedupe_key(camera: Camera, zone: Zone) -> str:
    return f"{DEDUPE_PREFIX}{camera.code}/zone:{zone.id}"


def parse_dedupe_key(key: str | None) -> tuple[str, int] | None:
    """(camera code, zone id) of a camera case's dedupe key, else None."""
    if not key or not key.startswith(DEDUPE_PREFIX) or "/zone:" not in key:
        return None
    camera_code, _, rest = key[len(DEDUPE_PREFIX) :].partition("/zone:")
    parsed = parse_id(rest.partition("/")[0])  # a renovation finding follows the zone's id
    return (camera_code, parsed) if parsed is not None else None


def mark_offline(camera: Camera, error: str, now: datetime, backoff_max_s: int) -> None:
    """A camera that did not answer: offline, retried later, sooner at first."""
    camera.failures += 1
    camera.status = CameraStatus.OFFLINE
    camera.last_error = error[:500]
    wait = min(
        camera.interval_s * 2 ** (camera.failures - 1), max(backoff_max_s, camera.interval_s)
    )
    camera.next_visit_at = now + timedelta(seconds=wait)
