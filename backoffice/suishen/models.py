"""An identification: who a terminal identified, by which proof, for a few minutes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.access import Scope
from backoffice.db import Base, UTCDateTime, str_enum


class Proof(StrEnum):
    CARD = "card"  # a social security card read at the terminal
    SUISHEN = "suishen"  # a verified Suishen code
    # A resident ID card read at the terminal: the card cannot prove the read (its reader's
    # security module answers only the reader), so it rests on the terminal's token alone.
    ID_CARD = "id_card"


class Identification(Base):
    """Bound to the terminal that made it; the token is stored as a digest."""

    __tablename__ = "identifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    terminal_id: Mapped[int] = mapped_column(ForeignKey("terminals.id", ondelete="CASCADE"))
    proof: Mapped[Proof] = mapped_column(str_enum(Proof))
    # Keyed hash (HMAC-SHA256 with the secret key) of the ID number; never the number itself.
    id_hash: Mapped[str] = mapped_column(String(64), index=True)
    masked_id: Mapped[str | None] = mapped_column(String(18))
    masked_name: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def access_scope(self) -> Scope:
        return Scope(terminal_id=self.terminal_id)


class CardChallenge(Base):
    """A one-time challenge for a card's internal authentication, bound to the terminal that
    asked for it and answered within a short time; `used_at` is set by its first answer."""

    __tablename__ = "card_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge: Mapped[str] = mapped_column(String(32), unique=True)  # hex
    terminal_id: Mapped[int] = mapped_column(ForeignKey("terminals.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class UsedSuishenCode(Base):
    """A Suishen code already used to identify someone (its SHA-256): refused a second time."""

    __tablename__ = "suishen_used_codes"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    terminal_id: Mapped[int] = mapped_column(ForeignKey("terminals.id", ondelete="CASCADE"))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Kept until the code could no longer be accepted anyway.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
