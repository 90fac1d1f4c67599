"""A local SQLite outbox: visits, ratings, reports and print confirmations wait here until the
back office has them; each item carries an idempotency key so a resend is counted once.

Nothing is thrown away for an answer about who is asking or where: 401, 403 and 404 stop the
pass and keep the item for after the terminal is authorised again. Only 400, 409 and 422 (the
item itself is wrong) refuse it; a refused item is kept for inspection and reported in the next
heartbeat. A corrupt file is moved aside (kept) and a fresh one started, and that is reported
too. Sent rows are deleted after a retention time."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import requests

logger = logging.getLogger(__name__)

HTTP_TIMEOUT_S = 5.0
IDEMPOTENCY_HEADER = "Idempotency-Key"

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    method TEXT NOT NULL DEFAULT 'POST',
    path TEXT NOT NULL,
    content_type TEXT NOT NULL DEFAULT 'application/json',
    body BLOB NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    state TEXT NOT NULL DEFAULT 'pending'
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (state, id);
CREATE TABLE IF NOT EXISTS commands_run (
    command_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    started_at REAL NOT NULL,
    result TEXT
);
CREATE TABLE IF NOT EXISTS problems (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    reported_at REAL
);
"""
# Columns added after the first release; an older file gets them when it is opened.
ADDED_COLUMNS = {"sent_at": "REAL"}
# Sent rows (photos and screenshots among them) are deleted this long after they were sent.
SENT_RETENTION_S = 7 * 24 * 3600.0


class Kind(StrEnum):
    VISIT = "visit"
    RATING = "rating"
    REPORT = "report"
    PRINT_CONFIRMATION = "print_confirmation"
    COMMAND_RESULT = "command_result"
    SCREENSHOT = "screenshot"


class ItemState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    # The back office refused it for good (4xx other than a retryable one): kept for the logs.
    REFUSED = "refused"


# Answers that say the item itself is wrong: it is refused (kept, and reported).
REFUSING_STATUS = frozenset({400, 409, 422})
# Answers about who is asking or where: the pass stops until the terminal is authorised again.
AUTH_STATUS = frozenset({401, 403, 404})
# Any other answer keeps the item pending and stops the pass, in order: nothing is dropped.


class ProblemKind(StrEnum):
    REFUSED = "refused"
    CORRUPT = "corrupt"


@dataclass(frozen=True)
class Problem:
    """Something the back office should hear about in the next heartbeat."""

    id: int
    kind: ProblemKind
    detail: str

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind.value, "detail": self.detail}


JSON = "application/json"


@dataclass(frozen=True)
class OutboxItem:
    id: int
    kind: Kind
    method: str
    path: str
    content_type: str
    data: bytes = field(repr=False)
    idempotency_key: str
    attempts: int
    state: ItemState
    last_error: str | None

    @property
    def body(self) -> dict[str, Any]:
        """The JSON body; ``{}`` for an item that carries other bytes (a PNG)."""
        if self.content_type != JSON:
            return {}
        body: dict[str, Any] = json.loads(self.data)
        return body


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    refused: int
    pending: int
    reachable: bool
    # The HTTP status (401, 403 or 404) that stopped the pass: the terminal must re-authenticate.
    auth_refused: int | None = None


Sender = Callable[[str, str, bytes, dict[str, str]], requests.Response]
"""Sends one request (method, path, body bytes, headers) to the back office as the kiosk."""


