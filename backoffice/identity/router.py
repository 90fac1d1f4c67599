"""Sign-in and sign-out for staff, staff accounts (disable, unlock), who-am-I, and bearer tokens
for responsible units (issued with an expiry, listed, revoked)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select

from backoffice.access import CurrentPrincipal, Principal, Role, TokenKind, authorize
from backoffice.deps import AppSettings, DbSession, Now
from backoffice.errors import DomainError, Forbidden
from backoffice.identity import service
from backoffice.identity.guard import Attempt, SignInGuard
from backoffice.identity.models import Staff
from backoffice.identity.schemas import (
    LoginRequest,
    Me,
    StaffChange,
    StaffCreate,
    StaffOut,
    TokenOut,
    UnitTokenOut,
)
from backoffice.identity.tokens import TokenCache
from backoffice.units.models import ResponsibleUnit
from backoffice.units.service import get_unit

router = APIRouter(prefix="/api/v1", tags=["identity"])
Admin = Annotated[Principal, authorize(Role.ADMIN)]
AdminUnit = Annotated[ResponsibleUnit, authorize(Role.ADMIN, load=get_unit)]
_bearer = HTTPBearer(auto_error=False)
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def guard_of(request: Request) -> SignInGuard:
    """The app's sign-in guard (`backoffice.wiring`), shared with the login page."""
    guard: SignInGuard = request.app.state.signin_guard
    return guard


def tokens_of(request: Request) -> TokenCache:
    cache: TokenCache = request.app.state.tokens
    return cache


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


def _staff_out(staff: Staff) -> StaffOut:
    return StaffOut(
        username=staff.username,
        display_name=staff.display_name,
        role=staff.role,
        unit_code=staff.unit.code if staff.unit else None,
        active=staff.active,
    )


@router.post("/auth/token", status_code=201)
def sign_in(body: LoginRequest, request: Request, db: DbSession, now: Now) -> TokenOut:
    """Trade a staff username and password for a bearer token valid for 12 hours. Failed
    attempts are limited per account and per client address (429 past the limits)."""
    attempt = Attempt(body.username, client_address(request), "api")
    try:
        staff = guard_of(request).sign_in(db, attempt, body.password, now)
    except DomainError:
        db.commit()  # the audit row and the counters stay, whatever the answer
        raise
    token = service.issue_staff_token(db, staff, now)
    return TokenOut(token=token, expires_at=now + service.STAFF_TOKEN_TTL)


@router.post("/auth/logout", status_code=204)
def sign_out(
    principal: CurrentPrincipal,
    credentials: Bearer,
    request: Request,
    db: DbSession,
    now: Now,
) -> None:
    """Revoke the staff token this request carries; it stops working at once."""
    if principal.kind is not TokenKind.STAFF or credentials is None:
        raise Forbidden("Only a staff token signs out; units and terminals have theirs revoked.")
    service.revoke_token(db, credentials.credentials, now)
    service.audit(db, actor=principal.name, action="logout", target=principal.name, now=now)
    tokens_of(request).forget_token(credentials.credentials)


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


@router.patch("/staff/{username}")
def change_staff(
    username: str, body: StaffChange, request: Request, db: DbSession, now: Now, admin: Admin
) -> StaffOut:
    """Disable an account (its tokens and page sessions stop at once) or enable it again."""
    staff = service.get_staff(db, username)
    if staff.id == admin.staff_id and not body.active:
        raise Forbidden("You cannot disable your own account; ask another administrator.")
    service.set_active(db, staff, body.active, now)
    action = "enable_staff" if body.active else "disable_staff"
    service.audit(db, actor=admin.name, action=action, target=username, now=now)
    tokens_of(request).forget(lambda p: p.staff_id == staff.id)
    return _staff_out(staff)


@router.post("/staff/{username}/unlock", status_code=204)
def unlock_staff(username: str, request: Request, db: DbSession, now: Now, admin: Admin) -> None:
    """Forget the account's failed sign-ins, so it can sign in again before its lock ends."""
    staff = service.get_staff(db, username)
    guard_of(request).unlock(db, staff.username, now)
    service.audit(db, actor=admin.name, action="unlock_staff", target=username, now=now)


@router.post("/units/{ref}/tokens", status_code=201)
def issue_unit_token(
    unit: AdminUnit, db: DbSession, now: Now, settings: AppSettings, admin: Admin
) -> TokenOut:
    """A bearer token for a responsible unit's own systems (shown once); it expires after
    `unit_token_days` (90 by default)."""
    ttl = timedelta(days=settings.unit_token_days)
    token = service.issue_unit_token(db, unit, now, ttl)
    service.audit(db, actor=admin.name, action="issue_unit_token", target=unit.code, now=now)
    return TokenOut(token=token, expires_at=now + ttl)


@router.get("/units/{ref}/tokens")
def list_unit_tokens(unit: AdminUnit, db: DbSession, _admin: Admin) -> list[UnitTokenOut]:
    return [
        UnitTokenOut(
            id=row.id,
            created_at=row.created_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
        )
        for row in service.unit_tokens(db, unit)
    ]


@router.delete("/units/{ref}/tokens/{token_id}", status_code=204)
def revoke_unit_token(
    unit: AdminUnit, token_id: int, request: Request, db: DbSession, now: Now, admin: Admin
) -> None:
    """Revoke one of the unit's tokens; it stops working at once."""
    service.revoke_unit_token(db, unit, token_id, now)
    service.audit(
        db, actor=admin.name, action="revoke_unit_token", target=f"{unit.code}#{token_id}", now=now
    )
    unit_id = unit.id
    tokens_of(request).forget(lambda p: p.kind is TokenKind.UNIT and p.unit_id == unit_id)
