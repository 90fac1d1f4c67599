"""Rectification transitions: a table of what may follow what, one function per step. A
rectification that ends (its outcome recorded, or the appeal upheld) closes its case, so the
case does not stay dispatched and run overdue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from backoffice.cases import service as cases
from backoffice.cases.models import Case
from backoffice.errors import Conflict
from backoffice.ratings.models import Rating, Rectification, RectificationStatus

S = RectificationStatus
ALLOWED: dict[RectificationStatus, frozenset[RectificationStatus]] = {
    S.OPEN: frozenset({S.CALLED_BACK, S.APPEALED}),
    S.CALLED_BACK: frozenset({S.CLOSED, S.APPEALED}),
    S.APPEALED: frozenset({S.EXCLUDED, S.OPEN, S.CALLED_BACK}),
    S.EXCLUDED: frozenset(),
    S.CLOSED: frozenset(),
}


def _move(rect: Rectification, to: RectificationStatus, action: str) -> None:
    allowed = ALLOWED[rect.status]
    if to not in allowed:
        names = ", ".join(sorted(s.value for s in allowed)) or "nothing (it is finished)"
        raise Conflict(
            f"Cannot {action}: the rectification is {rect.status.value}; from there it may go "
            f"to {names}."
        )
    rect.status = to


def call_back(rect: Rectification, note: str, satisfied: bool, by: str, now: datetime) -> None:
    """回访: someone called the resident back and noted what they said."""
    _move(rect, S.CALLED_BACK, "record a callback")
    rect.callback_at, rect.callback_by = now, by
    rect.callback_note, rect.resident_satisfied = note, satisfied


def appeal(rect: Rectification, reason: str, by: str, now: datetime) -> None:
    """申诉: the office says the rating was mistaken or malicious."""
    _move(rect, S.APPEALED, "appeal")
    rect.appeal_reason, rect.appeal_by, rect.appeal_at = reason, by, now


def decide_appeal(
    db: Session,
    rect: Rectification,
    rating: Rating,
    upheld: bool,
    note: str,
    by: str,
    now: datetime,
) -> None:
    if upheld:
        _move(rect, S.EXCLUDED, "uphold the appeal")
        rating.excluded = True
        rect.closed_at = now
        _close_case(db, rect, f"申诉成立 (appeal upheld): {note}", by, now)
    else:
        _move(rect, S.CALLED_BACK if rect.callback_at else S.OPEN, "reject the appeal")
    rect.appeal_decision = {
        "upheld": upheld,
        "note": note,
        "by": by,
        "at": now.isoformat(),
    }


def close(db: Session, rect: Rectification, outcome: str, by: str, now: datetime) -> None:
    """整改完成: what was changed; on time if before the deadline. The case closes with it."""
    _move(rect, S.CLOSED, "close (record the outcome after the callback)")
    rect.outcome, rect.closed_at = outcome, now
    rect.closed_on_time = now <= rect.deadline
    _close_case(db, rect, f"整改完成 (rectified): {outcome}", by, now)


def _close_case(db: Session, rect: Rectification, reason: str, by: str, now: datetime) -> None:
    case = db.get(Case, rect.case_id)
    if case is not None:
        cases.close_on_outcome(db, case, reason, by, now)
