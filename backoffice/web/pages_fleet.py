"""Terminal pages: fleet status, remote commands and their results, screenshots, enrollment."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from sqlalchemy import select

from backoffice.access import can_reach
from backoffice.deps import AppSettings, DbSession, Now
from backoffice.errors import BadInput, NotFound
from backoffice.fleet import commands as command_service
from backoffice.fleet import live
from backoffice.fleet import service as fleet
from backoffice.fleet.models import CommandKind, FleetAlert, Terminal, TerminalKind
from backoffice.fleet.schemas import CommandCreate, TerminalCreate
from backoffice.web import auth
from backoffice.web.auth import CurrentUser, PageForbidden, PageMissing, PageUser
from backoffice.web.forms import attempt, problems
from backoffice.web.render import page
from backoffice.web.roles import FLEET_MANAGERS, FLEET_READERS

router = APIRouter(prefix="/ops/terminals", include_in_schema=False)


def _terminal(db: DbSession, user: PageUser, code: str) -> Terminal:
    auth.require(user, FLEET_READERS, "the terminals")
    try:
        terminal = fleet.get_terminal(db, code)
    except NotFound as missing:
        raise PageMissing(missing.message) from missing
    if not can_reach(user.principal, terminal):
        raise PageForbidden("This terminal is outside your reach.")
    return terminal


@router.get("")
def terminals(
    request: Request, user: CurrentUser, db: DbSession, now: Now, settings: AppSettings
) -> HTMLResponse:
    auth.require(user, FLEET_READERS, "the terminals")
    store = live.store_of(request.app)
    offline_after = timedelta(seconds=settings.offline_after_s)
    rows = [
        fleet.describe(t, now, offline_after, store.live(t.id)) for t in fleet.list_terminals(db)
    ]
    alerts = db.execute(
        select(FleetAlert, Terminal.code)
        .join(Terminal, Terminal.id == FleetAlert.terminal_id)
        .where(FleetAlert.closed_at.is_(None))
        .order_by(FleetAlert.opened_at.desc())
    ).all()
    return page(
        request,
        "terminals.html",
        user,
        title="Terminals",
        terminals=rows,
        alerts=alerts,
        kinds=list(TerminalKind),
        may_manage=user.role in FLEET_MANAGERS,
        online=sum(1 for t in rows if t.online),
    )


def _degrees(name: str, value: str) -> float | None:
    if not value.strip():
        return None
    try:
        return float(value)
    except ValueError as error:
        raise BadInput(f"{name} must be a number.") from error


@router.post("")
def register(
    user: CurrentUser,
    db: DbSession,
    now: Now,
    settings: AppSettings,
    csrf: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    place: Annotated[str, Form()] = "",
    lon: Annotated[str, Form()] = "",
    lat: Annotated[str, Form()] = "",
) -> RedirectResponse:
    auth.check_csrf(user, csrf)
    auth.require(user, FLEET_MANAGERS, "terminal registration")

    def run() -> str:
        point = {name: _degrees(name, value) for name, value in (("lon", lon), ("lat", lat))}
        try:
            data = TerminalCreate(
                code=code.strip(), name=name.strip(), kind=kind, place=place, **point
            )
        except ValueError as error:
            raise BadInput(
                f"Check the terminal's code, name and kind: {problems(error)}"
            ) from error
        ttl = timedelta(hours=settings.enrollment_code_ttl_h)
        return fleet.register(db, data, by=user.username, now=now, ttl=ttl).code

    enrollment = attempt(db, user, run, "")
    if enrollment is not None:
        auth.flash(user, f"{code}: enrollment code {enrollment}")
        return RedirectResponse(f"/ops/terminals/{code.strip()}", status_code=303)
    return RedirectResponse("/ops/terminals", status_code=303)


@router.get("/{code}")
def terminal_page(
    code: str,
    request: Request,
    user: CurrentUser,
    db: DbSession,
    now: Now,
    settings: AppSettings,
) -> HTMLResponse:
    terminal = _terminal(db, user, code)
    store = live.store_of(request.app)
    state = fleet.describe(
        terminal, now, timedelta(seconds=settings.offline_after_s), store.live(terminal.id)
    )
    commands = command_service.list_commands(db, terminal, limit=30)
    shot = next((c for c in commands if c.screenshot_path), None)
    return page(
        request,
        "terminal.html",
        user,
        title=terminal.name,
        terminal=terminal,
        state=state,
        commands=commands,
        shot=shot,
        kinds=list(CommandKind),
        may_manage=user.role in FLEET_MANAGERS,
    )


@router.post("/{code}/commands")
def send_command(
    code: str,
    request: Request,
    user: CurrentUser,
    db: DbSession,
    now: Now,
    csrf: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    message: Annotated[str, Form()] = "",
    config: Annotated[str, Form()] = "",
) -> RedirectResponse:
    auth.check_csrf(user, csrf)
    terminal = _terminal(db, user, code)
    auth.require(user, FLEET_MANAGERS, "terminal commands")

    def run() -> None:
        try:
            settings_obj = json.loads(config) if config.strip() else None
            body = CommandCreate(
                kind=CommandKind(kind),
                message=message.strip() or None,
                config=settings_obj,
            )
        except ValueError as error:
            raise BadInput(
                f"Check the command: {problems(error)}. A push_config takes a JSON object."
            ) from error
        heartbeats = live.store_of(request.app)
        fleet.send_command(db, terminal, body, by=user.username, now=now, heartbeats=heartbeats)

    attempt(db, user, run, f"{kind} → {terminal.code}: queued for the next heartbeat.")
    return RedirectResponse(f"/ops/terminals/{terminal.code}", status_code=303)


@router.post("/{code}/enrollment-codes")
def new_enrollment_code(
    code: str,
    user: CurrentUser,
    db: DbSession,
    now: Now,
    settings: AppSettings,
    csrf: Annotated[str, Form()] = "",
) -> RedirectResponse:
    auth.check_csrf(user, csrf)
    terminal = _terminal(db, user, code)
    auth.require(user, FLEET_MANAGERS, "enrollment codes")
    ttl = timedelta(hours=settings.enrollment_code_ttl_h)
    enrollment = fleet.renew_enrollment(db, terminal, by=user.username, now=now, ttl=ttl)
    auth.flash(user, f"{terminal.code}: enrollment code {enrollment.code}")
    return RedirectResponse(f"/ops/terminals/{terminal.code}", status_code=303)


@router.get("/{code}/commands/{command_id}/screenshot.png")
def screenshot(
    code: str, command_id: int, user: CurrentUser, db: DbSession, settings: AppSettings
) -> FileResponse:
    terminal = _terminal(db, user, code)
    command = command_service.get_command(db, str(command_id))
    if command.terminal_id != terminal.id or command.screenshot_path is None:
        raise PageMissing(f"Command {command_id} of {code} has no screenshot.")
    return FileResponse(settings.data_dir / command.screenshot_path, media_type="image/png")
