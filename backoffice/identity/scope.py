"""Principals (who is calling) and scopes (whose object it is): no database access here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from backoffice.identity.roles import Role, TokenKind

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
