"""The patrol: visit every enabled camera at its interval, grab a frame, detect, run the zones.

`Patrol.run_due(db, now)` is the periodic job the back office's scheduler runs (every
`ZHILI_VISION_PATROL_POLL_S`): it visits the cameras due, each in its own commit. With a queue
of workers, `Patrol.dispatch_due` hands the cameras due out instead, one message each, and a
worker calls `Patrol.visit_leased` for each.

Each visit holds a lease on its camera (`claim_due`: a token and an expiry of one period, taken
with `FOR UPDATE SKIP LOCKED` on PostgreSQL), so however many processes patrol, a camera is
visited once per period by one of them; a visit whose lease was taken over meanwhile (it ran
past its period) writes nothing. The zones' state (dwell, inertia, fill held) is kept on the
zone rows, so whichever worker visits next carries on from it. The assembly point
(`backoffice.wiring`) builds the app's patrol.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backoffice.db import begin_writing
from backoffice.vision import frames, service
from backoffice.vision.detector import Detector, Frame
from backoffice.vision.learning import shadow
from backoffice.vision.learning.registry import ModelRegistry, Pick
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


def _due(now: datetime) -> Any:
    return (
        select(Camera)
        .where(
            Camera.enabled.is_(True),
            Camera.source_kind != SourceKind.PUSH,
            or_(Camera.next_visit_at.is_(None), Camera.next_visit_at <= now),
            or_(Camera.lease_until.is_(None), Camera.lease_until <= now),
        )
        .order_by(Camera.next_visit_at, Camera.code)
    )


def due_cameras(db: Session, now: datetime) -> list[str]:
    """Codes of the enabled cameras (that are fetched, not pushing) due a visit at `now` and
    not leased to a visit under way."""
    return list(db.scalars(_due(now).with_only_columns(Camera.code)))


@dataclass(frozen=True)
class Lease:
    camera_code: str
    token: str


def claim_due(db: Session, now: datetime, limit: int | None = None) -> list[Lease]:
    """Lease the cameras due at `now` (at most `limit`) for one period each; flushes, the
    caller commits. On PostgreSQL rows another process is claiming are skipped, not waited
    for; on SQLite the claim holds the write lock."""
    begin_writing(db)
    query = _due(now)
    if limit is not None:
        query = query.limit(limit)
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    leases = []
    for camera in db.scalars(query):
        camera.lease_token = secrets.token_hex(12)
        camera.lease_until = now + timedelta(seconds=camera.interval_s)
        leases.append(Lease(camera.code, camera.lease_token))
    db.flush()
    return leases


def _locked_camera(db: Session, code: str) -> Camera:
    """The camera row, read afresh with its zones and locked until commit (PostgreSQL), so two
    visits never interleave their zone updates."""
    db.expire_all()
    query = select(Camera).where(Camera.code == code)
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    camera = db.scalars(query).first()
    if camera is None:
        return service.get_camera(db, code)  # the 404 it gives
    return camera


@dataclass(frozen=True)
class Look:
    """What one look at a camera gave: a frame and its detections, or why there is none."""

    frame: Frame | None
    detections: list[Detection]
    error: str = ""
    # The candidate model's id and detections on the same frame, when it shadowed this look.
    shadow: tuple[int, list[Detection]] | None = None


@dataclass
class Patrol:
    detector: Callable[[], Detector]
    limits: SourceLimits = SourceLimits()
    backoff_max_s: int = 600
    photo_dir: Path | None = None
    sources: Callable[[Camera, SourceLimits], FrameSource] = source_for
    # The registered models (the active one, a candidate in its shadow); None: `detector` only.
    models: ModelRegistry | None = None

    def pick(self, db: Session, camera_code: str, now: datetime) -> Pick:
        """The detectors for one visit: the active model, and the candidate when this visit
        is in its sample."""
        if self.models is None:
            return Pick(self.detector)
        return self.models.pick(db, camera_code, now)

    def look(self, camera: Camera, pick: Pick | None = None) -> Look:
        """Grab a frame and detect: no database work, so no transaction need be open. A
        camera that does not answer, or a detector that fails, gives a look without a frame."""
        try:
            frame = self.sources(camera, self.limits).grab()
        except SourceError as exc:
            return Look(None, [], str(exc))
        return self.detect(camera.code, frame, pick or Pick(self.detector))

    def detect(self, camera_code: str, frame: Frame, pick: Pick) -> Look:
        """The picked detectors on one frame; a candidate that fails costs only its shadow."""
        try:
            seen = pick.active().detect(frame)
        except Exception as exc:
            log.exception("detection on camera %s failed", camera_code)
            return Look(None, [], f"{type(exc).__name__}: {exc}")
        if pick.candidate is None:
            return Look(frame, seen)
        model_id, candidate = pick.candidate
        try:
            return Look(frame, seen, shadow=(model_id, candidate().detect(frame)))
        except Exception:
            log.exception("candidate model %d failed on camera %s", model_id, camera_code)
            return Look(frame, seen)

    def record(self, db: Session, camera: Camera, seen: Look, now: datetime) -> VisitOutcome:
        """Run the zones on what the look saw and file cases; a look without a frame marks
        the camera offline, to be retried later, sooner at first."""
        camera.next_visit_at = now + timedelta(seconds=camera.interval_s)
        camera.lease_token = camera.lease_until = None
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
        if seen.shadow is not None:
            h, w = seen.frame.shape[:2]
            shadow.record(db, camera, seen.shadow[0], (w, h), seen.detections, seen.shadow[1], now)
        return VisitOutcome(camera.code, True, result)

    def visit(self, db: Session, camera_code: str, now: datetime) -> VisitOutcome:
        """One camera in the caller's transaction: look, run the zones, file cases (what a
        queue worker does for one camera)."""
        camera = service.get_camera(db, camera_code)
        pick = self.pick(db, camera_code, now)
        return self.record(db, camera, self.look(camera, pick), now)

    def visit_leased(self, db: Session, lease: Lease, now: datetime) -> VisitOutcome | None:
        """One leased camera, committed on its own; None when the lease is no longer this
        visit's (another took the camera over after the lease ran out). The look (grab and
        detect, the slow part) runs with no transaction open, and the writes then begin as a
        writer (`begin_writing`) on the camera row, locked: on SQLite a transaction that read
        before another committed may not write, and no lock is held while the detector works.
        A failure (even a bug) rolls back this visit only and marks the camera offline."""
        camera = service.get_camera(db, lease.camera_code)
        held = camera.lease_token == lease.token
        pick = self.pick(db, lease.camera_code, now) if held else None
        db.commit()
        if pick is None:
            return None
        seen = self.look(camera, pick)
        begin_writing(db)
        try:
            camera = _locked_camera(db, lease.camera_code)
            if camera.lease_token != lease.token:
                db.rollback()
                return None
            outcome = self.record(db, camera, seen, now)
            db.commit()
            return outcome
        except Exception as exc:
            db.rollback()
            log.exception("patrol visit to camera %s failed", lease.camera_code)
            error = f"{type(exc).__name__}: {exc}"
            begin_writing(db)
            camera = _locked_camera(db, lease.camera_code)
            camera.lease_token = camera.lease_until = None
            camera.next_visit_at = now + timedelta(seconds=camera.interval_s)
            service.mark_offline(camera, error, now, self.backoff_max_s)
            db.commit()
            return VisitOutcome(lease.camera_code, False, error=error)

    def visit_due(self, db: Session, now: datetime) -> list[VisitOutcome]:
        """Lease every camera due at `now`, then visit them one after the other, each committed
        on its own (see `visit_leased`)."""
        leases = claim_due(db, now)
        db.commit()
        outcomes = []
        for lease in leases:
            outcome = self.visit_leased(db, lease, now)
            if outcome is not None:
                outcomes.append(outcome)
        return outcomes

    def dispatch_due(self, db: Session, now: datetime, send: Callable[[Lease], None]) -> int:
        """Lease the cameras due at `now` and hand each lease to `send` (a queue of workers
        visits them); returns how many. A lease whose message is lost runs out after one
        period and the camera is claimed again."""
        leases = claim_due(db, now)
        db.commit()
        for lease in leases:
            send(lease)
        return len(leases)

    def run_due(self, db: Session, now: datetime) -> int:
        """The scheduler's job: visit the cameras due now; returns how many were visited."""
        return len(self.visit_due(db, now))
