"""Bearer tokens to principals: the lookup, and the per-app cache every request goes through
(put on `app.state.tokens` by the assembly point; `backoffice.access` asks it)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from backoffice.access import Principal, Role, TokenKind
from backoffice.errors import NotAuthenticated
from backoffice.identity.models import ApiToken, Staff
from backoffice.identity.secrets import token_digest

# The token's own row as plain columns, built once: every uncached request runs it (a kiosk's
# heartbeat every 30 s never finds its token in a 5-second cache), and the ORM's object
# loading cost more than the lookup itself. Only staff tokens load the account as well.
_TOKEN_ROW = select(
    ApiToken.kind,
    ApiToken.label,
    ApiToken.staff_id,
    ApiToken.unit_id,
    ApiToken.terminal_id,
    ApiToken.expires_at,
    ApiToken.revoked_at,
).where(ApiToken.digest == bindparam("digest"))


def _principal_and_expiry(
    db: Session, token: str, now: datetime
) -> tuple[Principal, datetime | None]:
    row = db.connection().execute(_TOKEN_ROW, {"digest": token_digest(token)}).first()
    if row is None or row.revoked_at is not None:
        raise NotAuthenticated("This token is unknown or was revoked; sign in or enroll again.")
    if row.expires_at is not None and row.expires_at <= now:
        raise NotAuthenticated("This token has expired; sign in again.")
    if row.kind is TokenKind.STAFF:
        staff = db.get(Staff, row.staff_id) if row.staff_id is not None else None
        if staff is None or not staff.active:
            raise NotAuthenticated("This staff account is disabled.")
        principal = Principal(
            kind=TokenKind.STAFF,
            name=staff.username,
            role=staff.role,
            staff_id=staff.id,
            unit_id=staff.unit_id if staff.role == Role.UNIT_STAFF else None,
        )
    elif row.kind is TokenKind.UNIT:
        principal = Principal(kind=TokenKind.UNIT, name=row.label, unit_id=row.unit_id)
    else:
        principal = Principal(kind=TokenKind.TERMINAL, name=row.label, terminal_id=row.terminal_id)
    return principal, row.expires_at


def principal_for_token(db: Session, token: str, now: datetime) -> Principal:
    """The principal a bearer token stands for; 401 if unknown, revoked or expired."""
    return _principal_and_expiry(db, token, now)[0]


class TokenCache:
    """Principals by token digest for `ttl` (at most 5 s), never past the token's own expiry, so
    that a request costs no token query. A revocation in this process drops the entries at
    once (`forget`); in another process of the back office it takes effect within `ttl` (the
    `token_cache_s` setting). One per app, shared by the staff API and the heartbeats."""

    MAX_TTL = timedelta(seconds=5)

    MAX_ENTRIES = 100_000

    def __init__(self, ttl: timedelta) -> None:
        self.ttl = min(ttl, self.MAX_TTL)
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[Principal, datetime]] = {}

    def get(self, token: str, now: datetime) -> Principal | None:
        with self._lock:
            hit = self._entries.get(token_digest(token))
        return hit[0] if hit is not None and hit[1] > now else None

    def lookup(self, db: Session, token: str, now: datetime) -> Principal:
        """The caller of a token from the database (401 if unknown, revoked or expired),
        then cached."""
        principal, expires_at = _principal_and_expiry(db, token, now)
        until = now + self.ttl
        if expires_at is not None:
            until = min(until, expires_at)
        with self._lock:
            if len(self._entries) >= self.MAX_ENTRIES:
                self._entries.clear()
            self._entries[token_digest(token)] = (principal, until)
        return principal

    def forget_token(self, token: str) -> None:
        """Drop one token's cached principal (it was just revoked)."""
        with self._lock:
            self._entries.pop(token_digest(token), None)

    def forget(self, which: Callable[[Principal], bool]) -> None:
        """Drop the cached principals `which` picks (their tokens were just revoked)."""
        with self._lock:
            for digest in [d for d, (p, _) in self._entries.items() if which(p)]:
                del self._entries[digest]
