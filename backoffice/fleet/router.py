"""Fleet API: terminals, enrollment, heartbeats, remote commands, alerts and the audit log."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response
from sqlalchemy import select

from backoffice.access import Principal, Role, TokenKind, authorize
from backoffice.clock import Clock
from backoffice.deps import AppSettings, DbSession, Now
from backoffice.errors import Forbidden, NotAuthenticated, NotFound
from backoffice.fleet import commands as command_service
from backoffice.fleet import live, service
from backoffice.fleet.alerts import FAULT_JOB
from backoffice.fleet.models import (
    FleetAlert,
    FleetAuditEntry,
    Heartbeat,
    Terminal,
    TerminalCommand,
)
from backoffice.fleet.schemas import (
    AlertOut,
    AuditOut,
    CommandAck,
    CommandCreate,
    CommandOut,
    EnrollmentCodeOut,
    EnrollRequest,
    EnrollResponse,
    HeartbeatIn,
    HeartbeatOut,
    HeartbeatRecordOut,
    SilentCheckOut,
    TerminalCreate,
    TerminalOut,
    TerminalUpdate,
)
from backoffice.settings import Settings

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
OwnCommand = Annotated[
    TerminalCommand,
    authorize(terminals=True, load=command_service.get_command, path_param="command_id"),
]
ManagedCommand = Annotated[
    TerminalCommand,
    authorize(*FLEET_MANAGERS, load=command_service.get_command, path_param="command_id"),
]
ReadableCommand = Annotated[
    TerminalCommand,
    authorize(*FLEET_READERS, load=command_service.get_command, path_param="command_id"),
]


def _offline_after(settings: AppSettings) -> timedelta:
    return timedelta(seconds=settings.offline_after_s)


OfflineAfter = Annotated[timedelta, Depends(_offline_after)]


def _code_of(db: DbSession, terminal_id: int) -> str:
    return db.get_one(Terminal, terminal_id).code


BEARER_PREFIX = "bearer "


def _code_out(enrollment: service.Enrollment) -> EnrollmentCodeOut:
    return EnrollmentCodeOut(
        terminal_code=enrollment.terminal.code,
        enrollment_code=enrollment.code,
        expires_at=enrollment.expires_at,
    )


@router.post("/heartbeat", response_model=HeartbeatOut)
async def heartbeat(body: HeartbeatIn, request: Request) -> Response:
    """The kiosk's periodic report (send 'Authorization: Bearer <terminal token>'); the answer
    carries the commands waiting for the terminal.

    The fast path touches no database: the token comes from a short cache and the state goes
    to the batched writer. Only a terminal with commands waiting costs a transaction. It is
    the fleet router's first route, and reads its header itself, because at one heartbeat
    per terminal every 30 s it is by far the most frequent request.
    """
    authorization = request.headers.get("authorization", "")
    if not authorization.lower().startswith(BEARER_PREFIX):
        raise NotAuthenticated("Sign in first: send the header 'Authorization: Bearer <token>'.")
    token = authorization[len(BEARER_PREFIX) :].strip()
    clock: Clock = request.app.state.clock
    settings: Settings = request.app.state.settings
    now = clock.now()
    store = live.store_of(request.app)
    caller = store.cached_principal(token, now)
    if caller is None:
        caller = await run_in_threadpool(store.lookup_principal, token, now)
    if caller.kind is not TokenKind.TERMINAL or caller.terminal_id is None:
        raise Forbidden("Only an enrolled terminal sends heartbeats, with its own token.")
    terminal_id = caller.terminal_id
    if store.write_behind:
        store.record(terminal_id, body, now)
    else:
        await run_in_threadpool(store.record, terminal_id, body, now)
    if body.outbox is not None and body.outbox.problems:
        await run_in_threadpool(store.note_outbox_problems, terminal_id, body, now)
    commands = []
    if store.may_have_commands(terminal_id):
        commands = await run_in_threadpool(store.take_commands, terminal_id, now)
    answer = HeartbeatOut(
        server_time=now, heartbeat_interval_s=settings.heartbeat_interval_s, commands=commands
    )
    return Response(answer.model_dump_json(), media_type="application/json")


@router.post("/terminals", status_code=201)
def register_terminal(
    body: TerminalCreate, db: DbSession, now: Now, settings: AppSettings, staff: Manager
) -> EnrollmentCodeOut:
    """Register a terminal and get its first one-time enrollment code."""
    ttl = timedelta(hours=settings.enrollment_code_ttl_h)
    return _code_out(service.register(db, body, by=staff.name, now=now, ttl=ttl))


@router.post("/terminals/{ref}/enrollment-codes", status_code=201)
def new_enrollment_code(
    terminal: ManagedTerminal, db: DbSession, now: Now, settings: AppSettings, staff: Manager
) -> EnrollmentCodeOut:
    """A new one-time code, to re-enroll a replaced or re-installed terminal."""
    ttl = timedelta(hours=settings.enrollment_code_ttl_h)
    return _code_out(service.renew_enrollment(db, terminal, by=staff.name, now=now, ttl=ttl))


@router.patch("/terminals/{ref}")
def update_terminal(
    body: TerminalUpdate,
    terminal: ManagedTerminal,
    db: DbSession,
    now: Now,
    request: Request,
    offline_after: OfflineAfter,
    staff: Manager,
) -> TerminalOut:
    """Rename or move a terminal, change its kind or the services it offers."""
    changed = service.update_terminal(db, terminal, body)
    if changed:
        service.audit(db, actor=staff.name, action="update", now=now, terminal=terminal, **changed)
    store = live.store_of(request.app)
    return service.describe(terminal, now, offline_after, store.live(terminal.id))


@router.get("/terminals")
def list_terminals(
    db: DbSession, now: Now, request: Request, offline_after: OfflineAfter, _staff: Reader
) -> list[TerminalOut]:
    store = live.store_of(request.app)
    return [
        service.describe(t, now, offline_after, store.live(t.id))
        for t in service.list_terminals(db)
    ]


@router.get("/terminals/{ref}")
def get_terminal(
    terminal: TerminalInScope, now: Now, request: Request, offline_after: OfflineAfter
) -> TerminalOut:
    return service.describe(
        terminal, now, offline_after, live.store_of(request.app).live(terminal.id)
    )


@router.get("/terminals/{ref}/heartbeats")
def heartbeat_history(
    terminal: TerminalInScope,
    db: DbSession,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[HeartbeatRecordOut]:
    """Device health over time, newest first (one row per few minutes and on every change)."""
    rows = db.scalars(
        select(Heartbeat)
        .where(Heartbeat.terminal_id == terminal.id)
        .order_by(Heartbeat.received_at.desc(), Heartbeat.id.desc())
        .limit(limit)
    )
    return [
        HeartbeatRecordOut(
            received_at=r.received_at,
            app_version=r.app_version,
            screen=r.screen,
            language=r.language,
            elder_mode=r.elder_mode,
            devices=r.devices,
            disk_free_mb=r.disk_free_mb,
        )
        for r in rows
    ]


@router.post("/enroll", status_code=201)
def enroll(
    body: EnrollRequest, db: DbSession, now: Now, settings: AppSettings, request: Request
) -> EnrollResponse:
    """A kiosk trades its one-time enrollment code for its bearer token."""
    terminal, token = service.enroll_terminal(
        db, body.code, body.app_version, now, live.store_of(request.app)
    )
    return EnrollResponse(
        terminal_code=terminal.code, token=token, heartbeat_interval_s=settings.heartbeat_interval_s
    )


# --- remote commands ------------------------------------------------------------------------


@router.post("/terminals/{ref}/commands", status_code=201)
def send_command(
    body: CommandCreate,
    terminal: ManagedTerminal,
    db: DbSession,
    now: Now,
    request: Request,
    staff: Manager,
) -> CommandOut:
    """Queue a command; the terminal gets it in the answer to its next heartbeat."""
    command = service.send_command(
        db, terminal, body, by=staff.name, now=now, heartbeats=live.store_of(request.app)
    )
    return command_service.describe(command, terminal.code)


@router.get("/terminals/{ref}/commands")
def list_commands(terminal: TerminalInScope, db: DbSession) -> list[CommandOut]:
    return [
        command_service.describe(c, terminal.code)
        for c in command_service.list_commands(db, terminal)
    ]


@router.get("/commands/{command_id}")
def get_command(command: ReadableCommand, db: DbSession) -> CommandOut:
    return command_service.describe(command, _code_of(db, command.terminal_id))


@router.post("/commands/{command_id}/cancel")
def cancel_command(command: ManagedCommand, db: DbSession, now: Now, staff: Manager) -> CommandOut:
    command_service.cancel(command, now)
    terminal = db.get_one(Terminal, command.terminal_id)
    service.audit(
        db,
        actor=staff.name,
        action="cancel_command",
        now=now,
        terminal=terminal,
        command_id=command.id,
    )
    return command_service.describe(command, terminal.code)


@router.post("/commands/{command_id}/ack")
def acknowledge_command(
    body: CommandAck, command: OwnCommand, db: DbSession, now: Now
) -> CommandOut:
    """The terminal reports a command's outcome; stored before the answer is sent."""
    command_service.acknowledge(db, command, body.ok, body.result, now)
    return command_service.describe(command, _code_of(db, command.terminal_id))


