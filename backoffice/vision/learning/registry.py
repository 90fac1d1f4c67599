"""Detector models registered with the back office: a candidate shadows the active one on a
sample of patrols; `promote` makes it the patrol's detector, `rollback` puts the one before
back (or, with none before it, the configured weights, ZHILI_VISION_WEIGHTS).

The weights travel in the database, so every API process and worker runs the same model:
each keeps them on disk by their SHA-256 (`ModelRegistry.cache_dir`) and reads which model is
active at each camera visit (one small query), so a promotion reaches every process at its
next visit, with no restart.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.errors import BadInput, Conflict
from backoffice.vision.detector import Detector, YoloDetector, shared_detector
from backoffice.vision.learning.models import DetectorModel, ModelRole


@dataclass(frozen=True)
class ModelRef:
    """What a process needs to load a registered model, without its weights."""

    id: int
    name: str
    sha256: str
    class_map: tuple[tuple[str, str], ...]
    imgsz: int
    share: float


@dataclass(frozen=True)
class Pick:
    """The detectors for one visit: the active one, and the candidate when this visit is in
    its sample."""

    active: Callable[[], Detector]
    candidate: tuple[int, Callable[[], Detector]] | None = None


def sampled(camera_code: str, now: datetime, share: float) -> bool:
    """Is this visit in the candidate's sample? Decided by a hash of the camera and the time,
    so whichever process visits decides alike."""
    digest = hashlib.sha256(f"{camera_code}@{now.isoformat()}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < share


@dataclass
class ModelRegistry:
    """The process's view of the registered models. `fallback` is the configured detector;
    `confidence` and `tiles` are the patrol's settings, which every registered model runs at."""

    fallback: Callable[[], YoloDetector]
    cache_dir: Path
    confidence: float = 0.25
    tiles: tuple[int, int] = (1, 1)
    _active: ModelRef | None = None
    _candidate: ModelRef | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def refresh(self, db: Session) -> None:
        """Read which models are active and shadowing; fetch weights not on disk yet."""
        rows = db.execute(
            select(
                DetectorModel.id,
                DetectorModel.name,
                DetectorModel.sha256,
                DetectorModel.class_map,
                DetectorModel.imgsz,
                DetectorModel.share,
                DetectorModel.role,
            ).where(DetectorModel.role.in_([ModelRole.ACTIVE, ModelRole.CANDIDATE]))
        ).all()
        refs: dict[ModelRole, ModelRef] = {}
        for id_, name, sha, class_map, imgsz, share, role in rows:
            refs[role] = ModelRef(id_, name, sha, tuple(sorted(class_map.items())), imgsz, share)
        for ref in refs.values():
            self._ensure_file(db, ref)
        with self._lock:
            self._active = refs.get(ModelRole.ACTIVE)
            self._candidate = refs.get(ModelRole.CANDIDATE)

    def refs(self) -> list[ModelRef]:
        """The active and candidate models as last read."""
        with self._lock:
            return [r for r in (self._active, self._candidate) if r is not None]

    def weights_file(self, ref: ModelRef) -> Path:
        return self.cache_dir / f"{ref.sha256}.pt"

    def _ensure_file(self, db: Session, ref: ModelRef) -> None:
        path = self.weights_file(ref)
        if path.is_file():
            return
        weights = db.scalar(select(DetectorModel.weights).where(DetectorModel.id == ref.id))
        if weights is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_suffix(f".{os.getpid()}.part")
        part.write_bytes(weights)
        part.replace(path)

    def load(self, ref: ModelRef) -> YoloDetector:
        return shared_detector(
            self.weights_file(ref),
            dict(ref.class_map),
            imgsz=ref.imgsz,
            confidence=self.confidence,
            tiles=self.tiles,
        )

    def active(self) -> Detector:
        """The active model as this process last read it; the configured one when none is."""
        with self._lock:
            ref = self._active
        return self.fallback() if ref is None else self.load(ref)

    def pick(self, db: Session, camera_code: str, now: datetime) -> Pick:
        """The detectors for one visit (read afresh)."""
        self.refresh(db)
        with self._lock:
            candidate = self._candidate
        if candidate is None or not sampled(camera_code, now, candidate.share):
            return Pick(self.active)
        return Pick(self.active, (candidate.id, lambda: self.load(candidate)))


def register_candidate(
    db: Session,
    weights: Path,
    *,
    name: str,
    class_map: Mapping[str, str],
    imgsz: int,
    share: float,
    now: datetime,
    by: str,
) -> DetectorModel:
    """Register a model to shadow the active one (the candidate before it is withdrawn). The
    file is loaded first: a file ultralytics cannot read, or a class map it does not fit, is
    refused here rather than on the patrol."""
    if not 0 < share <= 1:
        raise BadInput("The candidate's share of patrols is more than 0 and at most 1.")
    YoloDetector(weights, class_map, imgsz=imgsz)  # DetectorError names what to fix
    data = weights.read_bytes()
    for old in db.scalars(select(DetectorModel).where(DetectorModel.role == ModelRole.CANDIDATE)):
        old.role, old.retired_at, old.note = ModelRole.RETIRED, now, "withdrawn: a new candidate"
    model = DetectorModel(
        name=name[:100],
        sha256=hashlib.sha256(data).hexdigest(),
        weights=data,
        class_map=dict(class_map),
        imgsz=imgsz,
        share=share,
        role=ModelRole.CANDIDATE,
        added_at=now,
        added_by=by[:100],
    )
    db.add(model)
    db.flush()
    return model


def of_role(db: Session, role: ModelRole) -> DetectorModel | None:
    return db.scalar(select(DetectorModel).where(DetectorModel.role == role).limit(1))


def promote(db: Session, now: datetime, note: str) -> DetectorModel:
    """The candidate becomes the active model; the active one before it is retired."""
    candidate = of_role(db, ModelRole.CANDIDATE)
    if candidate is None:
        raise Conflict("There is no candidate model to promote: register one first.")
    active = of_role(db, ModelRole.ACTIVE)
    if active is not None:
        active.role, active.retired_at = ModelRole.RETIRED, now
    candidate.role, candidate.promoted_at, candidate.note = ModelRole.ACTIVE, now, note
    db.flush()
    return candidate


@dataclass(frozen=True)
class RolledBack:
    retired: DetectorModel
    active: DetectorModel | None  # None: the configured weights again


def rollback(db: Session, now: datetime) -> RolledBack:
    """Retire the active model and put back the one active before it (the newest promoted
    and since retired), or the configured weights when there was none."""
    active = of_role(db, ModelRole.ACTIVE)
    if active is None:
        raise Conflict("No registered model is active: the patrol runs the configured weights.")
    before = db.scalar(
        select(DetectorModel)
        .where(
            DetectorModel.role == ModelRole.RETIRED,
            DetectorModel.promoted_at.is_not(None),
            DetectorModel.promoted_at < active.promoted_at,
        )
        .order_by(DetectorModel.promoted_at.desc(), DetectorModel.id.desc())
        .limit(1)
    )
    active.role, active.retired_at = ModelRole.RETIRED, now
    active.note = f"{active.note}\nrolled back".strip()
    if before is not None:
        before.role, before.retired_at = ModelRole.ACTIVE, None
    db.flush()
    return RolledBack(active, before)
