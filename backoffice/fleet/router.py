"""Fleet API: staff register terminals and hand out codes; kiosks enroll and send heartbeats."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends

from backoffice.deps import AppSettings, DbSession, Now
from backoffice.errors import NotAuthenticated
from backoffice.fleet import service
from backoffice.fleet.models import Terminal
from backoffice.fleet.schemas import (
    EnrollmentCodeOut,
    EnrollRequest,
    EnrollResponse,
    HeartbeatIn,
    HeartbeatOut,
    TerminalCreate,
    TerminalOut,
)
from backoffice.identity.access import authorize
from backoffice.identity.roles import Role
from backoffice.identity.scope import Principal

router = APIRouter(prefix="/api/v1/fleet", tags=["fleet"])

FLEET_MANAGERS = (Role.ADMIN, Role.TERMINAL_MANAGER)
FLEET_READERS = (*FLEET_MANAGERS, Role.OPERATOR, Role.SHIFT_LEADER, Role.VIEWER)

Manager = Annotated[Principal, authorize(*FLEET_MANAGERS)]
Reader = Annotated[Principal, authorize(*FLEET_READERS)]
TerminalItself = Annotated[Principal, authorize(terminals=True)]
TerminalInScope = Annotated[
    Terminal, authorize(*FLEET_READERS, terminals=True, load=service.get_terminal)
]
ManagedTerminal = Annotated[Terminal, authorize(*FLEET_MANAGERS, load=service.get_terminal)]


def _offline_after(settings: AppSettings) -> timedelta:
    return timedelta(seconds=settings.offline_after_s)


OfflineAfter = Annotated[timedelta, Depends(_offline_after)]


@router.post("/terminals", status_code=201)
def register_terminal(
    body: TerminalCreate, db: DbSession, now: Now, settings: AppSettings, staff: Manager
) -> EnrollmentCodeOut:
    """Register a terminal and get its first one-time enrollment code."""
    terminal = service.register_terminal(db, body, now)
    code, expires_at = service.new_enrollment_code(
        db,
        terminal,
        now=now,
        ttl=timedelta(hours=settings.enrollment_code_ttl_h),
        created_by=staff.name,
    )
    return EnrollmentCodeOut(
        terminal_code=terminal.code, enrollment_code=code, expires_at=expires_at
    )


@router.post("/terminals/{ref}/enrollment-codes", status_code=201)
def new_enrollment_code(
    terminal: ManagedTerminal, db: DbSession, now: Now, settings: AppSettings, staff: Manager
) -> EnrollmentCodeOut:
    """A new one-time code, to re-enroll a replaced or re-installed terminal."""
    code, expires_at = service.new_enrollment_code(
        db,
        terminal,
        now=now,
        ttl=timedelta(hours=settings.enrollment_code_ttl_h),
        created_by=staff.name,
    )
    return EnrollmentCodeOut(
        terminal_code=terminal.code, enrollment_code=code, expires_at=expires_at
    )


@router.get("/terminals")
def list_terminals(
    db: DbSession, now: Now, offline_after: OfflineAfter, _staff: Reader
) -> list[TerminalOut]:
    return [service.describe(t, now, offline_after) for t in service.list_terminals(db)]


@router.get("/terminals/{ref}")
def get_terminal(terminal: TerminalInScope, now: Now, offline_after: OfflineAfter) -> TerminalOut:
    return service.describe(terminal, now, offline_after)


@router.post("/enroll", status_code=201)
def enroll(body: EnrollRequest, db: DbSession, now: Now, settings: AppSettings) -> EnrollResponse:
    """A kiosk trades its one-time enrollment code for its bearer token."""
    terminal, token = service.enroll(db, body.code, body.app_version, now)
    return EnrollResponse(
        terminal_code=terminal.code, token=token, heartbeat_interval_s=settings.heartbeat_interval_s
    )


@router.post("/heartbeat")
def heartbeat(
    body: HeartbeatIn, db: DbSession, now: Now, settings: AppSettings, caller: TerminalItself
) -> HeartbeatOut:
    if caller.terminal_id is None:
        raise NotAuthenticated("Only an enrolled terminal sends heartbeats.")
    terminal = db.get_one(Terminal, caller.terminal_id)
    service.record_heartbeat(db, terminal, body, now)
    return HeartbeatOut(
        server_time=now, heartbeat_interval_s=settings.heartbeat_interval_s, commands=[]
    )
