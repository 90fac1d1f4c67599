"""Demo home visits: one booked for the next working morning, and one made this morning whose
outcome and rating are still to be recorded."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.homeservice import service as homeservice
from backoffice.homeservice.models import HomeVisit, Reason, RequestedBy, RequestStatus
from backoffice.homeservice.schemas import BookIn, Preferred, StaffRequestIn
from backoffice.identity.models import Staff
from backoffice.workcal import SHANGHAI

VISITOR = "demo-operator"
DESK = "demo-call-taker"


def seed_home_visits(db: Session, now: datetime) -> tuple[str, str]:
    """The references of the booked request and of the one visited this morning."""
    day = homeservice.visit_days(now, 1)[0]
    booked = homeservice.request_from_staff(
        db,
        StaffRequestIn(
            matter_code="SI-PENSION-CERT",
            requested_by=RequestedBy.RELATIVE,
            person_name="王秀英",
            requester_name="王建国",
            address="江苏路 480弄 12号 302室",
            reason=Reason.LIVES_ALONE,
            reason_note="八十六岁，独居，腿脚不便",
            preferred=[Preferred(day=day, part="morning")],
        ),
        None,
        DESK,
        now,
    )
    starts = datetime.combine(day, time(9, 30), tzinfo=SHANGHAI)
    homeservice.book(db, booked, BookIn(staff=VISITOR, starts_at=starts), DESK, now)
    # Visited an hour ago (history: written as it happened, not booked now).
    visited = homeservice.request_from_staff(
        db,
        StaffRequestIn(
            matter_code="DIS-CARE-SUBSIDY",
            requested_by=RequestedBy.GRID_WORKER,
            person_name="陈国平",
            requester_name="赵丽",
            address="愚园路 1088弄 3号 101室",
            reason=Reason.DISABILITY,
            preferred=[Preferred(day=now.astimezone(SHANGHAI).date(), part="morning")],
        ),
        None,
        DESK,
        now - timedelta(days=1),
    )
    visitor = db.scalars(select(Staff).where(Staff.username == VISITOR)).one()
    db.add(
        HomeVisit(
            request_id=visited.id,
            staff_id=visitor.id,
            # An hour ago, or at midnight if the day is younger (so it is today's).
            starts_at=max(now - timedelta(hours=1), homeservice.day_start(now)),
            booked_by=DESK,
            booked_at=now - timedelta(days=1),
            told_by="call",
            outcome_note="",
        )
    )
    visited.status = RequestStatus.BOOKED
    db.flush()
    return booked.reference, visited.reference
