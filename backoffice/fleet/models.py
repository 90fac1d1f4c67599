"""Terminals, their one-time enrollment codes, and the heartbeats they send."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.db import Base, UTCDateTime, str_enum
from backoffice.identity.scope import Scope


class TerminalKind(StrEnum):
    COMMUNITY_CENTRE = "community_centre"
    LOBBY = "lobby"
    OPS_CENTRE = "ops_centre"


class Terminal(Base):
    __tablename__ = "terminals"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[TerminalKind] = mapped_column(str_enum(TerminalKind))
    place: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Latest state, copied from the newest heartbeat so listing the fleet reads one table.
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    app_version: Mapped[str | None] = mapped_column(String(40))
    screen: Mapped[str | None] = mapped_column(String(60))
    devices: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    def access_scope(self) -> Scope:
        return Scope(terminal_id=self.id)


class EnrollmentCode(Base):
    """A one-time code staff hand to whoever sets up the terminal. Stored as a digest."""

    __tablename__ = "enrollment_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    terminal_id: Mapped[int] = mapped_column(ForeignKey("terminals.id", ondelete="CASCADE"))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))


class Heartbeat(Base):
    __tablename__ = "heartbeats"
    __table_args__ = (Index("ix_heartbeats_terminal_received", "terminal_id", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    terminal_id: Mapped[int] = mapped_column(ForeignKey("terminals.id", ondelete="CASCADE"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    app_version: Mapped[str] = mapped_column(String(40))
    screen: Mapped[str] = mapped_column(String(60))
    language: Mapped[str] = mapped_column(String(5))
    elder_mode: Mapped[bool]
    devices: Mapped[dict[str, Any]] = mapped_column(JSON)
    disk_free_mb: Mapped[int | None]
