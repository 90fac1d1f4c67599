"""What a case tells its units, written to the notifications outbox in the same transaction as
the change: the transitions a unit must hear of (a transition listener) and the time-limit
reminders and breaches (`cases.sla`). The notify domain only stores and delivers them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from backoffice.cases.models import Case, CaseEvent
from backoffice.cases.states import CaseAction
from backoffice.notify.service import Notice, enqueue
from backoffice.workcal import SHANGHAI

A = CaseAction
# action -> (event name, title prefix shown to people)
NOTIFIED: dict[str, tuple[str, str]] = {
    A.DISPATCH.value: ("case.dispatched", "新案件派遣"),
    A.RETURN.value: ("case.returned", "核查未通过, 请重新处置"),
    A.APPROVE_EXTENSION.value: ("case.extension_approved", "延时申请已批准"),
    A.REJECT_EXTENSION.value: ("case.extension_rejected", "延时申请未批准"),
    A.ESCALATE.value: ("case.escalated", "案件督办"),
    A.HOLD.value: ("case.held", "案件挂账"),
    A.VOID.value: ("case.voided", "案件作废"),
    A.RESOLVE.value: ("case.resolved", "案件自动结案"),
}
REMINDER = ("case.reminder", "时限提醒")
OVERDUE = ("case.overdue", "案件超时")


def facts(case: Case, reason: str = "") -> dict[str, str]:
    """The lines people read (a WeCom message, the webhook's facts)."""
    due = case.due_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if case.due_at else "-"
    rows = {
        "案件编号": case.number,
        "类型": case.type.name_zh,
        "地点": " ".join(p.name_zh for p in (case.road, case.place) if p is not None) or "-",
        "时限": f"{case.time_limit_h:g} {'工作小时' if case.working_hours else '小时'}",
        "截止": due,
        # What is wrong, so the message alone tells the unit what to bring.
        "情况": _shorten(case.description, 200),
    }
    if reason:
        rows["原因"] = reason
    return rows


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def data(case: Case, event: CaseEvent | None = None) -> dict[str, object]:
    """What a unit's system reads: the case as it stands, and the change when there was one."""
    out: dict[str, object] = {
        "case_number": case.number,
        "type_code": case.type.code,
        "state": case.state.value,
        "due_at": case.due_at.isoformat() if case.due_at else None,
        "time_limit_h": case.time_limit_h,
        "working_hours": case.working_hours,
        "unit": case.unit.code if case.unit else None,
        "supervisor_unit": case.supervisor_unit.code if case.supervisor_unit else None,
        "escalation_level": case.escalation_level,
        "lon": case.lon,
        "lat": case.lat,
    }
    if event is not None:
        out |= {
            "action": event.action,
            "state": event.to_state.value,
            "actor": event.actor,
            "reason": event.reason,
            "at": event.at.isoformat(),
        }
    return out


def tell(
    db: Session,
    case: Case,
    unit_id: int,
    kind: tuple[str, str],
    now: datetime,
    event: CaseEvent | None = None,
) -> None:
    """Put one notice about the case in the outbox for the unit."""
    name, title = kind
    enqueue(
        db,
        Notice(
            event=name,
            unit_id=unit_id,
            subject=case.number,
            title=f"{title}: {case.number}",
            facts=facts(case, event.reason if event is not None else ""),
            data=data(case, event),
        ),
        now,
    )


def on_transition(db: Session, case: Case, event: CaseEvent) -> None:
    """Transition listener: the responsible unit hears of what it must act on; an escalation
    also reaches the supervising unit."""
    kind = NOTIFIED.get(event.action)
    if kind is None:
        return
    units = [case.unit_id]
    if event.action == A.ESCALATE.value:
        units.append(case.supervisor_unit_id)
    for unit_id in dict.fromkeys(u for u in units if u is not None):
        tell(db, case, unit_id, kind, event.at, event)
