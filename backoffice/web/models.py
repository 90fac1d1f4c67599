"""Page sessions, the login audit and alarm acknowledgements of the ops-centre pages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.db import Base, UTCDateTime
from backoffice.identity.models import LoginAttempt, Staff

# The login audit is identity's (the API and the pages share it); re-exported for the pages.
__all__ = [
    "AlarmAck",
    "CallerContact",
    "LoginAttempt",
    "PoliceCall",
    "PoliceFeedback",
    "WebSession",
]


class WebSession(Base):
    """A signed-in browser. The cookie holds a random id; only its SHA-256 digest is stored."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # One message shown on the next page (the outcome of the last form).
    flash: Mapped[str | None] = mapped_column(String(500))
    flash_ok: Mapped[bool] = mapped_column(default=True)

    staff: Mapped[Staff] = relationship()


class AlarmAck(Base):
    """An operator acknowledged the alarm an AI-patrol case raised on the dashboard."""

    __tablename__ = "web_alarm_acks"

    case_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    acknowledged_by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class AlarmEscalation(Base):
    """An AI-patrol alarm that rang past the configured time unacknowledged went to the shift
    leader (web.alarms.escalate_alarms); one row per case, so it is escalated once."""

    __tablename__ = "web_alarm_escalations"

    case_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The unit told (the subdistrict's ops centre), when the subdistrict has one.
    notified_unit_id: Mapped[int | None] = mapped_column(ForeignKey("responsible_units.id"))


class CallerContact(Base):
    """The contact of a hotline or 110 caller: a keyed hash to find repeat callers, and a masked
    form for staff to read. The full number is kept only in the encrypted contact
    (`backoffice.contacts`, `contact_id`) for the callback, until it is erased."""

    __tablename__ = "web_caller_contacts"

    case_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    phone_digest: Mapped[str] = mapped_column(String(64), index=True)
    phone_masked: Mapped[str] = mapped_column(String(20))
    name_masked: Mapped[str] = mapped_column(String(20), default="")
    taken_by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    # None for calls taken before numbers were kept for callbacks.
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))


class PoliceCall(Base):
    """A non-police 110 call passed to the ops centre: the 110 centre's incident number (接警单号),
    so what was done can be reported back to it."""

    __tablename__ = "web_police_calls"

    case_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    incident_number: Mapped[str] = mapped_column(String(40), index=True)
    taken_by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class PoliceFeedback(Base):
    """反馈: what was done about a 110 call, recorded for the 110 centre."""

    __tablename__ = "web_police_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(index=True)
    incident_number: Mapped[str] = mapped_column(String(40))
    case_state: Mapped[str] = mapped_column(String(20))  # the case's state when reported
    text: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
