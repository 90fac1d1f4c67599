"""Staff accounts and API tokens (staff, responsible units and terminals)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
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
