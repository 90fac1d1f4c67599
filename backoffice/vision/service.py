"""Cameras and zones, and what one frame does: detections -> zone rules -> cases filed through
the cases intake. The patrol, pushed frames and the verifier all come through here."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.intake import CaseReport, FilingResult, file_report
from backoffice.cases.models import Case, CaseType
from backoffice.cases.photos import Photo, PhotoKind
from backoffice.cases.states import CaseSource, CaseState
from backoffice.cases.taxonomy import TYPE_BULKY_WASTE, TYPE_SHARED_BIKE_PARKING
from backoffice.errors import BadInput, Conflict, NotFound
from backoffice.places.models import Place, PlaceKind
from backoffice.vision.detector import Frame
from backoffice.vision.models import Camera, CameraStatus, LatestFrame, SourceKind, Zone
from backoffice.vision.rules import (
    Detection,
    EventKind,
    Measurement,
    ObjectFilter,
    RuleKind,
    ZoneRule,
    ZoneState,
    measure,
    step,
)
from backoffice.vision.schemas import CameraCreate, CameraOut, CameraUpdate, ZoneCreate, ZoneOut
from backoffice.vision.sources import encode_jpeg
from backoffice.vision.zones import ZoneGeometryError, ZoneMask, validate_polygon

log = logging.getLogger(__name__)

DEFAULT_TYPE = {
    RuleKind.NO_PARKING: TYPE_SHARED_BIKE_PARKING,
    RuleKind.COLLECTION_POINT: TYPE_BULKY_WASTE,
}
DEFAULT_DWELL_S = {RuleKind.NO_PARKING: 600, RuleKind.COLLECTION_POINT: 1800}
DEDUPE_PREFIX = "camera:"
REFERENCE_REFRESH = timedelta(hours=1)


# --- cameras ---------------------------------------------------------------------------------


def get_camera(db: Session, code: str) -> Camera:
    camera = db.scalars(select(Camera).where(Camera.code == code)).first()
    if camera is None:
        raise NotFound(f"No camera has the code '{code}'; GET /api/v1/vision/cameras lists them.")
    return camera


def _check_source(kind: SourceKind, url: str) -> str:
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
    return url


def create_camera(db: Session, data: CameraCreate, now: datetime) -> Camera:
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
        source_url=_check_source(data.source_kind, data.source_url),
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


def update_camera(db: Session, camera: Camera, data: CameraUpdate, now: datetime) -> Camera:
    if data.name is not None:
        camera.name = data.name
    if data.source_url is not None:
        camera.source_url = _check_source(camera.source_kind, data.source_url)
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


def zone_rule(zone: Zone) -> ZoneRule:
    return ZoneRule(
        kind=zone.rule,
        polygon=tuple((float(x), float(y)) for x, y in zone.polygon),
        dwell=timedelta(seconds=zone.dwell_s),
        inertia=zone.inertia,
        min_count=zone.min_count,
        threshold=zone.threshold,
        repeat_every=timedelta(seconds=zone.repeat_every_s),
        filters=ObjectFilter(zone.min_score, zone.min_area, zone.max_area),
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
    camera_code, _, zone_id = key[len(DEDUPE_PREFIX) :].partition("/zone:")
    return (camera_code, int(zone_id)) if zone_id.isdigit() else None


# --- reference images and comparison ---------------------------------------------------------


def zone_crop(frame: Frame, zone: Zone) -> tuple[np.ndarray, np.ndarray]:
    """The zone's bounding crop of the frame and the zone mask over that crop."""
    h, w = frame.shape[:2]
    mask = ZoneMask.of(zone_rule(zone).polygon, w, h)
    x1, y1, x2, y2 = mask.bounds
    return frame[y1:y2, x1:x2], mask.mask[y1:y2, x1:x2]


def set_reference(zone: Zone, frame: Frame, now: datetime) -> None:
    crop, _mask = zone_crop(frame, zone)
    zone.reference_jpeg = encode_jpeg(crop, quality=92)
    zone.reference_at = now
    zone.reference_frame_h, zone.reference_frame_w = frame.shape[:2]


