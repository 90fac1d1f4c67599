"""The patrol: visit every enabled camera at its interval, grab a frame, detect, run the zones.

`Patrol.run_due(db, now)` is the periodic job the back office's scheduler runs (every
`ZHILI_VISION_PATROL_POLL_S`): it visits the cameras due, each in its own commit. A queue of
workers can take the visits over camera by camera, each calling `Patrol.visit_safely` for one
`(camera_code, now)`. The assembly point (`backoffice.wiring`) builds the app's patrol.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backoffice.vision import frames, service
from backoffice.vision.detector import Detector
from backoffice.vision.models import Camera, SourceKind
from backoffice.vision.sources import (
    FrameSource,
    PushedFrames,
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


def source_for(camera: Camera, limits: SourceLimits = SourceLimits()) -> FrameSource:
    """The frame source a camera's settings describe."""
    if camera.source_kind is SourceKind.SNAPSHOT:
        return SnapshotSource(
            camera.source_url,
            timeout_s=limits.timeout_s,
            max_bytes=limits.max_bytes,
            max_side=limits.max_side,
        )
    if camera.source_kind is SourceKind.RTSP:
        return RtspSource(camera.source_url, timeout_s=limits.timeout_s)
    if camera.source_kind is SourceKind.FILE:
        return VideoFileSource(camera.source_url)
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


@dataclass
class Patrol:
    detector: Callable[[], Detector]
    limits: SourceLimits = SourceLimits()
    backoff_max_s: int = 600
    photo_dir: Path | None = None
    sources: Callable[[Camera, SourceLimits], FrameSource] = source_for

    def visit(self, db: Session, camera_code: str, now: datetime) -> VisitOutcome:
        """One camera: grab, detect, run zones, file cases. A camera that does not answer is
        marked offline and retried later; nothing it does reaches another camera."""
        camera = service.get_camera(db, camera_code)
        camera.next_visit_at = now + timedelta(seconds=camera.interval_s)
        try:
            frame = self.sources(camera, self.limits).grab()
        except SourceError as exc:
            service.mark_offline(camera, str(exc), now, self.backoff_max_s)
            db.flush()
            log.warning("camera %s offline (%d in a row): %s", camera.code, camera.failures, exc)
            return VisitOutcome(camera.code, False, error=str(exc))
        detections = self.detector().detect(frame)
        result = frames.process_frame(db, camera, frame, detections, now, photo_dir=self.photo_dir)
        return VisitOutcome(camera.code, True, result)

    def visit_safely(self, db: Session, camera_code: str, now: datetime) -> VisitOutcome:
        """`visit` in a savepoint: a failure (even a bug) rolls back this camera's visit only
        and marks the camera offline, to be retried later."""
        try:
            with db.begin_nested():
                return self.visit(db, camera_code, now)
        except Exception as exc:
            log.exception("patrol visit to camera %s failed", camera_code)
            with db.begin_nested():
                camera = service.get_camera(db, camera_code)
                service.mark_offline(
                    camera, f"{type(exc).__name__}: {exc}", now, self.backoff_max_s
                )
            return VisitOutcome(camera_code, False, error=f"{type(exc).__name__}: {exc}")

    def visit_due(self, db: Session, now: datetime) -> list[VisitOutcome]:
        """Visit every camera due at `now`, committing after each one: a long round holds no
        lock across cameras, and what one camera filed stays filed whatever the next does."""
        codes = due_cameras(db, now)
        outcomes = []
        for code in codes:
            outcomes.append(self.visit_safely(db, code, now))
            db.commit()
        return outcomes

    def run_due(self, db: Session, now: datetime) -> int:
        """The scheduler's job: visit the cameras due now; returns how many were visited."""
        return len(self.visit_due(db, now))
