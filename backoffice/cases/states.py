"""Case states, actions, sources and priorities (the vocabulary of the lifecycle)."""

from __future__ import annotations

from enum import StrEnum


class CaseSource(StrEnum):
    AI_PATROL = "ai_patrol"
    INSPECTOR = "inspector"
    KIOSK = "kiosk"
    HOTLINE = "hotline"
    POLICE_110 = "police_110"
    OPEN311 = "open311"
    RATING = "rating"
    FLEET = "fleet"  # a terminal's heartbeat: a device fault, or the terminal gone silent


class CaseState(StrEnum):
    REPORTED = "reported"
    FILED = "filed"
    DISPATCHED = "dispatched"
    HANDLING = "handling"
    HANDLED = "handled"
    VERIFIED = "verified"
    CLOSED = "closed"
    HELD = "held"
    VOIDED = "voided"


OPEN_STATES = frozenset(CaseState) - {CaseState.CLOSED, CaseState.VOIDED}
# The time limit runs while the unit has the case and has not reported it handled.
RUNNING_STATES = frozenset({CaseState.DISPATCHED, CaseState.HANDLING})


class CaseAction(StrEnum):
    FILE = "file"
    DISPATCH = "dispatch"
    ACCEPT = "accept"
    SEND_BACK = "send_back"
    REPORT_HANDLED = "report_handled"
    REQUEST_EXTENSION = "request_extension"
    APPROVE_EXTENSION = "approve_extension"
    REJECT_EXTENSION = "reject_extension"
    VERIFY = "verify"
    RETURN = "return"
    CLOSE = "close"
    HOLD = "hold"
    RESUME = "resume"
    VOID = "void"
    ESCALATE = "escalate"
    REOPEN = "reopen"
    # The system closes a case whose cause went away (a kiosk's device well again); no person
    # or unit takes it.
    RESOLVE = "resolve"


class CasePriority(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"
