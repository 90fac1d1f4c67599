"""Bearer tokens to principals: the lookup, and the per-app cache every request goes through
(put on `app.state.tokens` by the assembly point; `backoffice.access` asks it)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, func, select
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


# Revoked terminal tokens: how many (one scan of a small table), and their digests when that
# changed. Tokens are revoked, never deleted, so the count only grows.
_TERMINAL_REVOKED = (ApiToken.kind == TokenKind.TERMINAL) & ApiToken.revoked_at.is_not(None)
_REVOKED_COUNT = select(func.count()).select_from(ApiToken).where(_TERMINAL_REVOKED)
_REVOKED_DIGESTS = select(ApiToken.digest).where(_TERMINAL_REVOKED)
_NEVER = datetime.max.replace(tzinfo=UTC)


class TokenCache:
    """Principals by token digest, so that a request costs no token query. One per app, shared
    by the staff API and the heartbeats.

    Staff and unit tokens are kept for `ttl` (the `token_cache_s` setting, at most 5 s; an
    account may be disabled). Terminal tokens are kept while the process runs, never past
    their own expiry: a kiosk beats every 30 s, so a 5-second cache would never hold its token
    and every beat would cost a token query. Instead the revoked terminal tokens are read again
    whenever that reading is `ttl` old (a count; the digests only when it changed), and a
    terminal token is answered from memory only while that reading is fresh. So a revocation
    in another process takes effect here within `ttl`, for every kind of token; one in this
    process drops the entries at once (`forget`). With `ttl` 0 nothing is kept."""

    MAX_TTL = timedelta(seconds=5)

    MAX_ENTRIES = 100_000

    def __init__(self, ttl: timedelta) -> None:
        self.ttl = min(ttl, self.MAX_TTL)
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[Principal, datetime]] = {}
        self._reading = threading.Lock()  # one reading of the revocations at a time
        self._revoked: frozenset[str] = frozenset()
        self._revoked_count = -1
        self._revocations_read_at: datetime | None = None

    def _revocations_fresh(self, now: datetime) -> bool:
        # A request's `now` may be a moment older than a reading another thread just made;
        # a clock set back by more than `ttl` makes the next request read again.
        read_at = self._revocations_read_at
        return read_at is not None and read_at - self.ttl <= now < read_at + self.ttl

    def get(self, token: str, now: datetime) -> Principal | None:
        with self._lock:
            hit = self._entries.get(token_digest(token))
        if hit is None or hit[1] <= now:
            return None
        if hit[0].kind is TokenKind.TERMINAL and not self._revocations_fresh(now):
            return None  # `lookup` reads the revocations first
        return hit[0]

    def lookup(self, db: Session, token: str, now: datetime) -> Principal:
        """The caller of a token: from memory when a terminal token is known and the
        revocations were read within `ttl`, else from the database (401 if unknown, revoked or
        expired), then kept."""
        if self.ttl <= timedelta(0):
            return _principal_and_expiry(db, token, now)[0]
        self._read_revocations(db, now)
        known = self.get(token, now)
        if known is not None:
            return known
        principal, expires_at = _principal_and_expiry(db, token, now)
        if principal.kind is TokenKind.TERMINAL:
            until = expires_at or _NEVER
        else:
            until = now + self.ttl if expires_at is None else min(now + self.ttl, expires_at)
        digest = token_digest(token)
        with self._lock:
            if len(self._entries) >= self.MAX_ENTRIES:
                self._entries.clear()
            # A reading of the revocations that ran while this one read the token has dropped
            # what it found revoked already: never put such a token back.
            if digest not in self._revoked:
                self._entries[digest] = (principal, until)
        return principal

    def _read_revocations(self, db: Session, now: datetime) -> None:
        if self._revocations_fresh(now):
            return
        with self._reading:
            if self._revocations_fresh(now):
                return
            connection = db.connection()
            count = connection.execute(_REVOKED_COUNT).scalar_one()
            if count != self._revoked_count:
                revoked = frozenset(connection.execute(_REVOKED_DIGESTS).scalars())
                with self._lock:
                    self._revoked = revoked
                    for digest in revoked & self._entries.keys():
                        del self._entries[digest]
                self._revoked_count = count
            self._revocations_read_at = now

    def forget_token(self, token: str) -> None:
        """Drop one token's cached principal (it was just revoked)."""
        with self._lock:
            self._entries.pop(token_digest(token), None)

    def forget(self, which: Callable[[Principal], bool]) -> None:
        """Drop the cached principals `which` picks (their tokens were just revoked)."""
        with self._lock:
            for digest in [d for d, (p, _) in self._entries.items() if which(p)]:
                del self._entries[digest]
