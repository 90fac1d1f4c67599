"""Sign-in for staff, staff accounts, who-am-I, and bearer tokens for responsible units."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from sqlalchemy import select

from backoffice.access import CurrentPrincipal, Principal, Role, TokenKind, authorize
from backoffice.deps import DbSession, Now
from backoffice.identity import service
from backoffice.identity.models import Staff
from backoffice.identity.schemas import LoginRequest, Me, StaffCreate, StaffOut, TokenOut
from backoffice.units.models import ResponsibleUnit
from backoffice.units.service import get_unit

router = APIRouter(prefix="/api/v1", tags=["identity"])
Admin = Annotated[Principal, authorize(Role.ADMIN)]
AdminUnit = Annotated[ResponsibleUnit, authorize(Role.ADMIN, load=get_unit)]


def _staff_out(staff: Staff) -> StaffOut:
    return StaffOut(
        username=staff.username,
        display_name=staff.display_name,
        role=staff.role,
        unit_code=staff.unit.code if staff.unit else None,
        active=staff.active,
    )


@router.post("/auth/token", status_code=201)
def sign_in(body: LoginRequest, db: DbSession, now: Now) -> TokenOut:
    """Trade a staff username and password for a bearer token valid for 12 hours."""
    staff = service.authenticate(db, body.username, body.password)
    token = service.issue_staff_token(db, staff, now)
    return TokenOut(token=token, expires_at=now + service.STAFF_TOKEN_TTL)


@router.get("/auth/me")
def who_am_i(principal: CurrentPrincipal, db: DbSession) -> Me:
    unit = db.get(ResponsibleUnit, principal.unit_id) if principal.unit_id else None
    return Me(
        kind=principal.kind,
        name=principal.name,
        role=principal.role,
        unit_code=unit.code if unit else None,
        # A terminal's token is labelled with its code (fleet.service.enroll).
        terminal_code=principal.name if principal.kind is TokenKind.TERMINAL else None,
    )


@router.post("/staff", status_code=201)
def create_staff(body: StaffCreate, db: DbSession, now: Now, _admin: Admin) -> StaffOut:
    staff = service.create_staff(
        db,
        username=body.username,
        password=body.password,
        role=body.role,
        display_name=body.display_name,
        unit_code=body.unit_code,
        now=now,
    )
    return _staff_out(staff)


@router.get("/staff")
def list_staff(db: DbSession, _admin: Admin) -> list[StaffOut]:
    return [_staff_out(s) for s in db.scalars(select(Staff).order_by(Staff.username))]


@router.post("/units/{ref}/tokens", status_code=201)
def issue_unit_token(unit: AdminUnit, db: DbSession, now: Now, _admin: Admin) -> TokenOut:
    """A bearer token for a responsible unit's own systems (shown once)."""
    return TokenOut(token=service.issue_unit_token(db, unit, now))
