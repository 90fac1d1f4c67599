"""A contact kept for a callback, and the audit of every attempt to read it in full."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.db import Base, UTCDateTime


class Contact(Base):
    """A phone number (and optional name) of a caller or rater, for one owner (a call's case, a
    rating, ...). The number is kept encrypted (AES-GCM under the contact key named by
    `key_id`) until it is erased; the keyed digest and the masked form stay for the record."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("owner_kind", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_kind: Mapped[str] = mapped_column(String(20))
    owner_id: Mapped[str] = mapped_column(String(64))
    # The case whose closing starts the retention clock; kept as an id, not a foreign key, so
    # the two domains migrate independently.
    case_id: Mapped[int | None] = mapped_column(index=True)
    phone_digest: Mapped[str] = mapped_column(String(64), index=True)
    phone_masked: Mapped[str] = mapped_column(String(20))
    name_masked: Mapped[str] = mapped_column(String(20), default="")
    # nonce (12 bytes) + AES-GCM ciphertext of {"phone", "name"}; None once erased.
    ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    key_id: Mapped[int | None]
    # When the person agreed to be called back (the kiosk asks before taking a number).
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    taken_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ContactReveal(Base):
    """One attempt to read a contact in full: who, in which role, when, why, and whether the
    role allowed it."""

    __tablename__ = "contact_reveals"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    by_user: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    allowed: Mapped[bool]
    at: Mapped[datetime] = mapped_column(UTCDateTime())
