"""Which case transitions notify which unit: a lifecycle listener writing to the outbox."""

from __future__ import annotations

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
}


def facts(case: Case, event: CaseEvent) -> dict[str, str]:
    due = case.due_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if case.due_at else "-"
    rows = {
        "案件编号": case.number,
        "类型": case.type.name_zh,
        "地点": " ".join(p.name_zh for p in (case.road, case.place) if p is not None) or "-",
        "截止": due,
    }
    if event.reason:
        rows["原因"] = event.reason
    return rows


def data(case: Case, event: CaseEvent) -> dict[str, object]:
    return {
        "case_number": case.number,
        "type_code": case.type.code,
        "action": event.action,
        "state": event.to_state.value,
        "actor": event.actor,
        "reason": event.reason,
        "at": event.at.isoformat(),
        "due_at": case.due_at.isoformat() if case.due_at else None,
        "unit": case.unit.code if case.unit else None,
        "supervisor_unit": case.supervisor_unit.code if case.supervisor_unit else None,
        "escalation_level": case.escalation_level,
        "lon": case.lon,
        "lat": case.lat,
    }


def on_transition(db: Session, case: Case, event: CaseEvent) -> None:
    spec = NOTIFIED.get(event.action)
    if spec is None:
        return
    name, title = spec
    units = [case.unit_id]
    if event.action == A.ESCALATE.value:
        units.append(case.supervisor_unit_id)  # the supervising unit hears of it too
    for unit_id in dict.fromkeys(u for u in units if u is not None):
        enqueue(
            db,
            Notice(
                event=name,
                unit_id=unit_id,
                subject=case.number,
                title=f"{title}: {case.number}",
                facts=facts(case, event),
                data=data(case, event),
            ),
            event.at,
        )
