"""Staff accounts and API tokens (staff, responsible units and terminals)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.access import Role, TokenKind
from backoffice.db import Base, UTCDateTime, str_enum
from backoffice.units.models import ResponsibleUnit


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("responsible_units.id"))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    unit: Mapped[ResponsibleUnit | None] = relationship()


class ApiToken(Base):
    """A bearer token. Only its SHA-256 digest is stored; the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[TokenKind] = mapped_column(str_enum(TokenKind))
    label: Mapped[str] = mapped_column(String(100), default="")
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("responsible_units.id", ondelete="CASCADE")
    )
    terminal_id: Mapped[int | None] = mapped_column(ForeignKey("terminals.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    staff: Mapped[Staff | None] = relationship()


class LoginAttempt(Base):
    """Every sign-in attempt, on the pages and the API: the audit, and what an admin reads
    before unlocking an account."""

    __tablename__ = "web_login_attempts"
    __table_args__ = (Index("ix_web_login_attempts_username_at", "username", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    # ok, bad_password, locked (the account's limit), throttled (the address's limit), busy
    # (too many password checks at once), logout
    outcome: Mapped[str] = mapped_column(String(20))
    client: Mapped[str] = mapped_column(String(64), default="")
    # page or api
    channel: Mapped[str] = mapped_column(String(8), default="page")


class SignInCounter(Base):
    """A counter of the sign-in guard (`identity.guard`, the `limits` library's fixed windows)
    kept in the database, so every process of the back office counts together."""

    __tablename__ = "signin_counters"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class AccessAuditEntry(Base):
    """Who changed whose access: unlocks, disabled and enabled accounts, revoked tokens and
    keys, logouts."""

    __tablename__ = "access_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(120))
