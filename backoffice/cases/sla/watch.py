"""Watching running cases against their due time: remind the unit when a fifth of the limit
is left, flag the case overdue at the due time and escalate it to the parent unit (督办), one
level more for each further limit that passes unhandled. `check_time_limits` is the
scheduler's job."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from backoffice import workcal
from backoffice.cases import descriptions, lifecycle, notices, time_limits
from backoffice.cases.models import Case
from backoffice.cases.states import RUNNING_STATES, CaseAction
from backoffice.db import Base, UTCDateTime
from backoffice.errors import Conflict

log = logging.getLogger(__name__)

ACTOR = "sla"
# Remind the unit when this share of the time limit is left.
REMIND_WHEN_LEFT = 0.2


class CaseClock(Base):
    """What the time-limit job has done for a case's current due time (reset when it moves)."""

    __tablename__ = "case_clocks"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    breach_escalations: Mapped[int] = mapped_column(default=0)
    last_note: Mapped[str] = mapped_column(String(200), default="")


def _clock(db: Session, case: Case) -> CaseClock:
    assert case.due_at is not None
    row = db.get(CaseClock, case.id)
    if row is None:
        row = CaseClock(case_id=case.id, due_at=case.due_at, breach_escalations=0)
        db.add(row)
    elif row.due_at != case.due_at:
        # Extended or re-dispatched: a new time limit, so reminders and breaches start over.
        row.due_at = case.due_at
        row.reminded_at = row.breached_at = None
        row.breach_escalations = 0
    return row


def _escalate(db: Session, case: Case, clock: CaseClock, now: datetime, why: str, due: str) -> bool:
    fact = descriptions.fact(descriptions.SLA_BREACH, due=due)
    try:
        lifecycle.apply_action(
            db,
            case,
            CaseAction.ESCALATE,
            lifecycle.ActionInput(reason=why, reason_fact=fact),
            actor=ACTOR,
            now=now,
        )
    except Conflict as exc:
        # The top of the hierarchy supervises already: note it once, keep the flag.
        if clock.last_note != exc.message[:200]:
            clock.last_note = exc.message[:200]
            log.info("case %s: %s", case.number, exc.message)
        return False
    clock.breach_escalations += 1
    return True


def check_case(db: Session, case: Case, now: datetime) -> list[str]:
    """Remind, flag and escalate one running case as its time requires; returns what it did."""
    if case.state not in RUNNING_STATES or case.due_at is None or case.unit_id is None:
        return []
    done: list[str] = []
    clock = _clock(db, case)
    limit = timedelta(hours=case.time_limit_h)
    left = time_limits.time_left(case, now)
    if clock.reminded_at is None and timedelta(0) < left <= limit * REMIND_WHEN_LEFT:
        clock.reminded_at = now
        notices.tell(db, case, case.unit_id, notices.REMINDER, now)
        done.append("reminded")
    if left > timedelta(0):
        return done
    if case.overdue_at is None:
        case.overdue_at = now
        case.updated_at = now
        done.append("overdue")
    if clock.breached_at is None:
        clock.breached_at = now
        notices.tell(db, case, case.unit_id, notices.OVERDUE, now)
    # One escalation for the breach, and one more for each further full limit unhandled.
    periods = int((-left) / limit) + 1 if limit > timedelta(0) else 1
    while clock.breach_escalations < periods:
        due = case.due_at.astimezone(workcal.SHANGHAI).strftime("%Y-%m-%d %H:%M")
        why = f"超过处置时限 (time limit breached; due {due})"
        if not _escalate(db, case, clock, now, why, due):
            break
        done.append("escalated")
    db.flush()
    return done


def check_time_limits(db: Session, now: datetime) -> int:
    """The scheduler's job: every running case with a due time; returns how many it acted on."""
    cases = db.scalars(
        select(Case)
        .where(Case.state.in_(RUNNING_STATES), Case.due_at.is_not(None))
        .order_by(Case.due_at, Case.id)
    ).all()
    acted = 0
    for case in cases:
        if check_case(db, case, now):
            acted += 1
    return acted
