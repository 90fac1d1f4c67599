"""The patrol: visit every enabled camera at its interval, grab a frame, detect, run the zones.

`Patrol.run_due(now)` finds the cameras due and hands each to a `VisitRunner`. The default
runs the visit here, in its own transaction; at scale a runner that enqueues
`(camera_code, now)` for a pool of workers (each calling `Patrol.visit`) takes over with
nothing else changed. The back office's scheduler calls `patrol_job` every few seconds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from backoffice.db import session_scope
from backoffice.vision import service
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
    result: service.FrameResult | None = None
    error: str = ""


class VisitRunner(Protocol):
    def __call__(self, camera_code: str, now: datetime) -> VisitOutcome | None:
        """Visit one camera (or enqueue the visit and return None)."""
        ...


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
        result = service.process_frame(db, camera, frame, detections, now, photo_dir=self.photo_dir)
        return VisitOutcome(camera.code, True, result)


@dataclass
class InlineVisits:
    """Each visit in its own transaction, here and now: one camera's failure (even a bug)
    rolls back that camera only and the patrol goes on."""

    patrol: Patrol
    session_factory: sessionmaker[Session]

    def __call__(self, camera_code: str, now: datetime) -> VisitOutcome | None:
        try:
            with session_scope(self.session_factory) as db:
                return self.patrol.visit(db, camera_code, now)
        except Exception as exc:
            log.exception("patrol visit to camera %s failed", camera_code)
            with session_scope(self.session_factory) as db:
                camera = service.get_camera(db, camera_code)
                service.mark_offline(
                    camera, f"{type(exc).__name__}: {exc}", now, self.patrol.backoff_max_s
                )
            return VisitOutcome(camera_code, False, error=f"{type(exc).__name__}: {exc}")


def run_due(
    db: Session, now: datetime, visit: Callable[[str, datetime], VisitOutcome | None]
) -> list[VisitOutcome]:
    """Visit every camera due at `now`."""
    outcomes = []
    for code in due_cameras(db, now):
        outcome = visit(code, now)
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes


def visit_in_savepoints(patrol: Patrol, db: Session) -> Callable[[str, datetime], VisitOutcome]:
    """A runner inside one session: each camera in a savepoint (the scheduler's job shape)."""

    def visit(code: str, now: datetime) -> VisitOutcome:
        try:
            with db.begin_nested():
                return patrol.visit(db, code, now)
        except Exception as exc:
            log.exception("patrol visit to camera %s failed", code)
            with db.begin_nested():
                camera = service.get_camera(db, code)
                service.mark_offline(
                    camera, f"{type(exc).__name__}: {exc}", now, patrol.backoff_max_s
                )
            return VisitOutcome(code, False, error=f"{type(exc).__name__}: {exc}")

    return visit


_configured: Patrol | None = None


def configured_patrol() -> Patrol:
    """The process's patrol, built from ZHILI_VISION_* settings (detector loaded on first use)."""
    global _configured
    if _configured is None:
        from backoffice.vision.config import get_vision_settings
        from backoffice.vision.detector import configured_detector

        s = get_vision_settings()
        _configured = Patrol(
            detector=configured_detector,
            limits=SourceLimits(s.source_timeout_s, s.max_frame_bytes, s.max_frame_side),
            backoff_max_s=s.offline_backoff_max_s,
        )
    return _configured


def patrol_job(db: Session, now: datetime) -> int:
    """For the back office's scheduler: visit the cameras due now; returns how many."""
    patrol = configured_patrol()
    return len(run_due(db, now, visit_in_savepoints(patrol, db)))