def _normalised(gray: np.ndarray) -> np.ndarray:
    """Local contrast normalisation: removes gain, offset and smooth shading (light)."""
    g = cv2.GaussianBlur(gray.astype(np.float32), (0, 0), 1.0)
    mean = cv2.GaussianBlur(g, (0, 0), 4.0)
    centred = g - mean
    spread = np.sqrt(cv2.GaussianBlur(centred * centred, (0, 0), 4.0))
    return centred / (spread + 6.0)


def similarity_to_reference(zone: Zone, frame: Frame) -> float | None:
    """How much the zone looks like its clean reference (1: same structure), or None without
    a reference. Light changes move brightness and colour, not edges; objects add edges."""
    if zone.reference_jpeg is None:
        return None
    reference = cv2.imdecode(np.frombuffer(zone.reference_jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
    if reference is None:
        return None
    if (zone.reference_frame_w, zone.reference_frame_h) != (frame.shape[1], frame.shape[0]):
        assert zone.reference_frame_w is not None and zone.reference_frame_h is not None
        frame = cv2.resize(frame, (zone.reference_frame_w, zone.reference_frame_h))
    crop, mask = zone_crop(frame, zone)
    current = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    if current.shape != reference.shape or not mask.any():
        return None
    a, b = _normalised(reference)[mask > 0], _normalised(current)[mask > 0]
    a, b = a - a.mean(), b - b.mean()
    denom = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / denom) if denom > 0 else 1.0


# --- one frame -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ZoneResult:
    zone_id: int
    measurement: Measurement
    event: EventKind | None
    filing: FilingResult | None = None


@dataclass(frozen=True)
class FrameResult:
    camera_code: str
    at: datetime
    width: int
    height: int
    detections: tuple[Detection, ...]
    zones: tuple[ZoneResult, ...]
    verified_cases: tuple[str, ...] = field(default=())


def annotate(frame: Frame, zone: Zone, measurement: Measurement, label: str) -> bytes:
    """The evidence photo: the frame with the zone outlined and the objects boxed."""
    h, w = frame.shape[:2]
    out = frame.copy()
    pts = np.array([[round(x * w), round(y * h)] for x, y in zone.polygon], np.int32)
    cv2.polylines(out, [pts], True, (0, 255, 255), 2, cv2.LINE_AA)
    for x1, y1, x2, y2 in measurement.boxes:
        cv2.rectangle(out, (round(x1), round(y1)), (round(x2), round(y2)), (0, 0, 255), 2)
    cv2.putText(out, label, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(
        out, label, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1, cv2.LINE_AA
    )
    return encode_jpeg(out)


def _description(
    zone: Zone, camera: Camera, m: Measurement, since: datetime | None, now: datetime
) -> str:
    minutes = int((now - since).total_seconds() // 60) if since else 0
    if zone.rule is RuleKind.NO_PARKING:
        what = f"{m.count} shared bike{'s' if m.count != 1 else ''} parked in no-parking zone"
        return f"AI patrol: {what} '{zone.name}' for {minutes} min (camera {camera.code})."
    return (
        f"AI patrol: collection point '{zone.name}' is {m.fill:.0%} full (threshold "
        f"{zone.threshold:.0%}) for {minutes} min (camera {camera.code})."
    )


def report_zone(
    db: Session,
    camera: Camera,
    zone: Zone,
    frame: Frame,
    m: Measurement,
    since: datetime | None,
    now: datetime,
    photo_dir: Path | None,
) -> FilingResult:
    """File (or, while one is open, add evidence to) the zone's case through the intake."""
    description = _description(zone, camera, m, since, now)
    label = f"{camera.code} / {zone.name} / {now:%Y-%m-%d %H:%M} UTC"
    photo = Photo(PhotoKind.EVIDENCE, annotate(frame, zone, m, label), "image/jpeg")
    report = CaseReport(
        source=CaseSource.AI_PATROL,
        type_code=zone.type_code,
        description=description,
        lon=camera.lon,
        lat=camera.lat,
        road_code=camera.road_code,
        grid_code=camera.grid_code,
        place_code=zone.place_code or camera.place_code,
        dedupe_key=dedupe_key(camera, zone),
        photos=(photo,),
        reporter=f"AI patrol {camera.code}",
    )
    return file_report(db, report, now, photo_dir=photo_dir)


def store_latest_frame(
    db: Session,
    camera: Camera,
    frame: Frame,
    now: datetime,
    detections: Sequence[Detection] = (),
) -> None:
    jpeg = encode_jpeg(frame, quality=90)
    seen = [{"kind": d.kind, "score": d.score, "box": list(d.box)} for d in detections]
    row = db.get(LatestFrame, camera.id)
    if row is None:
        db.add(LatestFrame(camera_id=camera.id, at=now, jpeg=jpeg, detections=seen))
    else:
        row.at, row.jpeg, row.detections = now, jpeg, seen


def latest_frame(db: Session, camera: Camera) -> tuple[datetime, Frame] | None:
    row = db.get(LatestFrame, camera.id)
    if row is None:
        return None
    frame = cv2.imdecode(np.frombuffer(row.jpeg, np.uint8), cv2.IMREAD_COLOR)
    return (row.at, frame) if frame is not None else None


def process_frame(
    db: Session,
    camera: Camera,
    frame: Frame,
    detections: Sequence[Detection],
    now: datetime,
    *,
    photo_dir: Path | None = None,
) -> FrameResult:
    """Run every enabled zone's rule on one frame; file cases for raised conditions."""
    h, w = frame.shape[:2]
    camera.status = CameraStatus.ONLINE
    camera.failures = 0
    camera.last_error = ""
    camera.last_frame_at = now
    camera.frame_width, camera.frame_height = w, h
    store_latest_frame(db, camera, frame, now, detections)
    results: list[ZoneResult] = []
    for zone in camera.zones:
        if not zone.enabled:
            continue
        rule = zone_rule(zone)
        m = measure(rule, detections, w, h)
        before = ZoneState.from_json(zone.state)
        outcome = step(rule, before, m, now)
        zone.state = outcome.state.to_json()
        filing = None
        if outcome.event in (EventKind.RAISED, EventKind.REPEATED):
            filing = report_zone(db, camera, zone, frame, m, outcome.state.since, now, photo_dir)
            log.info(
                "camera %s zone %d: %s -> case %s",
                camera.code,
                zone.id,
                outcome.event,
                filing.case_number,
            )
        if (
            m.count == 0
            and outcome.state.raised_at is None
            and (zone.reference_at is None or now - zone.reference_at >= REFERENCE_REFRESH)
        ):
            set_reference(zone, frame, now)  # a clean look, for the before/after comparison
        results.append(ZoneResult(zone.id, m, outcome.event, filing))
    db.flush()
    verified = verify_handled_cases(db, camera, now, photo_dir)
    return FrameResult(camera.code, now, w, h, tuple(detections), tuple(results), verified)


def handled_camera_cases(db: Session, camera: Camera) -> list[Case]:
    prefix = f"{DEDUPE_PREFIX}{camera.code}/zone:"
    return list(
        db.scalars(
            select(Case)
            .where(
                Case.source == CaseSource.AI_PATROL,
                Case.state == CaseState.HANDLED,
                Case.dedupe_key.startswith(prefix, autoescape=True),
            )
            .order_by(Case.id)
        )
    )


def verify_handled_cases(
    db: Session, camera: Camera, now: datetime, photo_dir: Path | None
) -> tuple[str, ...]:
    """On each patrol, let the verifiers re-check this camera's cases reported handled."""
    from backoffice.cases.intake import default_photo_dir
    from backoffice.cases.verification import run_verifiers

    decided = []
    for case in handled_camera_cases(db, camera):
        verdict = run_verifiers(db, case, now, photo_dir or default_photo_dir())
        if verdict is not None:
            decided.append(case.number)
    return tuple(decided)


def mark_offline(camera: Camera, error: str, now: datetime, backoff_max_s: int) -> None:
    """A camera that did not answer: offline, retried later, sooner at first."""
    camera.failures += 1
    camera.status = CameraStatus.OFFLINE
    camera.last_error = error[:500]
    wait = min(
        camera.interval_s * 2 ** (camera.failures - 1), max(backoff_max_s, camera.interval_s)
    )
    camera.next_visit_at = now + timedelta(seconds=wait)
