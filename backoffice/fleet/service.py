"""Register terminals, enroll them with one-time codes, record heartbeats, tell who is online;
and the fleet's use cases (register, renew an enrollment, enroll, send a command), audited,
which the API and the pages both call."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.errors import BadInput, Conflict, Gone, NotAuthenticated, NotFound
from backoffice.fleet import commands
from backoffice.fleet.live import HeartbeatStore, LiveState
from backoffice.fleet.models import (
    EnrollmentCode,
    FleetAuditEntry,
    Heartbeat,
    Terminal,
    TerminalCommand,
)
from backoffice.fleet.schemas import (
    CommandCreate,
    HeartbeatIn,
    TerminalCreate,
    TerminalOut,
    TerminalUpdate,
)
from backoffice.identity.service import issue_terminal_token
from backoffice.places import service as places
from backoffice.places.geometry import Point, centre
from backoffice.places.models import Place

# Crockford's base32 without the look-alikes: easy to read aloud and to type on a kiosk.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CODE_LENGTH = 10


def _normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _code_digest(code: str) -> str:
    return hashlib.sha256(_normalise_code(code).encode()).hexdigest()


def get_terminal(db: Session, code: str) -> Terminal:
    terminal = db.scalars(select(Terminal).where(Terminal.code == code)).first()
    if terminal is None:
        raise NotFound(f"No terminal has the code '{code}'.")
    return terminal


def register_terminal(db: Session, data: TerminalCreate, now: datetime) -> Terminal:
    if db.scalars(select(Terminal.id).where(Terminal.code == data.code)).first() is not None:
        raise Conflict(f"A terminal with the code '{data.code}' exists already.")
    terminal = Terminal(
        code=data.code,
        name=data.name,
        kind=data.kind,
        place=data.place,
        lon=data.lon,
        lat=data.lat,
        created_at=now,
        devices={},
        enabled_services=list(data.enabled_services),
        heartbeat_count=0,
    )
    db.add(terminal)
    db.flush()
    return terminal


def update_terminal(db: Session, terminal: Terminal, data: TerminalUpdate) -> dict[str, Any]:
    """Apply the given fields; returns what changed (for the audit log)."""
    changed: dict[str, Any] = {}
    for name, value in data.model_dump(exclude_unset=True).items():
        if value is None:
            raise BadInput(f"'{name}' cannot be emptied; leave it out to keep it.")
        if getattr(terminal, name) != value:
            setattr(terminal, name, value)
            changed[name] = value
    db.flush()
    return changed


def audit(
    db: Session,
    *,
    actor: str,
    action: str,
    now: datetime,
    terminal: Terminal | None = None,
    **detail: Any,
) -> None:
    db.add(
        FleetAuditEntry(
            at=now,
            actor=actor,
            action=action,
            terminal_id=terminal.id if terminal else None,
            detail=detail,
        )
    )
    db.flush()


def new_enrollment_code(
    db: Session, terminal: Terminal, *, now: datetime, ttl: timedelta, created_by: str
) -> tuple[str, datetime]:
    """A fresh one-time code for the terminal; returns the code (shown once) and its expiry."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    expires_at = now + ttl
    db.add(
        EnrollmentCode(
            terminal_id=terminal.id,
            digest=_code_digest(raw),
            created_at=now,
            expires_at=expires_at,
            created_by=created_by,
        )
    )
    db.flush()
    return f"{raw[:5]}-{raw[5:]}", expires_at


def enroll(db: Session, code: str, app_version: str, now: datetime) -> tuple[Terminal, str]:
    """Trade a one-time enrollment code for the terminal's bearer token."""
    if len(_normalise_code(code)) != CODE_LENGTH:
        raise BadInput(
            f"An enrollment code has {CODE_LENGTH} letters and digits, like ABCDE-FGH23."
        )
    row = db.scalars(
        select(EnrollmentCode).where(EnrollmentCode.digest == _code_digest(code))
    ).first()
    if row is None:
        raise NotAuthenticated(
            "This enrollment code is not known. "
            "Check it, or ask the terminal manager for a new one."
        )
    if row.used_at is not None:
        raise Conflict(
            "This enrollment code was used already. Ask the terminal manager for a new one."
        )
    if row.expires_at <= now:
        raise Gone(
            f"This enrollment code expired at {row.expires_at:%Y-%m-%d %H:%M} UTC. "
            "Ask the terminal manager for a new one."
        )
    row.used_at = now
    terminal = db.get_one(Terminal, row.terminal_id)
    terminal.enrolled_at = now
    terminal.app_version = app_version
    token = issue_terminal_token(db, terminal.id, terminal.code, now)
    return terminal, token


