"""A home-service request (who, which matter, where, why they cannot come, when suits them) and
the visits booked for it, each with its staff member, its outcome and its rating."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.db import Base, UTCDateTime, str_enum


class RequestedBy(StrEnum):
    """Who asked for the visit."""

    PERSON = "person"  # the resident, identified at a kiosk or calling in
    RELATIVE = "relative"  # a relative, at the kiosk (identified by their own card) or by phone
    GRID_WORKER = "grid_worker"  # 网格员, who met the resident on the round
    CALL_TAKER = "call_taker"  # the hotline's call-taker, from a call


class Reason(StrEnum):
    """Why the resident cannot come to the centre."""

    LIVES_ALONE = "lives_alone"  # 独居老人
    DISABILITY = "disability"  # 残疾
    ILLNESS = "illness"  # 患病卧床
    OTHER = "other"


class DayPart(StrEnum):
    MORNING = "morning"  # 09:00-12:00
    AFTERNOON = "afternoon"  # 13:30-17:00


class RequestStatus(StrEnum):
    REQUESTED = "requested"  # waiting for a visit to be booked
    BOOKED = "booked"
    DONE = "done"
    NEEDS_DOCUMENTS = "needs_documents"  # visited; another visit once the papers are there
    NOT_POSSIBLE = "not_possible"  # cannot be done at home (why is on the visit)
    CANCELLED = "cancelled"


class VisitOutcome(StrEnum):
    DONE = "done"
    NEEDS_DOCUMENTS = "needs_documents"
    NOT_POSSIBLE = "not_possible"


class HomeServiceRequest(Base):
    __tablename__ = "home_service_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    # On the kiosk's slip and read out on the phone; random, so one does not reveal the next.
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    matter_code: Mapped[str] = mapped_column(String(40))
    # The resident, masked as the rest of the back office shows a person; the keyed hash of the
    # ID number finds their requests again (a kiosk identification), never the number itself.
    person_masked_name: Mapped[str] = mapped_column(String(40), default="")
    person_masked_id: Mapped[str | None] = mapped_column(String(24))
    person_id_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(Text)
    reason: Mapped[Reason] = mapped_column(str_enum(Reason))
    reason_note: Mapped[str] = mapped_column(Text, default="")
    # [{"day": "2026-12-08", "part": "morning"}, ...] in the resident's order of preference.
    preferred: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    requested_by: Mapped[RequestedBy] = mapped_column(str_enum(RequestedBy))
    requester_masked_name: Mapped[str] = mapped_column(String(40), default="")
    requester_id_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    # The kiosk it came from, or the member of staff who took it.
    terminal_id: Mapped[int | None] = mapped_column(ForeignKey("terminals.id"))
    taken_by: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(5), default="zh")
    status: Mapped[RequestStatus] = mapped_column(str_enum(RequestStatus), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class HomeVisit(Base):
    """One booked visit: the staff member, when, and what came of it."""

    __tablename__ = "home_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("home_service_requests.id", ondelete="CASCADE"), index=True
    )
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    booked_by: Mapped[str] = mapped_column(String(64))
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # How the requester was told the time: "slip" (printed at the kiosk), "sms", or "call"
    # (no text-message adapter: staff phone them).
    told_by: Mapped[str] = mapped_column(String(10), default="call")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[VisitOutcome | None] = mapped_column(str_enum(VisitOutcome))
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome_by: Mapped[str | None] = mapped_column(String(64))
    # The resident's rating of the visit lives with every other rating (backoffice.ratings).
    rating_id: Mapped[int | None] = mapped_column(ForeignKey("ratings.id"), unique=True)
