"""Who is calling (a principal) and the one dependency that checks role and object."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload
from starlette.concurrency import run_in_threadpool

from backoffice.deps import DbSession, Now, session_source
from backoffice.errors import Forbidden, NotAuthenticated
from backoffice.identity.models import ApiToken, Role, TokenKind
from backoffice.identity.scope import Principal, Scoped, can_reach
from backoffice.identity.secrets import token_digest


def _principal_and_expiry(
    db: Session, token: str, now: datetime
) -> tuple[Principal, datetime | None]:
    # The staff row in the same query: every staff request needs it.
    row = db.scalars(
        select(ApiToken)
        .options(joinedload(ApiToken.staff))
        .where(ApiToken.digest == token_digest(token))
    ).first()
    if row is None or row.revoked_at is not None:
        raise NotAuthenticated("This token is unknown or was revoked; sign in or enroll again.")
    if row.expires_at is not None and row.expires_at <= now:
        raise NotAuthenticated("This token has expired; sign in again.")
    if row.kind is TokenKind.STAFF:
        staff = row.staff
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
    """Principals by token digest for `ttl`, never past the token's own expiry, so that a
    request costs no token query: a revoked token or a disabled account works that long
    (the `token_cache_s` setting). One per app, shared by the staff API and the heartbeats."""

    MAX_ENTRIES = 100_000

    def __init__(self, ttl: timedelta) -> None:
        self.ttl = ttl
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

    def forget(self, which: Callable[[Principal], bool]) -> None:
        """Drop the cached principals `which` picks (their tokens were just revoked)."""
        with self._lock:
            for digest in [d for d, (p, _) in self._entries.items() if which(p)]:
                del self._entries[digest]


def token_cache(app: FastAPI) -> TokenCache:
    """The app's token cache, made on first use."""
    cache: TokenCache | None = getattr(app.state, "tokens", None)
    if cache is None:
        cache = TokenCache(timedelta(seconds=app.state.settings.token_cache_s))
        app.state.tokens = cache
    return cache


def _look_up(app: FastAPI, cache: TokenCache, token: str, now: datetime) -> Principal:
    # A session of its own, not the request's: on SQLite a request that writes must begin
    # its transaction by taking the write lock, not with this read.
    sessions, _ = session_source(app)
    with sessions() as db:
        return cache.lookup(db, token, now)


_bearer = HTTPBearer(auto_error=False)


# async: a cached token costs neither a query nor a worker-thread hop.
async def _current_principal(
    request: Request,
    now: Now,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise NotAuthenticated("Sign in first: send the header 'Authorization: Bearer <token>'.")
    cache = token_cache(request.app)
    principal = cache.get(credentials.credentials, now)
    if principal is None:
        principal = await run_in_threadpool(
            _look_up, request.app, cache, credentials.credentials, now
        )
    return principal


def _check_role(principal: Principal, roles: frozenset[Role], kinds: frozenset[TokenKind]) -> None:
    if principal.kind is TokenKind.STAFF:
        if principal.role in roles:
            return
        allowed = ", ".join(sorted(roles)) or "none"
        raise Forbidden(
            f"Your role '{principal.role}' may not do this; it needs one of: {allowed}."
        )
    if principal.kind not in kinds:
        raise Forbidden(f"A {principal.kind} token may not do this.")


T = TypeVar("T", bound=Scoped)


def authorize(
    *roles: Role,
    units: bool = False,
    terminals: bool = False,
    load: Callable[[Session, str], T] | None = None,
    path_param: str = "ref",
) -> Any:
    """Dependency: the caller holds one of `roles` (or is an allowed unit/terminal token).

    With `load`, it also loads the object named by the path parameter and checks that
    the caller may reach it (a unit's staff reach only their unit's objects), returning it.
    """
    role_set = frozenset(roles)
    kinds = frozenset(
        k for k, ok in ((TokenKind.UNIT, units), (TokenKind.TERMINAL, terminals)) if ok
    )
    if units and Role.UNIT_STAFF not in role_set:
        role_set |= {Role.UNIT_STAFF}

    # async: a pure check runs on the event loop instead of costing a worker-thread hop.
    async def principal_dep(
        principal: Annotated[Principal, Depends(_current_principal)],
    ) -> Principal:
        _check_role(principal, role_set, kinds)
        return principal

    if load is None:
        return Depends(principal_dep)

    # Closures: FastAPI cannot resolve a local name inside a string annotation, so these
    # use default-value dependencies.
    def object_dep(
        request: Request,
        db: DbSession,
        principal: Principal = Depends(principal_dep),  # noqa: B008
    ) -> T:
        obj = load(db, request.path_params[path_param])
        if not can_reach(principal, obj):
            raise Forbidden("This belongs to another unit or terminal; you may not reach it.")
        return obj

    return Depends(object_dep)


CurrentPrincipal = Annotated[Principal, Depends(_current_principal)]
