"""The sign-in guard the API token endpoint and the login page share: limits on failed attempts
per client address and per account (fixed windows of the `limits` library, tiered so that each
tier locks longer), an audit row for every attempt, and a bound on concurrent password checks.

The address is checked first and a throttled address's attempts are not counted against any
account: one client guessing can no longer lock other people out once it is throttled. The
counters live in the database (`SignInCounter`, counted in the request's transaction) or, when
`signin_storage_url` names one, in Redis; never in process memory only.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import Table, case, delete, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from backoffice.db import UTCDateTime
from backoffice.errors import NotAuthenticated, TooManyRequests, Unavailable
from backoffice.identity.models import LoginAttempt, SignInCounter, Staff
from backoffice.identity.service import authenticate
from backoffice.settings import Settings

HASHING_WAIT_S = 5.0


class Throttled(TooManyRequests):
    """Too many failed sign-ins (for the account or from the address); `until` says when the
    window that refused ends."""

    def __init__(self, message: str, until: datetime, now: datetime) -> None:
        super().__init__(message, retry_after_s=max(1, int((until - now).total_seconds())))
        self.until = until


class DbCounters(Storage):
    """`limits` storage over the `signin_counters` table, in one session, with the back
    office's clock (so a test's clock moves the windows)."""

    STORAGE_SCHEME = None

    def __init__(self, db: Session, now: datetime) -> None:
        super().__init__()
        self._db = db
        self._now = now

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return ()

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        until = self._now + timedelta(seconds=expiry)
        insert = pg_insert if self._db.get_bind().dialect.name == "postgresql" else sqlite_insert
        table = cast(Table, SignInCounter.__table__)
        statement = insert(table).values(key=key, count=amount, expires_at=until)
        expired = table.c.expires_at <= literal(self._now, UTCDateTime())
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "count": case((expired, amount), else_=table.c.count + amount),
                "expires_at": case(
                    (expired, literal(until, UTCDateTime())), else_=table.c.expires_at
                ),
            },
        )
        self._db.execute(statement)
        return self.get(key)

    def _row(self, key: str) -> SignInCounter | None:
        row = self._db.execute(
            select(SignInCounter.count, SignInCounter.expires_at).where(SignInCounter.key == key)
        ).first()
        if row is None or row.expires_at <= self._now:
            return None
        return SignInCounter(key=key, count=row.count, expires_at=row.expires_at)

    def get(self, key: str) -> int:
        row = self._row(key)
        return row.count if row is not None else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return (row.expires_at if row is not None else self._now).timestamp()

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        result = self._db.execute(delete(SignInCounter))
        return int(getattr(result, "rowcount", 0) or 0)

    def clear(self, key: str) -> None:
        self._db.execute(delete(SignInCounter).where(SignInCounter.key == key))


@dataclass(frozen=True)
class Attempt:
    username: str
    client: str
    channel: str  # "api" or "page"


class SignInGuard:
    """One per app (`app.state.signin_guard`)."""

    def __init__(
        self,
        account_limits: Sequence[RateLimitItem],
        address_limits: Sequence[RateLimitItem],
        max_hashing: int,
        shared: Storage | None = None,
    ) -> None:
        self.account_limits = list(account_limits)
        self.address_limits = list(address_limits)
        self._shared = shared
        self._hashing = threading.BoundedSemaphore(max_hashing)

    @classmethod
    def of(cls, settings: Settings) -> SignInGuard:
        shared: Storage | None = None
        if settings.signin_storage_url:
            found = storage_from_string(settings.signin_storage_url)
            if not isinstance(found, Storage):
                raise ValueError("ZHILI_SIGNIN_STORAGE_URL must name a synchronous storage")
            shared = found
        return cls(
            parse_many(settings.signin_account_limits),
            parse_many(settings.signin_address_limits),
            settings.signin_max_hashing,
            shared,
        )

    def _limiter(self, db: Session, now: datetime) -> FixedWindowRateLimiter:
        return FixedWindowRateLimiter(self._shared or DbCounters(db, now))

    @contextmanager
    def _password_check(self) -> Iterator[None]:
        if not self._hashing.acquire(timeout=HASHING_WAIT_S):
            raise Unavailable("The sign-in service is busy; try again in a few seconds.")
        try:
            yield
        finally:
            self._hashing.release()

    def _refused(
        self,
        limiter: FixedWindowRateLimiter,
        items: Sequence[RateLimitItem],
        scope: str,
        who: str,
    ) -> datetime | None:
        """When the first exhausted window of `items` for `who` ends, or None."""
        for item in items:
            if not limiter.test(item, scope, who):
                reset = limiter.get_window_stats(item, scope, who).reset_time
                return datetime.fromtimestamp(reset, UTC)
        return None

    def sign_in(self, db: Session, attempt: Attempt, password: str, now: datetime) -> Staff:
        """The staff account, once the limits allow an attempt and the password checks out.
        Raises Throttled (429), NotAuthenticated (401) or Unavailable (503); every attempt is
        audited. The caller commits even when this raises (the counters and the audit)."""
        limiter = self._limiter(db, now)
        username = attempt.username.strip()[:64]
        client = attempt.client[:64]
        until = self._refused(limiter, self.address_limits, "address", client)
        if until is not None:
            self._audit(db, attempt, now, "throttled")
            raise Throttled(
                "Too many failed sign-ins from this address; try again later.", until, now
            )
        until = self._refused(limiter, self.account_limits, "account", username)
        if until is not None:
            self._audit(db, attempt, now, "locked")
            raise Throttled(
                "Too many failed sign-ins for this username; try again later or ask an "
                "administrator to unlock it.",
                until,
                now,
            )
        try:
            with self._password_check():
                staff = authenticate(db, username, password)
        except Unavailable:
            self._audit(db, attempt, now, "busy")
            raise
        except NotAuthenticated:
            for item in self.address_limits:
                limiter.hit(item, "address", client)
            for item in self.account_limits:
                limiter.hit(item, "account", username)
            self._audit(db, attempt, now, "bad_password")
            raise
        for item in self.account_limits:
            limiter.clear(item, "account", username)
        self._audit(db, attempt, now, "ok")
        return staff

    def unlock(self, db: Session, username: str, now: datetime) -> None:
        """Forget the account's failures (an administrator's decision, audited by the caller)."""
        limiter = self._limiter(db, now)
        for item in self.account_limits:
            limiter.clear(item, "account", username)

    @staticmethod
    def _audit(db: Session, attempt: Attempt, now: datetime, outcome: str) -> None:
        db.add(
            LoginAttempt(
                username=attempt.username.strip()[:64],
                at=now,
                outcome=outcome,
                client=attempt.client[:64],
                channel=attempt.channel,
            )
        )
        db.flush()


def purge_expired_counters(db: Session, now: datetime) -> int:
    """Delete the counters whose window has ended (a scheduler job)."""
    result = db.execute(delete(SignInCounter).where(SignInCounter.expires_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)
