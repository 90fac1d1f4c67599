"""A consult: asked at a kiosk, answered by staff, read back by its reference number."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.db import Base, UTCDateTime, str_enum


class ConsultKind(StrEnum):
    QUESTION = "question"
    PRECHECK = "precheck"  # 材料预审: which materials the resident has for a matter


class ConsultStatus(StrEnum):
    WAITING = "waiting"
    ANSWERED = "answered"


class Consult(Base):
    __tablename__ = "consults"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Printed on the resident's slip; random so that one slip does not reveal the next.
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    terminal_id: Mapped[int] = mapped_column(ForeignKey("terminals.id", ondelete="CASCADE"))
    visit_id: Mapped[str | None] = mapped_column(String(36))
    kind: Mapped[ConsultKind] = mapped_column(str_enum(ConsultKind))
    matter_code: Mapped[str | None] = mapped_column(String(40))
    question: Mapped[str] = mapped_column(Text)
    precheck: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    missing: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(5))
    status: Mapped[ConsultStatus] = mapped_column(str_enum(ConsultStatus), index=True)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
