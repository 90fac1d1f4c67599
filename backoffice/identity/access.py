"""Who is calling (a principal) and the one dependency that checks role and object."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from backoffice.deps import DbSession, Now
from backoffice.errors import Forbidden, NotAuthenticated
from backoffice.identity.models import ApiToken, Role, TokenKind
from backoffice.identity.scope import Principal, Scoped, can_reach
from backoffice.identity.secrets import token_digest


def principal_for_token(db: Session, token: str, now: datetime) -> Principal:
    """The principal a bearer token stands for; 401 if unknown, revoked or expired."""
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
        return Principal(
            kind=TokenKind.STAFF,
            name=staff.username,
            role=staff.role,
            staff_id=staff.id,
            unit_id=staff.unit_id if staff.role == Role.UNIT_STAFF else None,
        )
    if row.kind is TokenKind.UNIT:
        return Principal(kind=TokenKind.UNIT, name=row.label, unit_id=row.unit_id)
    return Principal(kind=TokenKind.TERMINAL, name=row.label, terminal_id=row.terminal_id)


_bearer = HTTPBearer(auto_error=False)


def _current_principal(
    db: DbSession,
    now: Now,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise NotAuthenticated("Sign in first: send the header 'Authorization: Bearer <token>'.")
    return principal_for_token(db, credentials.credentials, now)


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