def record_heartbeat(db: Session, terminal: Terminal, beat: HeartbeatIn, now: datetime) -> None:
    devices: dict[str, Any] = {
        str(name): health.model_dump(mode="json") for name, health in beat.devices.items()
    }
    db.add(
        Heartbeat(
            terminal_id=terminal.id,
            received_at=now,
            app_version=beat.app_version,
            screen=beat.screen,
            language=beat.language,
            elder_mode=beat.elder_mode,
            devices=devices,
            disk_free_mb=beat.disk_free_mb,
        )
    )
    terminal.last_seen_at = now
    terminal.app_version = beat.app_version
    terminal.screen = beat.screen
    terminal.devices = devices
    terminal.heartbeat_count += 1
    db.flush()


def terminal_point(
    db: Session, terminal: Terminal, sites: Sequence[Place] | None = None
) -> Point | None:
    """Where the terminal stands: its own coordinates, else the centre of the site its place
    text names (`places.site_named`; `sites` when many are placed at once); None if neither."""
    if terminal.lon is not None and terminal.lat is not None:
        return (terminal.lon, terminal.lat)
    site = places.site_named(db, terminal.place, sites)
    return centre(site.geometry) if site is not None else None


def is_online(last_seen_at: datetime | None, now: datetime, offline_after: timedelta) -> bool:
    return last_seen_at is not None and now - last_seen_at <= offline_after


def describe(
    terminal: Terminal, now: datetime, offline_after: timedelta, live: LiveState | None = None
) -> TerminalOut:
    """The terminal as staff see it; `live` is a newer heartbeat not written yet."""
    seen: datetime | None = terminal.last_seen_at
    version, screen, devices = terminal.app_version, terminal.screen, terminal.devices
    if live is not None and (seen is None or live.seen_at > seen):
        seen, version, screen, devices = live.seen_at, live.app_version, live.screen, live.devices
    return TerminalOut(
        code=terminal.code,
        name=terminal.name,
        kind=terminal.kind,
        place=terminal.place,
        lon=terminal.lon,
        lat=terminal.lat,
        enrolled=terminal.enrolled_at is not None,
        online=is_online(seen, now, offline_after),
        last_seen_at=seen,
        app_version=version,
        screen=screen,
        devices=devices,
        enabled_services=list(terminal.enabled_services or []),
        heartbeat_count=terminal.heartbeat_count,
    )


def list_terminals(db: Session) -> list[Terminal]:
    return list(db.scalars(select(Terminal).order_by(Terminal.code)))


# --- what staff and kiosks do, through the API or the pages: one function each, audited -------


@dataclass(frozen=True)
class Enrollment:
    terminal: Terminal
    code: str  # shown once
    expires_at: datetime


def register(
    db: Session, data: TerminalCreate, *, by: str, now: datetime, ttl: timedelta
) -> Enrollment:
    """Register a terminal with its first one-time enrollment code."""
    terminal = register_terminal(db, data, now)
    code, expires_at = new_enrollment_code(db, terminal, now=now, ttl=ttl, created_by=by)
    audit(db, actor=by, action="register", now=now, terminal=terminal, kind=data.kind.value)
    return Enrollment(terminal, code, expires_at)


def renew_enrollment(
    db: Session, terminal: Terminal, *, by: str, now: datetime, ttl: timedelta
) -> Enrollment:
    """A new one-time code, to re-enroll a replaced or re-installed terminal."""
    code, expires_at = new_enrollment_code(db, terminal, now=now, ttl=ttl, created_by=by)
    audit(db, actor=by, action="enrollment_code", now=now, terminal=terminal)
    return Enrollment(terminal, code, expires_at)


def enroll_terminal(
    db: Session, code: str, app_version: str, now: datetime, heartbeats: HeartbeatStore
) -> tuple[Terminal, str]:
    """A kiosk trades its code for its token; the old token stops working at once (it is
    revoked, and dropped from the token cache)."""
    terminal, token = enroll(db, code, app_version, now)
    audit(db, actor=f"terminal {terminal.code}", action="enroll", now=now, terminal=terminal)
    heartbeats.forget_terminal(terminal.id)
    return terminal, token


def send_command(
    db: Session,
    terminal: Terminal,
    data: CommandCreate,
    *,
    by: str,
    now: datetime,
    heartbeats: HeartbeatStore,
) -> TerminalCommand:
    """Queue a command for the terminal's next heartbeat, and tell the heartbeat path that the
    terminal has one waiting."""
    command = commands.queue_command(db, terminal, data, by=by, now=now)
    audit(
        db,
        actor=by,
        action="command",
        now=now,
        terminal=terminal,
        command_id=command.id,
        kind=command.kind.value,
        payload=command.payload,
    )
    heartbeats.note_command(terminal.id)
    return command
