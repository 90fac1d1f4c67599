"""A case's time limit and due time: the one owner of `due_at`.

The limit is the row for the case's type and priority level in `case_time_limits`, else the
type's default; it is counted from dispatch, in working hours where the limit says so. The
lifecycle calls `start` at dispatch, `extend` when an extension is approved and `stop` when the
case leaves its unit; nothing else sets a due time. `cases.sla` watches the running cases
(reminders, the overdue flag, escalation on breach).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ForeignKey, UniqueConstraint, and_, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from backoffice import refcache, workcal
from backoffice.cases.models import Case, CaseType
from backoffice.cases.states import RUNNING_STATES, CasePriority
from backoffice.db import Base, str_enum
from backoffice.errors import BadInput


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


def add_time_limit(start: datetime, hours: float, working: bool) -> datetime:
    """The moment a time limit of `hours` ends, counted in working hours where it says so."""
    if working:
        return workcal.default_calendar().add_working_hours(start, hours)
    return start + timedelta(hours=hours)


# --- a case's due time -----------------------------------------------------------------------


def start(db: Session, case: Case, now: datetime) -> None:
    """At dispatch: the limit of the case's type and level, due that long from now."""
    limit = limit_for(db, case.type, case.priority)
    case.time_limit_h = limit.hours
    case.working_hours = limit.working
    case.due_at = add_time_limit(now, limit.hours, limit.working)
    case.overdue_at = None


def extend(case: Case, hours: float, now: datetime) -> None:
    """An approved extension: the due time moves `hours` later, counted as the limit counts."""
    case.due_at = add_time_limit(case.due_at or now, hours, case.working_hours)
    case.time_limit_h += hours
    case.overdue_at = None


def stop(case: Case) -> None:
    """The case left its unit (sent back, resumed, reopened): no time runs until dispatch."""
    case.due_at = None
    case.overdue_at = None


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


def is_overdue(case: Case, now: datetime) -> bool:
    """Running past its due time (whether or not the time-limit job has flagged it yet)."""
    return case.state in RUNNING_STATES and case.due_at is not None and case.due_at <= now


def overdue_clause(now: datetime) -> Any:
    """`is_overdue` as a filter on cases."""
    return and_(Case.state.in_(RUNNING_STATES), Case.due_at.is_not(None), Case.due_at <= now)
