"""The heartbeat fast path: latest state per terminal in memory, written to the database in batches.

A heartbeat answered 200 is in `pending` until the next flush (every
`heartbeat_flush_interval_s`, and on shutdown), which adds it to the terminal's
`heartbeat_count` and latest state in one transaction; history is kept at a coarser grain.

Several API processes share what matters through the database: each flush writes the latest
state (so online/offline is right in every process within one flush interval, far inside
`offline_after_s`), each refresh reads which terminals have commands waiting (queued in any
process), and a command is taken with `FOR UPDATE SKIP LOCKED` and marked delivered in the
same transaction, so it goes out once whichever process the terminal reaches.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import JSON, bindparam, select, update
from sqlalchemy.orm import Session

from backoffice.access import Principal
from backoffice.clock import Clock
from backoffice.db import UTCDateTime, begin_writing
from backoffice.deps import SessionSource, session_source
from backoffice.fleet.models import (
    AlertKind,
    CommandStatus,
    FleetAlert,
    Heartbeat,
    Terminal,
    TerminalCommand,
)
from backoffice.fleet.schemas import HeartbeatIn
from backoffice.identity.tokens import TokenCache
from backoffice.settings import Settings

log = logging.getLogger(__name__)
# A command noted this recently survives a refresh that did not see it yet (not committed).
NOTE_GRACE_S = 10.0

# A delivered command the kiosk has not acknowledged is sent again after this long, in case
# the answer that carried it was lost; the kiosk ignores a command id it has already run.
REDELIVER_AFTER = timedelta(minutes=2)


@dataclass
class LiveState:
    """A terminal's newest heartbeat as received, before or after it is written."""

    seen_at: datetime
    app_version: str
    screen: str
    language: str
    elder_mode: bool
    devices: dict[str, Any]
    disk_free_mb: int | None

    @classmethod
    def of(cls, beat: HeartbeatIn, now: datetime) -> LiveState:
        return cls(
            seen_at=now,
            app_version=beat.app_version,
            screen=beat.screen,
            language=beat.language,
            elder_mode=beat.elder_mode,
            devices={str(k): v.model_dump(mode="json") for k, v in beat.devices.items()},
            disk_free_mb=beat.disk_free_mb,
        )

    def history_row(self, terminal_id: int) -> dict[str, Any]:
        return {
            "terminal_id": terminal_id,
            "received_at": self.seen_at,
            "app_version": self.app_version,
            "screen": self.screen,
            "language": self.language,
            "elder_mode": self.elder_mode,
            "devices": self.devices,
            "disk_free_mb": self.disk_free_mb,
        }


@dataclass
class _Batch:
    latest: dict[int, LiveState] = field(default_factory=dict)
    counts: dict[int, int] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)

    def merge_older(self, older: _Batch) -> None:
        """Put a batch that failed to write back in front of what arrived since."""
        for tid, state in older.latest.items():
            self.latest.setdefault(tid, state)
        for tid, n in older.counts.items():
            self.counts[tid] = self.counts.get(tid, 0) + n
        self.history[:0] = older.history

    def __bool__(self) -> bool:
        return bool(self.counts or self.history)


