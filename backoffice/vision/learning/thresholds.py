"""A zone's minimum score, and a camera's floor under all its zones, from the case outcomes:
raised (never lowered on their own) to the lowest value at which the labelled filings reach the
precision target while keeping enough of the true positives; each change is logged and can be
reverted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.errors import Conflict, NotFound
from backoffice.vision.learning.models import CaseFrame, Label, ThresholdChange
from backoffice.vision.models import Camera, Zone


@dataclass(frozen=True)
class Targets:
    precision: float = 0.8  # share of filings that should be real
    min_recall: float = 0.5  # share of the true positives a raise must keep
    cap: float = 0.99  # never raised above this
    step: float = 0.01  # a raise goes this far above the false alarm's score
    camera_zones: int = 2  # a camera's floor: false alarms from this many of its zones
    camera_false: int = 3  # and this many in all


TARGETS = Targets()


def _score(row: CaseFrame) -> float:
    return max((float(b["score"]) for b in row.boxes), default=0.0)


def propose(
    current: float,
    true_scores: Sequence[float],
    false_scores: Sequence[float],
    t: Targets = TARGETS,
) -> float:
    """The lowest minimum score >= current that reaches the precision target on the labelled
    filings (a filing counts at a score when its best box reaches it) and keeps `min_recall`
    of the true ones; `current` when it already does or no raise can."""

    def ok(threshold: float) -> bool:
        tp = sum(s >= threshold for s in true_scores)
        fp = sum(s >= threshold for s in false_scores)
        if true_scores and tp < t.min_recall * len(true_scores):
            return False
        return tp + fp == 0 or tp / (tp + fp) >= t.precision

    candidates = sorted({current} | {round(s + t.step, 4) for s in false_scores if s >= current})
    for threshold in candidates:
        if threshold > t.cap:
            break
        if ok(threshold):
            return threshold
    return current


def log_change(
    db: Session, camera: Camera, zone: Zone | None, new: float, now: datetime, by: str, reason: str
) -> ThresholdChange:
    """Set a zone's minimum score (or, `zone` None, the camera's floor) and log the change."""
    target: Zone | Camera = zone if zone is not None else camera
    change = ThresholdChange(
        camera_id=camera.id,
        zone_id=zone.id if zone is not None else None,
        at=now,
        old_score=target.min_score,
        new_score=new,
        reason=reason,
        by=by[:100],
    )
    target.min_score = new
    db.add(change)
    return change


def _scores(rows: Sequence[CaseFrame]) -> tuple[list[float], list[float]]:
    """The best scores of the verified filings, and of the false alarms."""
    true = [_score(r) for r in rows if r.label is Label.TRUE]
    false = [_score(r) for r in rows if r.label is Label.FALSE_ALARM]
    return true, false


def _reason(true: Sequence[float], false: Sequence[float], whole_camera: bool) -> str:
    if whole_camera:
        return (
            f"{len(false)} false alarm(s), {len(true)} verified; on the camera's zones "
            f"together; precision target {TARGETS.precision:.0%}"
        )
    return (
        f"{len(false)} false alarm(s), {len(true)} verified; precision target "
        f"{TARGETS.precision:.0%}"
    )


def from_outcomes(
    db: Session, zone: Zone, now: datetime, by: str = "outcomes"
) -> list[ThresholdChange]:
    """Recompute the zone's minimum score from its labelled frames, then its camera's floor
    from the labelled frames of all the camera's zones; each raise is logged. The camera's
    floor moves only once false alarms came from `camera_zones` zones or more and number
    `camera_false` or more: one zone's trouble is that zone's, a camera whose zones all fire
    (glare, a dirty lens, a scene the model misreads) gets a floor new zones start from."""
    camera = zone.camera
    rows = list(
        db.scalars(
            select(CaseFrame).where(
                CaseFrame.camera_id == camera.id, CaseFrame.label != Label.PENDING
            )
        )
    )
    changes = []
    true, false = _scores([r for r in rows if r.zone_id == zone.id])
    new = propose(zone.min_score, true, false)
    if new > zone.min_score:
        changes.append(log_change(db, camera, zone, new, now, by, _reason(true, false, False)))
    true, false = _scores(rows)
    false_zones = {r.zone_id for r in rows if r.label is Label.FALSE_ALARM}
    if len(false_zones) >= TARGETS.camera_zones and len(false) >= TARGETS.camera_false:
        new = propose(camera.min_score, true, false)
        if new > camera.min_score:
            changes.append(log_change(db, camera, None, new, now, by, _reason(true, false, True)))
    return changes


def history(db: Session, camera_id: int) -> list[ThresholdChange]:
    """The camera's threshold changes, its zones' and its own, newest first."""
    return list(
        db.scalars(
            select(ThresholdChange)
            .where(ThresholdChange.camera_id == camera_id)
            .order_by(ThresholdChange.at.desc(), ThresholdChange.id.desc())
        )
    )


def revert(db: Session, change_id: int, now: datetime, by: str) -> ThresholdChange:
    """Put a change's old score back (the newest unreverted change of its zone, or of its
    camera's floor, only)."""
    change = db.get(ThresholdChange, change_id)
    if change is None:
        raise NotFound(f"No threshold change {change_id}.")
    if change.reverted_at is not None:
        raise Conflict(f"Threshold change {change_id} is already reverted.")
    same_scope = (
        ThresholdChange.zone_id == change.zone_id
        if change.zone_id is not None
        else ThresholdChange.zone_id.is_(None)
    )
    newest = db.scalar(
        select(ThresholdChange)
        .where(
            ThresholdChange.camera_id == change.camera_id,
            same_scope,
            ThresholdChange.reverted_at.is_(None),
        )
        .order_by(ThresholdChange.id.desc())
        .limit(1)
    )
    if newest is not None and newest.id != change.id:
        if change.zone_id is None:
            raise Conflict(f"Revert threshold change {newest.id} of this camera first.")
        raise Conflict(f"Revert threshold change {newest.id} of this zone first.")
    target: Zone | Camera = (
        db.get_one(Zone, change.zone_id)
        if change.zone_id is not None
        else db.get_one(Camera, change.camera_id)
    )
    target.min_score = change.old_score
    change.reverted_at, change.reverted_by = now, by[:100]
    db.flush()
    return change
