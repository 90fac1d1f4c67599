"""The patrol: visit every enabled camera at its interval, grab a frame, detect, run the zones.

`Patrol.run_due(db, now)` is the periodic job the back office's scheduler runs (every
`ZHILI_VISION_PATROL_POLL_S`): it visits the cameras due, each in its own commit. A queue of
workers can take the visits over camera by camera, each calling `Patrol.visit` for one
`(camera_code, now)` in a transaction of its own. The assembly point (`backoffice.wiring`)
builds the app's patrol.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backoffice.db import begin_writing
from backoffice.vision import frames, service
from backoffice.vision.detector import Detector, Frame
from backoffice.vision.models import Camera, SourceKind
from backoffice.vision.rules import Detection
from backoffice.vision.sources import (
    NOTHING_PRIVATE,
    FrameSource,
    PushedFrames,
    Reach,
    RtspSource,
    SnapshotSource,
    SourceError,
    VideoFileSource,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceLimits:
    timeout_s: float = 10.0
    max_bytes: int = 8 * 1024 * 1024
    max_side: int = 4096
    reach: Reach = NOTHING_PRIVATE


def source_for(camera: Camera, limits: SourceLimits = SourceLimits()) -> FrameSource:
    """The frame source a camera's settings describe."""
    if camera.source_kind is SourceKind.SNAPSHOT:
        return SnapshotSource(
            camera.source_url,
            timeout_s=limits.timeout_s,
            max_bytes=limits.max_bytes,
            max_side=limits.max_side,
            outbound=limits.reach.outbound,
        )
    if camera.source_kind is SourceKind.RTSP:
        return RtspSource(
            camera.source_url, timeout_s=limits.timeout_s, outbound=limits.reach.outbound
        )
    if camera.source_kind is SourceKind.FILE:
        return VideoFileSource(camera.source_url, reach=limits.reach)
    return PushedFrames()


@dataclass(frozen=True)
class VisitOutcome:
    camera_code: str
    ok: bool
    result: frames.FrameResult | None = None
    error: str = ""


def due_cameras(db: Session, now: datetime) -> list[str]:
    """Codes of the enabled cameras (that are fetched, not pushing) due a visit at `now`."""
    rows = db.scalars(
        select(Camera.code)
        .where(
            Camera.enabled.is_(True),
            Camera.source_kind != SourceKind.PUSH,
            or_(Camera.next_visit_at.is_(None), Camera.next_visit_at <= now),
        )
        .order_by(Camera.next_visit_at, Camera.code)
    )
    return list(rows)


@dataclass(frozen=True)
class Look:
    """What one look at a camera gave: a frame and its detections, or why there is none."""

    frame: Frame | None
    detections: list[Detection]
    error: str = ""


@dataclass
class Patrol:
    detector: Callable[[], Detector]
    limits: SourceLimits = SourceLimits()
    backoff_max_s: int = 600
    photo_dir: Path | None = None
    sources: Callable[[Camera, SourceLimits], FrameSource] = source_for

    def look(self, camera: Camera) -> Look:
        """Grab a frame and detect: no database work, so no transaction need be open. A
        camera that does not answer, or a detector that fails, gives a look without a frame."""
        try:
            frame = self.sources(camera, self.limits).grab()
        except SourceError as exc:
            return Look(None, [], str(exc))
        try:
            return Look(frame, self.detector().detect(frame))
        except Exception as exc:
            log.exception("detection on camera %s failed", camera.code)
            return Look(None, [], f"{type(exc).__name__}: {exc}")

    def record(self, db: Session, camera: Camera, seen: Look, now: datetime) -> VisitOutcome:
        """Run the zones on what the look saw and file cases; a look without a frame marks
        the camera offline, to be retried later, sooner at first."""
        camera.next_visit_at = now + timedelta(seconds=camera.interval_s)
        if seen.frame is None:
            service.mark_offline(camera, seen.error, now, self.backoff_max_s)
            db.flush()
            log.warning(
                "camera %s offline (%d in a row): %s", camera.code, camera.failures, seen.error
            )
            return VisitOutcome(camera.code, False, error=seen.error)
        result = frames.process_frame(
            db, camera, seen.frame, seen.detections, now, photo_dir=self.photo_dir
        )
        return VisitOutcome(camera.code, True, result)

    def visit(self, db: Session, camera_code: str, now: datetime) -> VisitOutcome:
        """One camera in the caller's transaction: look, run the zones, file cases (what a
        queue worker does for one camera)."""
        camera = service.get_camera(db, camera_code)
        return self.record(db, camera, self.look(camera), now)

    def visit_due(self, db: Session, now: datetime) -> list[VisitOutcome]:
        """Visit every camera due at `now`, each committed on its own. The look (grab and
        detect, the slow part) runs with no transaction open, and the writes then begin as a
        writer (`begin_writing`): on SQLite a transaction that read before another committed
        may not write, and a round must hold no lock while the detector works. A failure
        (even a bug) rolls back that camera's visit only and marks the camera offline."""
        codes = due_cameras(db, now)
        db.commit()
        outcomes = []
        for code in codes:
            camera = service.get_camera(db, code)
            db.commit()
            seen = self.look(camera)
            begin_writing(db)
            try:
                outcomes.append(self.record(db, camera, seen, now))
                db.commit()
            except Exception as exc:
                db.rollback()
                log.exception("patrol visit to camera %s failed", code)
                error = f"{type(exc).__name__}: {exc}"
                begin_writing(db)
                service.mark_offline(service.get_camera(db, code), error, now, self.backoff_max_s)
                db.commit()
                outcomes.append(VisitOutcome(code, False, error=error))
        return outcomes

    def run_due(self, db: Session, now: datetime) -> int:
        """The scheduler's job: visit the cameras due now; returns how many were visited."""
        return len(self.visit_due(db, now))
