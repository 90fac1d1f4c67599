"""Where each person's booklet stands: the last record printed, the next page and line, and
which booklet; and each new booklet registered for a person."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.db import Base, UTCDateTime, str_enum


class BookletProgress(Base):
    __tablename__ = "medical_booklet_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    printed_through_seq: Mapped[int] = mapped_column(default=0)
    next_page: Mapped[int] = mapped_column(default=1)
    next_line: Mapped[int] = mapped_column(default=1)
    # The booklet being printed: its serial once known (registered at a counter or reported by
    # the upstream), and how many booklets this person has had here (1: the first).
    booklet_serial: Mapped[str | None] = mapped_column(String(40), default=None)
    booklet_number: Mapped[int] = mapped_column(default=1, server_default="1")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BookletSource(StrEnum):
    COUNTER = "counter"  # registered by counter staff on the ops pages
    UPSTREAM = "upstream"  # the medical-insurance system reported a new booklet


class NewBooklet(Base):
    """A new booklet started for a person: printing goes on at its page 1 with the first
    record not yet printed (`starts_after_seq`), so nothing is lost or printed twice."""

    __tablename__ = "medical_new_booklets"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), index=True)
    serial: Mapped[str] = mapped_column(String(40))
    number: Mapped[int]
    starts_after_seq: Mapped[int]
    source: Mapped[BookletSource] = mapped_column(str_enum(BookletSource))
    registered_by: Mapped[str] = mapped_column(String(100))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PrintConfirmation(Base):
    """One confirmed print (the audit of what was printed where, never the contents)."""

    __tablename__ = "medical_print_confirmations"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), index=True)
    terminal_id: Mapped[int] = mapped_column(ForeignKey("terminals.id", ondelete="CASCADE"))
    from_seq: Mapped[int]
    through_seq: Mapped[int]
    last_page: Mapped[int]
    last_line: Mapped[int]
    at: Mapped[datetime] = mapped_column(UTCDateTime())
