"""The remote command queue: staff queue a command, the heartbeat delivers it, the kiosk answers."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.errors import BadInput, Conflict, NotFound
from backoffice.fleet.models import CommandKind, CommandStatus, Terminal, TerminalCommand
from backoffice.fleet.schemas import CommandCreate, CommandOut
from backoffice.storage import write_atomically

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_SCREENSHOT_BYTES = 8 * 1024 * 1024
FINISHED = frozenset({CommandStatus.SUCCEEDED, CommandStatus.FAILED, CommandStatus.CANCELLED})


def payload_for(data: CommandCreate) -> dict[str, Any]:
    """Check that a command carries what its kind needs, and nothing else."""
    if data.kind is CommandKind.LOCK:
        if not data.message:
            raise BadInput("A lock needs the message the out-of-service screen shows.")
    elif data.message is not None:
        raise BadInput(f"Only a lock takes a message, not {data.kind.value}.")
    if data.kind is CommandKind.PUSH_CONFIG:
        if not data.config:
            raise BadInput("push_config needs a non-empty 'config' object of settings.")
    elif data.config is not None:
        raise BadInput(f"Only push_config takes a config, not {data.kind.value}.")
    payload: dict[str, Any] = {}
    if data.message:
        payload["message"] = data.message
    if data.config:
        payload["config"] = data.config
    return payload


def queue_command(
    db: Session, terminal: Terminal, data: CommandCreate, *, by: str, now: datetime
) -> TerminalCommand:
    if terminal.enrolled_at is None:
        raise Conflict(f"Terminal {terminal.code} is not enrolled yet; it cannot take commands.")
    command = TerminalCommand(
        terminal_id=terminal.id,
        kind=data.kind,
        payload=payload_for(data),
        status=CommandStatus.PENDING,
        created_by=by,
        created_at=now,
        deliveries=0,
    )
    db.add(command)
    db.flush()
    return command


def get_command(db: Session, ref: str) -> TerminalCommand:
    command = db.get(TerminalCommand, int(ref)) if ref.isdigit() else None
    if command is None:
        raise NotFound(f"No command has the id '{ref}'.")
    return command


def cancel(command: TerminalCommand, now: datetime) -> None:
    if command.status is not CommandStatus.PENDING:
        raise Conflict(
            f"Command {command.id} is {command.status.value}; only a pending command can be "
            "cancelled."
        )
    command.status = CommandStatus.CANCELLED
    command.finished_at = now


def acknowledge(
    db: Session, command: TerminalCommand, ok: bool, result: str, now: datetime
) -> None:
    """Record the kiosk's answer. The same answer again is harmless; a different one is 409."""
    outcome = CommandStatus.SUCCEEDED if ok else CommandStatus.FAILED
    if command.status in FINISHED:
        if command.status is outcome and (command.result or "") == result:
            return
        raise Conflict(f"Command {command.id} was answered already ({command.status.value}).")
    if command.status is not CommandStatus.DELIVERED:
        raise Conflict(
            f"Command {command.id} is {command.status.value}; only a delivered command can be "
            "acknowledged."
        )
    if ok and command.kind is CommandKind.SCREENSHOT and command.screenshot_path is None:
        raise Conflict("Upload the screenshot first, then acknowledge the command.")
    command.status = outcome
    command.result = result
    command.finished_at = now
    db.flush()


def store_screenshot(
    db: Session, command: TerminalCommand, terminal: Terminal, png: bytes, data_dir: Path
) -> Path:
    if command.kind is not CommandKind.SCREENSHOT:
        raise Conflict(f"Command {command.id} is {command.kind.value}, not a screenshot.")
    if command.status is not CommandStatus.DELIVERED:
        raise Conflict(f"Command {command.id} is {command.status.value}; it takes no upload now.")
    if not png.startswith(PNG_SIGNATURE):
        raise BadInput("The upload is not a PNG image (send the bytes of a .png file).")
    if len(png) > MAX_SCREENSHOT_BYTES:
        raise BadInput(f"The screenshot is over {MAX_SCREENSHOT_BYTES // (1024 * 1024)} MB.")
    path = data_dir / "screenshots" / terminal.code / f"command-{command.id}.png"
    write_atomically(path, png)
    command.screenshot_path = str(path.relative_to(data_dir))
    db.flush()
    return path


def list_commands(db: Session, terminal: Terminal, limit: int = 100) -> list[TerminalCommand]:
    return list(
        db.scalars(
            select(TerminalCommand)
            .where(TerminalCommand.terminal_id == terminal.id)
            .order_by(TerminalCommand.id.desc())
            .limit(limit)
        )
    )


def describe(command: TerminalCommand, terminal_code: str) -> CommandOut:
    return CommandOut(
        id=command.id,
        terminal_code=terminal_code,
        kind=command.kind,
        payload=command.payload,
        status=command.status,
        created_by=command.created_by,
        created_at=command.created_at,
        delivered_at=command.delivered_at,
        finished_at=command.finished_at,
        result=command.result,
        has_screenshot=command.screenshot_path is not None,
    )