class HeartbeatStore:
    """Latest state per terminal, pending writes, the token cache and who has commands."""

    def __init__(
        self,
        sessions: SessionSource,
        clock: Clock,
        settings: Settings,
        *,
        write_behind: bool,
        tokens: TokenCache | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.write_behind = write_behind and settings.heartbeat_flush_interval_s > 0
        self.flush_interval_s = settings.heartbeat_flush_interval_s
        self.history_every = timedelta(seconds=settings.heartbeat_history_every_s)
        self.tokens = tokens or TokenCache(timedelta(seconds=settings.token_cache_s))
        self._lock = threading.Lock()
        self._latest: dict[int, LiveState] = {}
        self._history_at: dict[int, LiveState] = {}
        self._pending = _Batch()
        self._with_commands: set[int] = set()
        # Heartbeats answered (taken into memory or written) and written since start: the
        # difference at shutdown is what was lost (the benchmark reads it from the log).
        self.taken = 0
        self.written = 0
        self._flushing = threading.Lock()
        # When each terminal was last noted as having a command (monotonic seconds): a refresh
        # whose read began before that command was committed must not forget it.
        self._noted: dict[int, float] = {}

    # --- tokens ------------------------------------------------------------------------------

    def cached_principal(self, token: str, now: datetime) -> Principal | None:
        return self.tokens.get(token, now)

    def lookup_principal(self, token: str, now: datetime) -> Principal:
        """The caller of a token (401 if unknown or revoked), then cached for `token_cache_s`."""
        with self.sessions() as db:
            return self.tokens.lookup(db, token, now)

    def forget_terminal(self, terminal_id: int) -> None:
        """Drop cached tokens of a terminal (it re-enrolled, so its old token is revoked)."""
        self.tokens.forget(lambda p: p.terminal_id == terminal_id)

    # --- heartbeats --------------------------------------------------------------------------

    def live(self, terminal_id: int) -> LiveState | None:
        with self._lock:
            return self._latest.get(terminal_id)

    def record(self, terminal_id: int, beat: HeartbeatIn, now: datetime) -> None:
        state = LiveState.of(beat, now)
        with self._lock:
            self._latest[terminal_id] = state
            last = self._history_at.get(terminal_id)
            history_due = (
                last is None
                or now - last.seen_at >= self.history_every
                or last.devices != state.devices
                or last.app_version != state.app_version
            )
            if history_due:
                self._history_at[terminal_id] = state
            self.taken += 1
            if self.write_behind:
                self._pending.latest[terminal_id] = state
                self._pending.counts[terminal_id] = self._pending.counts.get(terminal_id, 0) + 1
                if history_due:
                    self._pending.history.append(state.history_row(terminal_id))
                return
        batch = _Batch({terminal_id: state}, {terminal_id: 1})
        if history_due:
            batch.history.append(state.history_row(terminal_id))
        with self.sessions() as db:
            begin_writing(db)
            _write(db, batch)
        with self._lock:
            self.written += 1

    def flush(self) -> int:
        """Write what arrived since the last flush; returns the heartbeats written. One flush
        at a time: the last one at shutdown waits for the writer's, which cancelling its task
        does not stop (a thread), so both batches are written and counted before it returns."""
        with self._flushing:
            with self._lock:
                batch, self._pending = self._pending, _Batch()
            if not batch:
                return 0
            try:
                with self.sessions() as db:
                    begin_writing(db)
                    _write(db, batch)
            except Exception:
                with self._lock:
                    self._pending.merge_older(batch)
                raise
            written = sum(batch.counts.values())
            with self._lock:
                self.written += written
            return written

    def note_outbox_problems(self, terminal_id: int, beat: HeartbeatIn, now: datetime) -> int:
        """Open an alert for each problem the kiosk's outbox reported (rare: a refused item, a
        corrupt file moved aside); returns how many."""
        problems = beat.outbox.problems if beat.outbox is not None else []
        if not problems:
            return 0
        with self.sessions() as db:
            begin_writing(db)
            code = db.scalar(select(Terminal.code).where(Terminal.id == terminal_id))
            for problem in problems:
                what = (
                    "an outbox item was refused"
                    if problem.kind == "refused"
                    else "its outbox file was corrupt"
                )
                db.add(
                    FleetAlert(
                        terminal_id=terminal_id,
                        kind=AlertKind.OUTBOX,
                        message=f"Terminal {code}: {what}: {problem.detail}"[:300],
                        opened_at=now,
                    )
                )
            db.flush()
        return len(problems)

    # --- commands ----------------------------------------------------------------------------

    def note_command(self, terminal_id: int) -> None:
        with self._lock:
            self._with_commands.add(terminal_id)
            self._noted[terminal_id] = time.monotonic()

    def may_have_commands(self, terminal_id: int) -> bool:
        if not self.write_behind:
            return True
        with self._lock:
            return terminal_id in self._with_commands

    def refresh_commands(self, now: datetime) -> None:
        """Learn which terminals have commands waiting (also those queued by other processes)."""
        started = time.monotonic()
        with self.sessions() as db:
            ids = set(
                db.scalars(
                    _waiting_commands(now).with_only_columns(TerminalCommand.terminal_id).distinct()
                )
            )
        with self._lock:
            recent = {t for t, at in self._noted.items() if at >= started - NOTE_GRACE_S}
            self._noted = {t: self._noted[t] for t in recent}
            self._with_commands = ids | recent

    def take_commands(self, terminal_id: int, now: datetime) -> list[dict[str, Any]]:
        """Commands for the terminal, marked delivered durably before the answer goes out."""
        with self.sessions() as db:
            # It reads, then writes: on SQLite it must hold the write lock from the start, or
            # a batch the writer commits in between makes the write fail ("database is locked").
            begin_writing(db)
            query = (
                _waiting_commands(now)
                .where(TerminalCommand.terminal_id == terminal_id)
                .order_by(TerminalCommand.id)
            )
            if db.get_bind().dialect.name == "postgresql":
                # Two API processes answering the same terminal at once (a retried beat) must
                # not both deliver a command: the second skips the rows the first holds.
                query = query.with_for_update(skip_locked=True)
            rows = list(db.scalars(query))
            for row in rows:
                row.status = CommandStatus.DELIVERED
                row.delivered_at = now
                row.deliveries += 1
            db.flush()
            out = [{"id": r.id, "kind": r.kind.value, "payload": r.payload} for r in rows]
        if not out:
            with self._lock:
                self._with_commands.discard(terminal_id)
        return out

    # --- background writer -------------------------------------------------------------------

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.flush_interval_s)
            try:
                await asyncio.to_thread(self.flush)
                await asyncio.to_thread(self.refresh_commands, self.clock.now())
            except Exception:
                log.exception("heartbeat flush failed; it is retried with the next batch")


