"""Terminals, enrollment codes, heartbeat history, remote commands, alerts and the audit log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.access import Scope
from backoffice.db import Base, UTCDateTime, str_enum


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
    # Where it stands (WGS84), for the map and its cases; without them, the site `place` names.
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Latest state, copied from the newest heartbeat so listing the fleet reads one table.
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    app_version: Mapped[str | None] = mapped_column(String(40))
    screen: Mapped[str | None] = mapped_column(String(60))
    devices: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Catalog matter codes this terminal offers; empty means all its kind shows.
    enabled_services: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    # Heartbeats received in all (the batched writer adds to it), so none goes unaccounted.
    heartbeat_count: Mapped[int] = mapped_column(default=0, server_default="0")

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


class CommandKind(StrEnum):
    LOCK = "lock"
    UNLOCK = "unlock"
    RELOAD_CONTENT = "reload_content"
    RESTART_APP = "restart_app"
    SCREENSHOT = "screenshot"
    PRINT_TEST_PAGE = "print_test_page"
    PUSH_CONFIG = "push_config"


class CommandStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class TerminalCommand(Base):
    """A remote command, delivered in a heartbeat answer and acknowledged by the kiosk."""

    __tablename__ = "terminal_commands"
    __table_args__ = (Index("ix_terminal_commands_terminal_status", "terminal_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    terminal_id: Mapped[int] = mapped_column(ForeignKey("terminals.id", ondelete="CASCADE"))
    kind: Mapped[CommandKind] = mapped_column(str_enum(CommandKind))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[CommandStatus] = mapped_column(str_enum(CommandStatus))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deliveries: Mapped[int] = mapped_column(default=0)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    result: Mapped[str | None] = mapped_column(String(500))
    screenshot_path: Mapped[str | None] = mapped_column(String(300))

    def access_scope(self) -> Scope:
        return Scope(terminal_id=self.terminal_id)


class AlertKind(StrEnum):
    SILENT = "silent"
    # Too many distinct people identified at the terminal within an hour (suishen.service).
    IDENTIFY_LIMIT = "limit"
    OUTBOX = "outbox"  # the kiosk reported a refused item or a corrupt outbox file
    DEVICE = "device"  # a device the heartbeat reports in fault (printer out of paper, ...)


# The alerts that stand for a fault of the terminal, open while it lasts: one open alert per
# terminal and device (silent alerts have the device ""), each with its kiosk-fault case.
FAULT_KINDS = (AlertKind.SILENT, AlertKind.DEVICE)
_ONE_OPEN_FAULT = text("closed_at IS NULL AND kind IN ('silent', 'device')")


class FleetAlert(Base):
    """Something the ops pages show about a terminal, open until the cause goes away."""

    __tablename__ = "fleet_alerts"
    __table_args__ = (
        Index(
            "uq_fleet_alerts_open_fault",
            "terminal_id",
            "kind",
            "device",
            unique=True,
            sqlite_where=_ONE_OPEN_FAULT,
            postgresql_where=_ONE_OPEN_FAULT,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    terminal_id: Mapped[int] = mapped_column(
        ForeignKey("terminals.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[AlertKind] = mapped_column(str_enum(AlertKind))
    message: Mapped[str] = mapped_column(String(300))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Which device a device alert is about (a heartbeat's device name); "" for the others.
    device: Mapped[str] = mapped_column(String(20), default="", server_default="")
    # The kiosk-fault case filed for a fault alert (cases/kiosk_faults.py), by its number.
    case_number: Mapped[str | None] = mapped_column(String(20))


class FleetAuditEntry(Base):
    """Who did what to which terminal: registration, codes, commands, changes."""

    __tablename__ = "fleet_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    terminal_id: Mapped[int | None] = mapped_column(ForeignKey("terminals.id", ondelete="SET NULL"))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
