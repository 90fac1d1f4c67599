"""Silent terminals: open an alert when an enrolled terminal stops sending heartbeats."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.fleet.models import AlertKind, FleetAlert, Terminal
from backoffice.settings import get_settings


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
                )
            )
            changed += 1
        elif not silent and alert is not None:
            alert.closed_at = now
            changed += 1
    db.flush()
    return changed
