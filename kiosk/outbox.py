"""A local SQLite outbox: visits, ratings, reports and print confirmations wait here until the
back office has them; each item carries an idempotency key so a resend is counted once."""

from __future__ import annotations

import json
import logging
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
"""


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


# Answers after which the same request may succeed later.
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


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


Sender = Callable[[str, str, bytes, dict[str, str]], requests.Response]
"""Sends one request (method, path, body bytes, headers) to the back office as the kiosk."""


class Outbox:
    """Thread-safe: the UI thread adds, the agent's thread delivers."""

    def __init__(self, path: Path, ticker: Callable[[], float] = time.time) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._ticker = ticker
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)

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
        only after a 2xx answer, and the key makes a resend harmless."""
        sent = refused = 0
        reachable = True
        for item in self.items(ItemState.PENDING)[:limit]:
            headers = {IDEMPOTENCY_HEADER: item.idempotency_key, "Content-Type": item.content_type}
            try:
                response = send(item.method, item.path, item.data, headers)
            except requests.RequestException as exc:
                self._mark(item, ItemState.PENDING, f"unreachable: {type(exc).__name__}")
                reachable = False
                break
            if 200 <= response.status_code < 300:
                self._mark(item, ItemState.SENT, None)
                sent += 1
            elif response.status_code in RETRYABLE_STATUS:
                self._mark(item, ItemState.PENDING, f"HTTP {response.status_code}")
                break
            else:
                # A refusal names what is wrong with the item, never who it is about.
                detail = _detail(response)
                self._mark(item, ItemState.REFUSED, f"HTTP {response.status_code}: {detail}")
                logger.warning(
                    "outbox: %s item %s refused: HTTP %s %s",
                    item.kind.value,
                    item.id,
                    response.status_code,
                    detail,
                )
                refused += 1
        return DeliveryReport(
            sent=sent, refused=refused, pending=self.pending_count(), reachable=reachable
        )

    def _mark(self, item: OutboxItem, state: ItemState, error: str | None) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ? WHERE id = ?",
                (state.value, error, item.id),
            )


def _detail(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        return str(body["detail"])[:200]
    return ""
