"""Static false positives: a detection that comes back at the same place on a fixed camera,
patrol after patrol, while the picture there stays the same (a façade, a sign, a kerb the model
takes for a waste pile) is learned as that camera's background and dropped from then on. A spot
whose picture changes starts over; a learned one whose picture changes lets detections through
(something is really there now); a spot where a case of the camera, open or verified, saw its
object is not learned. Clearing a spot forgets it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import cv2
import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.errors import NotFound
from backoffice.vision.detector import Frame
from backoffice.vision.learning.models import CaseFrame, FalseDaily, Label, StaticSpot
from backoffice.vision.models import Camera
from backoffice.vision.rules import Detection

LOOK = 16  # a spot's picture: its box, grey, this many pixels a side


@dataclass(frozen=True)
class StaticRules:
    min_hits: int = 30  # patrols that saw it there, in a row of unchanged pictures
    min_span: timedelta = timedelta(hours=12)  # from the first to the latest of them
    iou: float = 0.6  # how well a detection's box must match the spot's
    max_diff: float = 10.0  # mean absolute grey difference (0-255) that still counts as unchanged
    max_spots: int = 200  # per camera; the stalest unlearned ones go first


RULES = StaticRules()


def _iou(a: Sequence[float], b: Sequence[float]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _look(frame: Frame, box: Sequence[float]) -> np.ndarray:
    h, w = frame.shape[:2]
    x1, y1 = min(max(0, int(box[0])), w - 1), min(max(0, int(box[1])), h - 1)
    x2, y2 = min(w, max(x1 + 1, round(box[2]))), min(h, max(y1 + 1, round(box[3])))
    grey = cv2.cvtColor(frame[y1:y2, x1:x2], cv2.COLOR_BGR2GRAY)
    return cv2.resize(grey, (LOOK, LOOK), interpolation=cv2.INTER_AREA)


def _diff(a: np.ndarray, b: bytes) -> float:
    other = np.frombuffer(b, np.uint8).reshape(LOOK, LOOK)
    return float(np.mean(np.abs(a.astype(np.int16) - other.astype(np.int16))))


def count_false(
    db: Session, camera_id: int, now: datetime, *, suppressed: int = 0, alarms: int = 0
) -> None:
    """Add to the camera's false detections of the day."""
    day = now.date()
    row = db.scalar(
        select(FalseDaily).where(FalseDaily.camera_id == camera_id, FalseDaily.day == day)
    )
    if row is None:
        row = FalseDaily(camera_id=camera_id, day=day, suppressed=0, false_alarms=0)
        db.add(row)
    row.suppressed += suppressed
    row.false_alarms += alarms


def spots_of(db: Session, camera: Camera) -> list[StaticSpot]:
    return list(
        db.scalars(
            select(StaticSpot).where(StaticSpot.camera_id == camera.id).order_by(StaticSpot.id)
        )
    )


def screen(
    db: Session,
    camera: Camera,
    frame: Frame,
    detections: Sequence[Detection],
    now: datetime,
    rules: StaticRules | None = None,
) -> list[Detection]:
    """The detections that are not the camera's learned background; the spots learn from the
    rest."""
    r = rules or RULES
    h, w = frame.shape[:2]
    spots = spots_of(db, camera)
    kept: list[Detection] = []
    touched: set[int] = set()
    dropped = 0
    for d in detections:
        share = [d.box[0] / w, d.box[1] / h, d.box[2] / w, d.box[3] / h]
        look = _look(frame, d.box)
        match = max(
            (s for s in spots if s.kind == d.kind and _iou(s.box, share) >= r.iou),
            key=lambda s: _iou(s.box, share),
            default=None,
        )
        if match is None:
            spot = StaticSpot(
                camera_id=camera.id,
                kind=d.kind,
                box=[round(v, 5) for v in share],
                look=look.tobytes(),
                hits=1,
                first_at=now,
                last_at=now,
                learned=False,
                suppressed=0,
            )
            db.add(spot)
            spots.append(spot)
            kept.append(d)
            continue
        unchanged = _diff(look, match.look) <= r.max_diff
        if match.learned:
            if unchanged:
                match.suppressed += 1
                dropped += 1
            else:
                kept.append(d)
            continue
        kept.append(d)
        if id(match) in touched:
            continue
        touched.add(id(match))
        if unchanged:
            match.hits += 1
        else:  # the picture there changed: start over from this look
            match.hits, match.first_at, match.look = 1, now, look.tobytes()
        match.last_at = now
        if (
            match.hits >= r.min_hits
            and now - match.first_at >= r.min_span
            and not behind_a_case(db, camera, match, r)
        ):
            match.learned, match.learned_at = True, now
    unlearned = [s for s in spots if not s.learned and s.id is not None]
    for stale in sorted(unlearned, key=lambda s: s.last_at)[: max(0, len(spots) - r.max_spots)]:
        db.delete(stale)
    if dropped:
        count_false(db, camera.id, now, suppressed=dropped)
    return kept


def behind_a_case(db: Session, camera: Camera, spot: StaticSpot, r: StaticRules) -> bool:
    """Is the spot where a case of this camera saw its object, a case still open (its frames
    pending) or verified? Then it is a real object standing there, not the background."""
    rows = db.scalars(
        select(CaseFrame).where(
            CaseFrame.camera_id == camera.id, CaseFrame.label != Label.FALSE_ALARM
        )
    )
    for row in rows:
        for b in row.boxes:
            x1, y1, x2, y2 = b["box"]
            share = [x1 / row.width, y1 / row.height, x2 / row.width, y2 / row.height]
            if b["kind"] == spot.kind and _iou(spot.box, share) >= r.iou:
                return True
    return False


def clear(db: Session, spot_id: int) -> StaticSpot:
    """Forget a spot: its detections count again (and it must be learned anew)."""
    spot = db.get(StaticSpot, spot_id)
    if spot is None:
        raise NotFound(f"No background spot {spot_id}.")
    db.delete(spot)
    db.flush()
    return spot
