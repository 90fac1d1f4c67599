"""A zone's minimum score from the case outcomes: raised (never lowered on its own) to the
lowest value at which the labelled filings reach the precision target while keeping enough of
the true positives; each change is logged and can be reverted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.errors import Conflict, NotFound
from backoffice.vision.learning.models import CaseFrame, Label, ThresholdChange
from backoffice.vision.models import Zone


@dataclass(frozen=True)
class Targets:
    precision: float = 0.8  # share of filings that should be real
    min_recall: float = 0.5  # share of the true positives a raise must keep
    cap: float = 0.99  # never raised above this
    step: float = 0.01  # a raise goes this far above the false alarm's score


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
    db: Session, zone: Zone, new: float, now: datetime, by: str, reason: str
) -> ThresholdChange:
    change = ThresholdChange(
        zone_id=zone.id, at=now, old_score=zone.min_score, new_score=new, reason=reason, by=by[:100]
    )
    zone.min_score = new
    db.add(change)
    return change


def from_outcomes(
    db: Session, zone: Zone, now: datetime, by: str = "outcomes"
) -> ThresholdChange | None:
    """Recompute the zone's minimum score from its labelled frames; a raise is logged."""
    rows = list(
        db.scalars(
            select(CaseFrame).where(CaseFrame.zone_id == zone.id, CaseFrame.label != Label.PENDING)
        )
    )
    true = [_score(r) for r in rows if r.label is Label.TRUE]
    false = [_score(r) for r in rows if r.label is Label.FALSE_ALARM]
    new = propose(zone.min_score, true, false)
    if new <= zone.min_score:
        return None
    reason = (
        f"{len(false)} false alarm(s), {len(true)} verified; precision target "
        f"{TARGETS.precision:.0%}"
    )
    return log_change(db, zone, new, now, by, reason)


def history(db: Session, zone_ids: Sequence[int]) -> list[ThresholdChange]:
    return list(
        db.scalars(
            select(ThresholdChange)
            .where(ThresholdChange.zone_id.in_(zone_ids))
            .order_by(ThresholdChange.at.desc(), ThresholdChange.id.desc())
        )
    )


def revert(db: Session, change_id: int, now: datetime, by: str) -> ThresholdChange:
    """Put a change's old score back (the newest unreverted change of its zone only)."""
    change = db.get(ThresholdChange, change_id)
    if change is None:
        raise NotFound(f"No threshold change {change_id}.")
    if change.reverted_at is not None:
        raise Conflict(f"Threshold change {change_id} is already reverted.")
    newest = db.scalar(
        select(ThresholdChange)
        .where(ThresholdChange.zone_id == change.zone_id, ThresholdChange.reverted_at.is_(None))
        .order_by(ThresholdChange.id.desc())
        .limit(1)
    )
    if newest is not None and newest.id != change.id:
        raise Conflict(f"Revert threshold change {newest.id} of this zone first.")
    zone = db.get_one(Zone, change.zone_id)
    zone.min_score = change.old_score
    change.reverted_at, change.reverted_by = now, by[:100]
    db.flush()
    return change
