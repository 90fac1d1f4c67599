"""Where each person's booklet stands: the last record printed and the next page and line."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.db import Base, UTCDateTime


class BookletProgress(Base):
    __tablename__ = "medical_booklet_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    printed_through_seq: Mapped[int] = mapped_column(default=0)
    next_page: Mapped[int] = mapped_column(default=1)
    next_line: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


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
