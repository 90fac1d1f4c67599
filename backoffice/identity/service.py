"""Staff accounts, sign-in and token issue."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import column, select, table, update
from sqlalchemy.orm import Session

from backoffice.access import Role, TokenKind
from backoffice.db import UTCDateTime
from backoffice.errors import BadInput, Conflict, NotAuthenticated, NotFound
from backoffice.identity.models import AccessAuditEntry, ApiToken, Staff
from backoffice.identity.secrets import hash_password, new_token, token_digest, verify_password
from backoffice.units.models import ResponsibleUnit

MIN_PASSWORD_LENGTH = 10
STAFF_TOKEN_TTL = timedelta(hours=12)
UNIT_TOKEN_TTL = timedelta(days=90)  # the API takes `unit_token_days` from the settings


def create_staff(
    db: Session,
    *,
    username: str,
    password: str,
    role: Role,
    now: datetime,
    display_name: str = "",
    unit_code: str | None = None,
) -> Staff:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadInput(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    if db.scalars(select(Staff).where(Staff.username == username)).first() is not None:
        raise Conflict(f"The username '{username}' is taken; choose another.")
    unit: ResponsibleUnit | None = None
    if role is Role.UNIT_STAFF:
        if not unit_code:
            raise BadInput("Unit staff must belong to a responsible unit: give its code.")
        unit = db.scalars(select(ResponsibleUnit).where(ResponsibleUnit.code == unit_code)).first()
        if unit is None:
            raise NotFound(f"No responsible unit has the code '{unit_code}'.")
    elif unit_code:
        raise BadInput("Only unit staff are bound to a responsible unit.")
    staff = Staff(
        username=username,
        display_name=display_name or username,
        role=role,
        unit_id=unit.id if unit else None,
        password_hash=hash_password(password),
        created_at=now,
    )
    db.add(staff)
    db.flush()
    return staff


def authenticate(db: Session, username: str, password: str) -> Staff:
    staff = db.scalars(select(Staff).where(Staff.username == username)).first()
    # Verify against a dummy hash when the user is unknown, so timing does not tell.
    ok = verify_password(staff.password_hash if staff else _DUMMY_HASH, password)
    if staff is None or not ok or not staff.active:
        raise NotAuthenticated("Wrong username or password.")
    return staff


def _issue(db: Session, token_row: ApiToken) -> str:
    token = new_token()
    token_row.digest = token_digest(token)
    db.add(token_row)
    db.flush()
    return token


def issue_staff_token(db: Session, staff: Staff, now: datetime, label: str = "api") -> str:
    return _issue(
        db,
        ApiToken(
            kind=TokenKind.STAFF,
            staff_id=staff.id,
            label=label,
            created_at=now,
            expires_at=now + STAFF_TOKEN_TTL,
        ),
    )


def issue_unit_token(
    db: Session, unit: ResponsibleUnit, now: datetime, ttl: timedelta = UNIT_TOKEN_TTL
) -> str:
    return _issue(
        db,
        ApiToken(
            kind=TokenKind.UNIT,
            unit_id=unit.id,
            label=unit.code,
            created_at=now,
            expires_at=now + ttl,
        ),
    )


def unit_tokens(db: Session, unit: ResponsibleUnit) -> list[ApiToken]:
    return list(
        db.scalars(
            select(ApiToken)
            .where(ApiToken.kind == TokenKind.UNIT, ApiToken.unit_id == unit.id)
            .order_by(ApiToken.id)
        )
    )


def revoke_unit_token(db: Session, unit: ResponsibleUnit, token_id: int, now: datetime) -> None:
    row = db.get(ApiToken, token_id)
    if row is None or row.kind is not TokenKind.UNIT or row.unit_id != unit.id:
        raise NotFound(f"Unit {unit.code} has no token {token_id}.")
    if row.revoked_at is None:
        row.revoked_at = now
        db.flush()


def issue_terminal_token(db: Session, terminal_id: int, code: str, now: datetime) -> str:
    """A terminal holds one live token: issuing a new one revokes the old ones. The token is
    labelled with the terminal's code (its principal's name)."""
    db.execute(
        update(ApiToken)
        .where(ApiToken.terminal_id == terminal_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return _issue(
        db,
        ApiToken(kind=TokenKind.TERMINAL, terminal_id=terminal_id, label=code, created_at=now),
    )


def revoke_token(db: Session, token: str, now: datetime) -> None:
    db.execute(
        update(ApiToken)
        .where(ApiToken.digest == token_digest(token), ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def get_staff(db: Session, username: str) -> Staff:
    staff = db.scalars(select(Staff).where(Staff.username == username)).first()
    if staff is None:
        raise NotFound(f"No staff account is called '{username}'.")
    return staff


# The pages' session table (backoffice.web.models.WebSession), named here without importing the
# pages: disabling an account ends its sessions for good, so enabling it again means signing in.
_web_sessions = table("web_sessions", column("staff_id"), column("ended_at", UTCDateTime()))


def set_active(db: Session, staff: Staff, active: bool, now: datetime) -> None:
    """Enable or disable an account. Disabling revokes its API tokens and ends its page
    sessions (every page request also checks the account)."""
    staff.active = active
    if not active:
        db.execute(
            update(ApiToken)
            .where(ApiToken.staff_id == staff.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        db.execute(
            update(_web_sessions)
            .where(_web_sessions.c.staff_id == staff.id, _web_sessions.c.ended_at.is_(None))
            .values(ended_at=now)
        )
    db.flush()


def audit(db: Session, *, actor: str, action: str, target: str, now: datetime) -> None:
    db.add(AccessAuditEntry(at=now, actor=actor[:100], action=action, target=target[:120]))
    db.flush()


_DUMMY_HASH = hash_password("zhili-timing-equaliser")
