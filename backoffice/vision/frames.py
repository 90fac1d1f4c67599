"""What one frame does, whether the patrol fetched it or a camera pushed it: detections -> zone
rules -> cases filed (or evidence added) through the cases intake, the camera's newest frame
kept, a clean zone's reference refreshed, and the camera's handled cases re-checked."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases import descriptions
from backoffice.cases.intake import CaseReport, FilingResult, file_report
from backoffice.cases.models import Case
from backoffice.cases.photos import Photo, PhotoKind
from backoffice.cases.states import CaseSource, CaseState
from backoffice.renovations import piles
from backoffice.vision import references
from backoffice.vision.detector import Frame
from backoffice.vision.learning import background
from backoffice.vision.models import Camera, CameraStatus, LatestFrame, Zone
from backoffice.vision.rules import (
    Detection,
    EventKind,
    Measurement,
    RuleKind,
    ZoneState,
    measure,
    step,
)
from backoffice.vision.service import DEDUPE_PREFIX, dedupe_key, zone_rule
from backoffice.vision.sources import encode_jpeg

log = logging.getLogger(__name__)


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
) -> descriptions.Fact:
    """What the patrol saw, as a fact the pages word in their language."""
    minutes = int((now - since).total_seconds() // 60) if since else 0
    if zone.rule is RuleKind.NO_PARKING:
        return descriptions.fact(
            descriptions.AI_NO_PARKING,
            zone=zone.name,
            count=m.count,
            minutes=minutes,
            camera=camera.code,
        )
    return descriptions.fact(
        descriptions.AI_FILL,
        zone=zone.name,
        fill=round(m.fill, 4),
        threshold=zone.threshold,
        minutes=minutes,
        camera=camera.code,
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
    pile: piles.PileCheck | None = None,
) -> FilingResult:
    """File (or, while one is open, add evidence to) the zone's case through the intake. A
    renovation point's finding (`pile`) is a dumping case for the property company, with the
    booking it concerns recorded beside it."""
    if pile is None:
        fact = _description(zone, camera, m, since, now)
    else:
        minutes = int((now - since).total_seconds() // 60) if since else 0
        fact = piles.fact(pile, zone.name, camera.code, m.fill, minutes)
    label = f"{camera.code} / {zone.name} / {now:%Y-%m-%d %H:%M} UTC"
    photo = Photo(PhotoKind.EVIDENCE, annotate(frame, zone, m, label), "image/jpeg")
    report = CaseReport(
        source=CaseSource.AI_PATROL,
        type_code=zone.type_code if pile is None else piles.TYPE_RENOVATION_DUMPING,
        unit_code=None if pile is None else pile.unit_code,
        near_cases=pile is None,
        description=descriptions.render(fact, "zh", ""),
        description_fact=fact,
        lon=camera.lon,
        lat=camera.lat,
        road_code=camera.road_code,
        grid_code=camera.grid_code,
        place_code=zone.place_code or camera.place_code,
        dedupe_key=dedupe_key(camera, zone) + ("" if pile is None else piles.key_suffix(pile)),
        photos=(photo,),
        reporter=f"AI patrol {camera.code}",
    )
    filing = file_report(db, report, now, photo_dir=photo_dir)
    if pile is not None:
        piles.record_case(db, pile, filing.case_id, m.fill, now)
    return filing


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
    detections = background.screen(db, camera, frame, detections, now)  # learned background
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
        pile = None
        if rule.kind is RuleKind.COLLECTION_POINT and zone.place_code:
            # A renovation point: the fill its bookings allow now is the zone's threshold.
            pile = piles.check(db, zone.place_code, now)
            if pile is not None:
                rule = replace(rule, threshold=pile.threshold)
        m = measure(rule, detections, w, h)
        before = ZoneState.from_json(zone.state)
        outcome = step(rule, before, m, now)
        zone.state = outcome.state.to_json()
        if pile is not None and pile.in_window and m.fill >= pile.min_fill:
            piles.note_sighting(db, pile, m.fill, now)
        filing = None
        if outcome.event in (EventKind.RAISED, EventKind.REPEATED):
            filing = report_zone(
                db, camera, zone, frame, m, outcome.state.since, now, photo_dir, pile
            )
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
            and (zone.reference_at is None or now - zone.reference_at >= references.REFRESH)
        ):
            references.set_reference(
                zone, frame, now
            )  # a clean look, for the before/after comparison
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
