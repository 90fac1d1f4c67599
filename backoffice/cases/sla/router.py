"""Time limits per case type and priority level: list them, set one, remove one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select

from backoffice.access import Principal, Role, authorize
from backoffice.cases.models import CaseType
from backoffice.cases.states import CasePriority
from backoffice.cases.time_limits import TimeLimit, set_limit
from backoffice.deps import DbSession
from backoffice.errors import NotFound

router = APIRouter(prefix="/api/v1/time-limits", tags=["cases"])

Admin = Annotated[Principal, authorize(Role.ADMIN)]
Reader = Annotated[
    Principal, authorize(Role.ADMIN, Role.OPERATOR, Role.SHIFT_LEADER, Role.DISPATCHER)
]


class TimeLimitIn(BaseModel):
    time_limit_h: float = Field(gt=0, le=24 * 365, description="Hours from dispatch.")
    working_hours: bool = Field(description="Count only office hours on working days.")


class TimeLimitOut(TimeLimitIn):
    type_code: str
    priority: CasePriority


def _type(db: DbSession, code: str) -> CaseType:
    case_type = db.scalars(select(CaseType).where(CaseType.code == code)).first()
    if case_type is None:
        raise NotFound(f"No case type has the code '{code}'; GET /api/v1/case-types lists them.")
    return case_type


@router.get("")
def list_time_limits(db: DbSession, _who: Reader) -> list[TimeLimitOut]:
    """The limits set per type and level; other cases use their type's default limit."""
    rows = db.execute(
        select(TimeLimit, CaseType.code)
        .join(CaseType, TimeLimit.type_id == CaseType.id)
        .order_by(CaseType.code, TimeLimit.priority)
    ).all()
    return [
        TimeLimitOut(
            type_code=code,
            priority=row.priority,
            time_limit_h=row.time_limit_h,
            working_hours=row.working_hours,
        )
        for row, code in rows
    ]


@router.put("/{type_code}/{priority}")
def set_time_limit(
    type_code: str, priority: CasePriority, body: TimeLimitIn, db: DbSession, _who: Admin
) -> TimeLimitOut:
    """Set the limit of one type at one level; it applies to cases dispatched from now on."""
    row = set_limit(db, _type(db, type_code), priority, body.time_limit_h, body.working_hours)
    return TimeLimitOut(
        type_code=type_code,
        priority=row.priority,
        time_limit_h=row.time_limit_h,
        working_hours=row.working_hours,
    )


@router.delete("/{type_code}/{priority}", status_code=204)
def remove_time_limit(type_code: str, priority: CasePriority, db: DbSession, _who: Admin) -> None:
    """Back to the type's default limit for this level."""
    case_type = _type(db, type_code)
    row = db.scalars(
        select(TimeLimit).where(TimeLimit.type_id == case_type.id, TimeLimit.priority == priority)
    ).first()
    if row is None:
        raise NotFound(f"{type_code} has no time limit of its own at level '{priority}'.")
    db.delete(row)
    db.flush()
