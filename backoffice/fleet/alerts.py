"""Fleet alerts that stand for a fault: a terminal that stops sending heartbeats, a device its
heartbeat reports in fault. Each opens once while the fault lasts and closes when it goes away
(the kiosk-fault case each one opens is `cases/kiosk_faults.py`'s)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.fleet.models import AlertKind, FleetAlert, Terminal
from backoffice.fleet.schemas import DeviceState
from backoffice.settings import get_settings

# The scheduler job that runs these checks and files their cases (cases.kiosk_faults, wired
# in backoffice/wiring.py); the API's "check now" runs the same job.
FAULT_JOB = "fleet.terminal_faults"


def check_silent_terminals(
    db: Session, now: datetime, offline_after: timedelta | None = None
) -> int:
    """Open a 'silent' alert for each enrolled terminal quiet for longer than `offline_after`,
    close the alerts of terminals heard from again; returns how many alerts opened or closed.
    A scheduler job, and safe to run as often as you like."""
    limit = offline_after or timedelta(seconds=get_settings().offline_after_s)
    open_alerts = {
        a.terminal_id: a
        for a in db.scalars(
            select(FleetAlert).where(
                FleetAlert.kind == AlertKind.SILENT, FleetAlert.closed_at.is_(None)
            )
        )
    }
    changed = 0
    for terminal in db.scalars(select(Terminal).where(Terminal.enrolled_at.is_not(None))):
        heard = terminal.last_seen_at or terminal.enrolled_at
        assert heard is not None
        silent = now - heard > limit
        alert = open_alerts.get(terminal.id)
        if silent and alert is None:
            since = (
                "never sent a heartbeat"
                if terminal.last_seen_at is None
                else (f"last heartbeat {heard:%Y-%m-%d %H:%M:%S} UTC")
            )
            db.add(
                FleetAlert(
                    terminal_id=terminal.id,
                    kind=AlertKind.SILENT,
                    message=f"Terminal {terminal.code} ({terminal.place or terminal.name}) is "
                    f"silent: {since}.",
                    opened_at=now,
                    device="",
                )
            )
            changed += 1
        elif not silent and alert is not None:
            alert.closed_at = now
            changed += 1
    db.flush()
    return changed


def device_faults(devices: dict[str, Any] | None) -> dict[str, str]:
    """Device name -> the reason it gave, for each device a heartbeat reports in fault. A
    device the kiosk has not configured is `absent`, not a fault."""
    faults: dict[str, str] = {}
    for name, health in (devices or {}).items():
        if isinstance(health, dict) and health.get("state") == DeviceState.FAULT.value:
            faults[str(name)] = str(health.get("reason") or "")
    return faults


def check_device_faults(db: Session, now: datetime) -> int:
    """Open a 'device' alert for each device the terminals' latest heartbeats report in fault,
    and close those whose device is well again (or no longer reported); returns how many
    alerts opened or closed. Reads the latest state as written (`fleet.live` writes it within
    `heartbeat_flush_interval_s`); a scheduler job, safe to run as often as you like."""
    open_alerts: dict[tuple[int, str], FleetAlert] = {
        (a.terminal_id, a.device): a
        for a in db.scalars(
            select(FleetAlert).where(
                FleetAlert.kind == AlertKind.DEVICE, FleetAlert.closed_at.is_(None)
            )
        )
    }
    changed = 0
    rows = db.execute(
        select(Terminal.id, Terminal.code, Terminal.name, Terminal.place, Terminal.devices).where(
            Terminal.enrolled_at.is_not(None)
        )
    )
    for terminal_id, code, name, place, devices in rows:
        faults = device_faults(devices)
        for device, reason in faults.items():
            if (terminal_id, device) in open_alerts:
                continue
            db.add(
                FleetAlert(
                    terminal_id=terminal_id,
                    kind=AlertKind.DEVICE,
                    device=device,
                    message=f"Terminal {code} ({place or name}): {device} in fault: "
                    f"{reason or 'no reason given'}."[:300],
                    opened_at=now,
                )
            )
            changed += 1
        for (alert_terminal, device), alert in open_alerts.items():
            if alert_terminal == terminal_id and device not in faults:
                alert.closed_at = now
                changed += 1
    db.flush()
    return changed
