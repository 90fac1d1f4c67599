"""Before/after comparison for camera cases, one of the app's case verifiers (`cases.hooks`,
added by `backoffice.wiring`): the camera looks again; nothing of the kind in the zone and the
zone like its clean reference closes the case, anything else returns it with the frame and the
reason."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from backoffice.cases.hooks import Verdict
from backoffice.cases.models import Case
from backoffice.cases.photos import Photo, PhotoKind
from backoffice.cases.states import CaseSource
from backoffice.errors import NotFound
from backoffice.vision import frames, references, service
from backoffice.vision.detector import Detector, Frame
from backoffice.vision.models import Camera, SourceKind, Zone
from backoffice.vision.rules import RuleKind, measure
from backoffice.vision.sources import FrameSource, SourceError

log = logging.getLogger(__name__)

VERIFIER_NAME = "vision.before_after"
# Local-contrast correlation of the zone with its clean reference. On generated scenes a
# cleared zone under other light scores 0.7-0.99 (0.45-0.7 when a hard cast shadow crossed it
# in between); a small object changes little of a large zone, so the detector is the main
# check and this one catches what it misses: large leftovers, a covered or moved camera.
DEFAULT_MIN_SIMILARITY = 0.5


@dataclass
class CameraVerifier:
    """`detector` and `source_for` are passed in (the model is loaded once, elsewhere)."""

    detector: Callable[[], Detector]
    source_for: Callable[[Camera], FrameSource]
    min_similarity: float = DEFAULT_MIN_SIMILARITY
    name: str = VERIFIER_NAME

    def applies_to(self, case: Case) -> bool:
        return (
            case.source is CaseSource.AI_PATROL
            and service.parse_dedupe_key(case.dedupe_key) is not None
        )

    def _frame(self, db: Session, camera: Camera, case: Case, now: datetime) -> Frame | None:
        """A frame taken after the unit said it was handled: the patrol's newest, else a fresh
        one from the camera. None (wait) when the camera has nothing newer to show."""
        latest = frames.latest_frame(db, camera)
        handled_at = case.handled_at or case.updated_at
        if latest is not None and latest[0] >= handled_at:
            return latest[1]
        if camera.source_kind is SourceKind.PUSH:
            return None
        try:
            frame = self.source_for(camera).grab()
        except SourceError as exc:
            log.info("verifier: camera %s gave no frame: %s", camera.code, exc)
            return None
        frames.store_latest_frame(db, camera, frame, now)
        return frame

    def verify(self, db: Session, case: Case, now: datetime) -> Verdict | None:
        parsed = service.parse_dedupe_key(case.dedupe_key)
        if parsed is None:
            return None
        camera_code, zone_id = parsed
        try:
            camera = service.get_camera(db, camera_code)
        except NotFound:
            return None
        zone = db.get(Zone, zone_id)
        if zone is None or zone.camera_id != camera.id:
            return None
        frame = self._frame(db, camera, case, now)
        if frame is None:
            return None
        return self.judge(zone, frame)

    def judge(self, zone: Zone, frame: Frame) -> Verdict:
        h, w = frame.shape[:2]
        rule = service.zone_rule(zone)
        m = measure(rule, self.detector().detect(frame), w, h)
        similarity = references.similarity_to_reference(zone, frame)
        decided_by = f"AI patrol {zone.camera.code} (before/after)"
        what = "shared bike" if zone.rule is RuleKind.NO_PARKING else "waste pile"
        reasons = []
        if m.count:
            reasons.append(
                f"the camera still sees {m.count} {what}{'s' if m.count > 1 else ''} "
                f"in zone '{zone.name}'"
            )
        if similarity is not None and similarity < self.min_similarity:
            reasons.append(
                f"the zone does not look like its clean reference (similarity {similarity:.2f}, "
                f"needs {self.min_similarity:.2f})"
            )
        label = f"re-check {zone.camera.code} / {zone.name}"
        photo = Photo(PhotoKind.AFTER, frames.annotate(frame, zone, m, label), "image/jpeg")
        if reasons:
            return Verdict(False, "; ".join(reasons) + ".", decided_by, photo)
        shown = "no reference" if similarity is None else f"similarity {similarity:.2f}"
        return Verdict(
            True,
            f"re-check: no {what} in zone '{zone.name}'; {shown} to the clean zone.",
            decided_by,
            photo,
        )