def _waiting_commands(now: datetime) -> Any:
    return select(TerminalCommand).where(
        (TerminalCommand.status == CommandStatus.PENDING)
        | (
            (TerminalCommand.status == CommandStatus.DELIVERED)
            & (TerminalCommand.delivered_at <= now - REDELIVER_AFTER)
        )
    )


_UPDATE_LATEST = (
    update(Terminal)
    .where(Terminal.id == bindparam("b_id"))
    .values(
        last_seen_at=bindparam("b_seen", type_=UTCDateTime()),
        app_version=bindparam("b_version"),
        screen=bindparam("b_screen"),
        devices=bindparam("b_devices", type_=JSON()),
        heartbeat_count=Terminal.heartbeat_count + bindparam("b_n"),
    )
)


def _write(db: Session, batch: _Batch) -> None:
    rows = [
        {
            "b_id": tid,
            "b_seen": state.seen_at,
            "b_version": state.app_version,
            "b_screen": state.screen,
            "b_devices": state.devices,
            "b_n": batch.counts.get(tid, 0),
        }
        for tid, state in sorted(batch.latest.items())
    ]
    if rows:
        db.connection().execute(_UPDATE_LATEST, rows)
    if batch.history:
        db.add_all(Heartbeat(**row) for row in batch.history)
    db.flush()


def store_of(app: FastAPI) -> HeartbeatStore:
    """The app's heartbeat store, made on first use (after a test has put its own session in
    place of the app's); the assembly point runs its batched writer with the app."""
    store: HeartbeatStore | None = getattr(app.state, "heartbeats", None)
    if store is None:
        sessions, owned = session_source(app)
        store = HeartbeatStore(
            sessions,
            app.state.clock,
            app.state.settings,
            write_behind=owned,
            tokens=app.state.tokens,
        )
        app.state.heartbeats = store
    return store
