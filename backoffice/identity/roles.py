"""Staff roles and the kinds of bearer token."""

from __future__ import annotations

from enum import StrEnum


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