class Outbox:
    """Thread-safe: the UI thread adds, the agent's thread delivers."""

    def __init__(
        self,
        path: Path,
        ticker: Callable[[], float] = time.time,
        retention_s: float = SENT_RETENTION_S,
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.retention_s = retention_s
        self._ticker = ticker
        self._lock = threading.Lock()
        # Where a corrupt file was moved to when this outbox was opened (None if it was sound).
        self.moved_aside: Path | None = None
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as exc:
            self.moved_aside = self._move_aside()
            logger.error(
                "outbox: %s is corrupt (%s); moved to %s, starting a fresh one",
                path,
                exc,
                self.moved_aside,
            )
            self._db = self._open()
            self._note(
                ProblemKind.CORRUPT,
                f"outbox file corrupt ({exc}); moved aside to {self.moved_aside.name}, "
                "a fresh one started",
            )

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            check = db.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                raise sqlite3.DatabaseError(f"quick_check: {check[0] if check else 'no answer'}")
            db.executescript(SCHEMA)
            have = {row[1] for row in db.execute("PRAGMA table_info(outbox)")}
            for column, kind in ADDED_COLUMNS.items():
                if column not in have:
                    db.execute(f"ALTER TABLE outbox ADD COLUMN {column} {kind}")
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def _move_aside(self) -> Path:
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(self._ticker()))
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while aside.exists():
            aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
            n += 1
        os.replace(self.path, aside)
        for suffix in ("-wal", "-shm"):
            companion = self.path.with_name(self.path.name + suffix)
            if companion.exists():
                os.replace(companion, aside.with_name(aside.name + suffix))
        return aside

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def add(
        self, kind: Kind, path: str, body: dict[str, Any], idempotency_key: str | None = None
    ) -> str:
        """Keep ``body`` for POSTing as JSON to ``path``; returns its idempotency key. Adding the
        same key twice keeps the first item only."""
        data = json.dumps(body, ensure_ascii=False).encode()
        return self.add_raw(kind, "POST", path, JSON, data, idempotency_key)

    def add_raw(
        self,
        kind: Kind,
        method: str,
        path: str,
        content_type: str,
        data: bytes,
        idempotency_key: str | None = None,
    ) -> str:
        key = idempotency_key or str(uuid.uuid4())
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO outbox"
                " (kind, method, path, content_type, body, idempotency_key, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (kind.value, method, path, content_type, data, key, self._ticker()),
            )
        return key

    def items(self, state: ItemState | None = None) -> list[OutboxItem]:
        query = "SELECT id, kind, method, path, content_type, body, idempotency_key, attempts,"
        query += " state, last_error"
        query += " FROM outbox"
        params: tuple[str, ...] = ()
        if state is not None:
            query += " WHERE state = ?"
            params = (state.value,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY id", params).fetchall()
        return [
            OutboxItem(
                id=row[0],
                kind=Kind(row[1]),
                method=row[2],
                path=row[3],
                content_type=row[4],
                data=bytes(row[5]),
                idempotency_key=row[6],
                attempts=row[7],
                state=ItemState(row[8]),
                last_error=row[9],
            )
            for row in rows
        ]

    def pending_count(self) -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT count(*) FROM outbox WHERE state = ?", (ItemState.PENDING.value,)
            ).fetchone()
        return int(row[0])

    def deliver(self, send: Sender, limit: int = 100) -> DeliveryReport:
        """Send pending items oldest first; stop at the first one the back office cannot take
        now, so the order is kept and nothing is lost. At least once: an item is marked sent
        only after a 2xx answer, and the key makes a resend harmless. Then delete the rows sent
        longer ago than the retention time."""
        sent = refused = 0
        reachable = True
        auth_refused: int | None = None
        for item in self.items(ItemState.PENDING)[:limit]:
            headers = {IDEMPOTENCY_HEADER: item.idempotency_key, "Content-Type": item.content_type}
            try:
                response = send(item.method, item.path, item.data, headers)
            except requests.RequestException as exc:
                self._mark(item, ItemState.PENDING, f"unreachable: {type(exc).__name__}")
                reachable = False
                break
            status = response.status_code
            if 200 <= status < 300:
                self._mark(item, ItemState.SENT, None)
                sent += 1
            elif status in REFUSING_STATUS:
                # A refusal names what is wrong with the item, never who it is about.
                error = f"HTTP {status}: {_detail(response)}"
                self._mark(item, ItemState.REFUSED, error)
                self._note(
                    ProblemKind.REFUSED, f"{item.kind.value} {item.idempotency_key}: {error}"
                )
                logger.warning("outbox: %s item %s refused: %s", item.kind.value, item.id, error)
                refused += 1
            elif status in AUTH_STATUS:
                error = f"HTTP {status}: {_detail(response)}; kept until the terminal is authorised"
                self._mark(item, ItemState.PENDING, error)
                auth_refused = status
                logger.warning("outbox: %s; the pass stops", error)
                break
            else:
                self._mark(item, ItemState.PENDING, f"HTTP {status}")
                break
        self.prune()
        return DeliveryReport(
            sent=sent,
            refused=refused,
            pending=self.pending_count(),
            reachable=reachable,
            auth_refused=auth_refused,
        )

    def prune(self) -> int:
        """Delete rows sent longer ago than the retention time; returns how many."""
        cutoff = self._ticker() - self.retention_s
        with self._lock:
            cursor = self._db.execute(
                "DELETE FROM outbox WHERE state = ? AND sent_at IS NOT NULL AND sent_at < ?",
                (ItemState.SENT.value, cutoff),
            )
        return cursor.rowcount

    def problems(self) -> list[Problem]:
        """Refusals and corruption not yet reported to the back office, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, kind, detail FROM problems WHERE reported_at IS NULL ORDER BY id"
            ).fetchall()
        return [Problem(int(r[0]), ProblemKind(r[1]), str(r[2])) for r in rows]

    def mark_reported(self, problems: list[Problem]) -> None:
        """The back office has these (its heartbeat answer came back)."""
        if not problems:
            return
        with self._lock:
            self._db.executemany(
                "UPDATE problems SET reported_at = ? WHERE id = ?",
                [(self._ticker(), p.id) for p in problems],
            )

    # --- remote commands run here: written before each runs, so a restart never runs one twice --

    def command_record(self, command_id: str) -> tuple[bool, dict[str, Any] | None] | None:
        """None if this command never started here; else (finished, its acknowledgement)."""
        with self._lock:
            row = self._db.execute(
                "SELECT result FROM commands_run WHERE command_id = ?", (command_id,)
            ).fetchone()
        if row is None:
            return None
        if row[0] is None:
            return False, None
        ack: dict[str, Any] = json.loads(row[0])
        return True, ack

    def command_started(self, command_id: str, kind: str) -> None:
        """Durable (synchronous=FULL) before the command runs."""
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO commands_run (command_id, kind, started_at)"
                " VALUES (?, ?, ?)",
                (command_id, kind, self._ticker()),
            )

    def command_finished(self, command_id: str, acknowledgement: dict[str, Any]) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE commands_run SET result = ? WHERE command_id = ?",
                (json.dumps(acknowledgement, ensure_ascii=False), command_id),
            )

    def _note(self, kind: ProblemKind, detail: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO problems (at, kind, detail) VALUES (?, ?, ?)",
                (self._ticker(), kind.value, detail[:300]),
            )

    def _mark(self, item: OutboxItem, state: ItemState, error: str | None) -> None:
        sent_at = self._ticker() if state is ItemState.SENT else None
        with self._lock:
            self._db.execute(
                "UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ?, sent_at = ?"
                " WHERE id = ?",
                (state.value, error, sent_at, item.id),
            )


def _detail(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        return str(body["detail"])[:200]
    return ""