@router.put("/commands/{command_id}/screenshot", status_code=201)
async def upload_screenshot(
    request: Request, command: OwnCommand, db: DbSession, settings: AppSettings
) -> CommandOut:
    """The PNG a screenshot command asked for (body: the image bytes, image/png)."""
    png = await request.body()
    terminal = db.get_one(Terminal, command.terminal_id)
    await run_in_threadpool(
        command_service.store_screenshot, db, command, terminal, png, settings.data_dir
    )
    return command_service.describe(command, terminal.code)


@router.get(
    "/commands/{command_id}/screenshot",
    response_class=FileResponse,
    responses={200: {"content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}}},
)
def download_screenshot(command: ReadableCommand, settings: AppSettings) -> FileResponse:
    if command.screenshot_path is None:
        raise NotFound(f"Command {command.id} has no screenshot (yet).")
    return FileResponse(settings.data_dir / command.screenshot_path, media_type="image/png")


# --- alerts and audit -----------------------------------------------------------------------


@router.get("/alerts")
def list_alerts(
    db: DbSession,
    _staff: Reader,
    open_only: Annotated[bool, Query(alias="open")] = True,
) -> list[AlertOut]:
    """Silent terminals and other fleet alerts, newest first."""
    query = select(FleetAlert, Terminal.code).join(Terminal, Terminal.id == FleetAlert.terminal_id)
    if open_only:
        query = query.where(FleetAlert.closed_at.is_(None))
    rows = db.execute(query.order_by(FleetAlert.opened_at.desc(), FleetAlert.id.desc()))
    return [
        AlertOut(
            id=a.id,
            terminal_code=code,
            kind=a.kind,
            message=a.message,
            opened_at=a.opened_at,
            closed_at=a.closed_at,
            device=a.device or None,
            case_number=a.case_number,
        )
        for a, code in rows
    ]


@router.post("/alerts/check")
def run_fault_check(request: Request, db: DbSession, now: Now, _staff: Manager) -> SilentCheckOut:
    """Run the fleet's fault check now, as the scheduler does every 30 s: silent terminals and
    device faults as alerts, each with its kiosk-fault case."""
    job = next(j for j in request.app.state.scheduler.jobs if j.name == FAULT_JOB)
    return SilentCheckOut(changed=job.run(db, now))


@router.get("/audit")
def audit_log(
    db: DbSession,
    _staff: Manager,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AuditOut]:
    """Who did what to which terminal, newest first."""
    rows = db.execute(
        select(FleetAuditEntry, Terminal.code)
        .outerjoin(Terminal, Terminal.id == FleetAuditEntry.terminal_id)
        .order_by(FleetAuditEntry.at.desc(), FleetAuditEntry.id.desc())
        .limit(limit)
    )
    return [
        AuditOut(at=e.at, actor=e.actor, action=e.action, terminal_code=code, detail=e.detail)
        for e, code in rows
    ]
