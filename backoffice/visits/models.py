"""A visit as the kiosk reports it when it ends."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.access import Scope
from backoffice.db import Base, UTCDateTime, str_enum


class VisitOutcome(StrEnum):
    FINISHED = "finished"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"
    CARD_REMOVED = "card_removed"


class Visit(Base):
    __tablename__ = "visits"

    # A UUID made on the kiosk, so a visit reported twice (outbox retry) is the same visit.
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    terminal_id: Mapped[int] = mapped_column(
        ForeignKey("terminals.id", ondelete="CASCADE"), index=True
    )
    outcome: Mapped[VisitOutcome] = mapped_column(str_enum(VisitOutcome))
    matters: Mapped[list[str]] = mapped_column(JSON)
    duration_s: Mapped[float]
    language: Mapped[str] = mapped_column(String(5))
    elder_mode: Mapped[bool]
    identified_by: Mapped[str | None] = mapped_column(String(10))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)

    def access_scope(self) -> Scope:
        return Scope(terminal_id=self.terminal_id)
