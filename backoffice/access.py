"""Who is calling and what they may reach: roles, principals, scopes, and the dependencies every
router uses (`authorize`, `CurrentPrincipal`, `CurrentTerminal`).

How a bearer token becomes a principal is the identity domain's business (`identity.tokens`);
the assembly point puts its token cache on the app (`app.state.tokens`), so this module, like
every router, depends on no domain.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import Depends, FastAPI, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from backoffice.deps import DbSession, Now, session_source
from backoffice.errors import Forbidden, NotAuthenticated


class Role(StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"
    CALL_TAKER = "call_taker"
    DISPATCHER = "dispatcher"
    SHIFT_LEADER = "shift_leader"
    INSPECTOR = "inspector"
    TERMINAL_MANAGER = "terminal_manager"
    UNIT_STAFF = "unit_staff"
    VIEWER = "viewer"


class TokenKind(StrEnum):
    STAFF = "staff"
    UNIT = "unit"
    TERMINAL = "terminal"


# Roles that work across the whole subdistrict; every other principal is scoped.
SUBDISTRICT_ROLES = frozenset(Role) - {Role.UNIT_STAFF}


@dataclass(frozen=True)
class Principal:
    kind: TokenKind
    name: str
    role: Role | None = None
    staff_id: int | None = None
    unit_id: int | None = None
    terminal_id: int | None = None

    @property
    def is_subdistrict_staff(self) -> bool:
        return self.kind is TokenKind.STAFF and self.role in SUBDISTRICT_ROLES


@dataclass(frozen=True)
class Scope:
    """Whose object this is: the responsible unit and/or terminal it belongs to."""

    unit_id: int | None = None
    terminal_id: int | None = None


class Scoped(Protocol):
    def access_scope(self) -> Scope: ...


def can_reach(principal: Principal, obj: Scoped) -> bool:
    if principal.is_subdistrict_staff:
        return True
    scope = obj.access_scope()
    if principal.unit_id is not None and scope.unit_id == principal.unit_id:
        return True
    return principal.terminal_id is not None and scope.terminal_id == principal.terminal_id


class Principals(Protocol):
    """Where bearer tokens are looked up (identity's token cache, on `app.state.tokens`)."""

    def get(self, token: str, now: datetime) -> Principal | None:
        """The cached principal of a token, or None (then `lookup` asks the database)."""
        ...

    def lookup(self, db: Session, token: str, now: datetime) -> Principal:
        """The principal of a token from the database; 401 if unknown, revoked or expired."""
        ...


def principals_of(app: FastAPI) -> Principals:
    principals: Principals = app.state.tokens
    return principals


def _look_up(app: FastAPI, token: str, now: datetime) -> Principal:
    # A session of its own, not the request's: on SQLite a request that writes must begin
    # its transaction by taking the write lock, not with this read.
    sessions, _ = session_source(app)
    with sessions() as db:
        return principals_of(app).lookup(db, token, now)


_bearer = HTTPBearer(auto_error=False)


# async: a cached token costs neither a query nor a worker-thread hop.
async def _current_principal(
    request: Request,
    now: Now,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise NotAuthenticated("Sign in first: send the header 'Authorization: Bearer <token>'.")
    principal = principals_of(request.app).get(credentials.credentials, now)
    if principal is None:
        principal = await run_in_threadpool(_look_up, request.app, credentials.credentials, now)
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

    def object_dep(db: Session, principal: Principal, **path: str) -> T:
        obj = load(db, path[path_param])
        if not can_reach(principal, obj):
            raise Forbidden("This belongs to another unit or terminal; you may not reach it.")
        return obj

    # The signature FastAPI reads: the path parameter is declared (so the API document names
    # it) under the name the route's path uses, which is only known here.
    object_dep.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("db", inspect.Parameter.KEYWORD_ONLY, annotation=DbSession),
            inspect.Parameter(
                "principal",
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Principal,
                default=Depends(principal_dep),
            ),
            inspect.Parameter(
                path_param, inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[str, Path()]
            ),
        ],
        return_annotation=Any,
    )
    return Depends(object_dep)


async def _current_terminal(
    principal: Annotated[Principal, authorize(terminals=True)],
) -> int:
    if principal.terminal_id is None:  # a terminal token always names its terminal
        raise Forbidden("Only a terminal does this, with its own token.")
    return principal.terminal_id


CurrentPrincipal = Annotated[Principal, Depends(_current_principal)]
# The id of the calling terminal: only an enrolled terminal's own token passes.
CurrentTerminal = Annotated[int, Depends(_current_terminal)]
