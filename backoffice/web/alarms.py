"""The AI-patrol alarm's escalation: an alarm left unacknowledged past the configured time
goes to the shift leader (marked on their pages, and the subdistrict's ops centre unit is
notified). The scheduler runs `escalate_alarms` every minute."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from backoffice.notify import service as notify
from backoffice.units.models import ResponsibleUnit
from backoffice.web import queries
from backoffice.web.models import AlarmEscalation

log = logging.getLogger(__name__)

EVENT = "alarm.escalated"
OPS_CENTRE_KIND = "subdistrict_platform"
# Escalations written per run; an old backlog is worked off over a few runs.
BATCH = 200


def is_escalated(case: Case, now: datetime, after: timedelta) -> bool:
    return now - case.reported_at >= after


def escalate_alarms(db: Session, now: datetime, *, after: timedelta) -> int:
    """Escalate, once each, the unacknowledged alarms older than `after`; returns how many."""
    done = {row for row in db.scalars(select(AlarmEscalation.case_id))}
    due = [
        case
        for case in queries.unacknowledged_alarms(db, now, limit=BATCH + len(done))
        if case.id not in done and is_escalated(case, now, after)
    ][:BATCH]
    if not due:
        return 0
    ops_centre = db.scalars(
        select(ResponsibleUnit)
        .where(ResponsibleUnit.kind == OPS_CENTRE_KIND)
        .order_by(ResponsibleUnit.id)
    ).first()
    for case in due:
        minutes = int((now - case.reported_at).total_seconds() // 60)
        db.add(
            AlarmEscalation(
                case_id=case.id, at=now, notified_unit_id=ops_centre.id if ops_centre else None
            )
        )
        if ops_centre is not None:
            notify.enqueue(
                db,
                notify.Notice(
                    event=EVENT,
                    unit_id=ops_centre.id,
                    title=f"AI巡屏报警 {case.number} 已 {minutes} 分钟无人确认，升级至值班长",
                    subject=case.number,
                    facts={
                        "案件": case.number,
                        "类型": case.type.name_zh,
                        "未确认": f"{minutes} 分钟",
                    },
                    data={"case_number": case.number, "unacknowledged_min": minutes},
                ),
                now,
            )
        log.info("alarm of case %s escalated after %d min unacknowledged", case.number, minutes)
    db.flush()
    return len(due)
