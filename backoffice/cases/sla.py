"""Time limits per case type and level, reminders, the overdue flag and escalation on breach.

A case's limit is the row for its type and priority level in `case_time_limits`, else the
type's default (copied onto the case when it opened); it is counted from dispatch, in working
hours where the limit says so. `check_time_limits` is the scheduler's job: it reminds the
unit when a fifth of the limit is left, flags the case overdue at the due time and escalates
it to the parent unit (督办), one level more for each further limit that passes unhandled.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from backoffice import refcache, workcal
from backoffice.cases import lifecycle
from backoffice.cases.models import Case, CaseEvent, CaseType
from backoffice.cases.states import RUNNING_STATES, CaseAction, CasePriority
from backoffice.db import Base, UTCDateTime, str_enum
from backoffice.errors import BadInput, Conflict
from backoffice.notify.service import Notice, enqueue

log = logging.getLogger(__name__)

ACTOR = "sla"
# Remind the unit when this share of the time limit is left.
REMIND_WHEN_LEFT = 0.2


class TimeLimit(Base):
    """The time limit of one case type at one priority level (紧急/高/一般/低)."""

    __tablename__ = "case_time_limits"
    __table_args__ = (UniqueConstraint("type_id", "priority"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    type_id: Mapped[int] = mapped_column(ForeignKey("case_types.id", ondelete="CASCADE"))
    priority: Mapped[CasePriority] = mapped_column(str_enum(CasePriority))
    time_limit_h: Mapped[float] = mapped_column()
    working_hours: Mapped[bool] = mapped_column()

    type: Mapped[CaseType] = relationship()


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


@dataclass(frozen=True)
class Limit:
    hours: float
    working: bool


def _all_limits(db: Session) -> dict[tuple[int, CasePriority], Limit]:
    rows = db.execute(
        select(
            TimeLimit.type_id, TimeLimit.priority, TimeLimit.time_limit_h, TimeLimit.working_hours
        )
    ).all()
    return {(type_id, prio): Limit(hours, working) for type_id, prio, hours, working in rows}


def limit_for(db: Session, case_type: CaseType, priority: CasePriority) -> Limit:
    # Every dispatch asks: the table is kept in memory until a limit or type is edited.
    limits = refcache.cached(db, "sla.limits", "types", _all_limits)
    found = limits.get((case_type.id, priority))
    if found is not None:
        return found
    return Limit(case_type.time_limit_h, case_type.working_hours)


def set_limit(
    db: Session, case_type: CaseType, priority: CasePriority, hours: float, working: bool
) -> TimeLimit:
    if not 0 < hours <= 24 * 365:
        raise BadInput("A time limit is more than 0 and at most a year (8760 hours).")
    row = db.scalars(
        select(TimeLimit).where(TimeLimit.type_id == case_type.id, TimeLimit.priority == priority)
    ).first()
    if row is None:
        row = TimeLimit(type_id=case_type.id, priority=priority)
        db.add(row)
    row.time_limit_h = hours
    row.working_hours = working
    db.flush()
    return row


def add_limit(start: datetime, hours: float, working: bool) -> datetime:
    return lifecycle.add_time_limit(start, hours, working)


def time_left(case: Case, now: datetime) -> timedelta:
    """Time to the due time, counted as the limit counts (negative once overdue)."""
    if case.due_at is None:
        raise ValueError(f"case {case.number} has no due time")
    if not case.working_hours:
        return case.due_at - now
    cal = workcal.default_calendar()
    if now <= case.due_at:
        return cal.working_time_between(now, case.due_at)
    return -cal.working_time_between(case.due_at, now)


def on_transition(db: Session, case: Case, event: CaseEvent) -> None:
    """Transition listener: at dispatch, apply the limit of the case's type and level."""
    if event.action != CaseAction.DISPATCH.value or case.dispatched_at is None:
        return
    limit = limit_for(db, case.type, case.priority)
    if (limit.hours, limit.working) == (case.time_limit_h, case.working_hours):
        return
    case.time_limit_h = limit.hours
    case.working_hours = limit.working
    case.due_at = add_limit(case.dispatched_at, limit.hours, limit.working)
    # No flush: the change goes out with the filing's own flush.


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


def _facts(case: Case, now: datetime) -> dict[str, str]:
    local_due = case.due_at.astimezone(workcal.SHANGHAI) if case.due_at else None
    return {
        "案件编号": case.number,
        "类型": case.type.name_zh,
        "地点": " ".join(p.name_zh for p in (case.road, case.place) if p is not None) or "-",
        "时限": f"{case.time_limit_h:g} {'工作小时' if case.working_hours else '小时'}",
        "截止": local_due.strftime("%Y-%m-%d %H:%M") if local_due else "-",
    }


def _data(case: Case) -> dict[str, object]:
    return {
        "case_number": case.number,
        "type_code": case.type.code,
        "state": case.state.value,
        "due_at": case.due_at.isoformat() if case.due_at else None,
        "time_limit_h": case.time_limit_h,
        "working_hours": case.working_hours,
        "escalation_level": case.escalation_level,
    }


def _notify(db: Session, case: Case, unit_id: int, event: str, title: str, now: datetime) -> None:
    enqueue(
        db,
        Notice(
            event=event,
            unit_id=unit_id,
            subject=case.number,
            title=title,
            facts=_facts(case, now),
            data=_data(case),
        ),
        now,
    )


def _escalate(db: Session, case: Case, clock: CaseClock, now: datetime, why: str) -> bool:
    try:
        lifecycle.apply_action(
            db, case, CaseAction.ESCALATE, lifecycle.ActionInput(reason=why), actor=ACTOR, now=now
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
    left = time_left(case, now)
    if clock.reminded_at is None and timedelta(0) < left <= limit * REMIND_WHEN_LEFT:
        clock.reminded_at = now
        _notify(db, case, case.unit_id, "case.reminder", f"时限提醒: {case.number}", now)
        done.append("reminded")
    if left > timedelta(0):
        return done
    if case.overdue_at is None:
        case.overdue_at = now
        case.updated_at = now
        done.append("overdue")
    if clock.breached_at is None:
        clock.breached_at = now
        _notify(db, case, case.unit_id, "case.overdue", f"案件超时: {case.number}", now)
    # One escalation for the breach, and one more for each further full limit unhandled.
    periods = int((-left) / limit) + 1 if limit > timedelta(0) else 1
    while clock.breach_escalations < periods:
        due = case.due_at.astimezone(workcal.SHANGHAI).strftime("%Y-%m-%d %H:%M")
        why = f"超过处置时限 (time limit breached; due {due})"
        if not _escalate(db, case, clock, now, why):
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
