"""API keys of third-party reporting apps, and the tokens handed back for their requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.cases.models import Case
from backoffice.db import Base, UTCDateTime


class Open311Key(Base):
    """One app's key; only its SHA-256 digest is stored (the key has 256 random bits)."""

    __tablename__ = "open311_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Open311Token(Base):
    """The token an app gets back from POST requests; tokens/{token} answers its case number."""

    __tablename__ = "open311_tokens"

    token: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("open311_keys.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    case: Mapped[Case] = relationship()


class Open311Request(Base):
    """What an app posted for a case, as GeoReport reads it back: the description as posted
    (the case's own may say more for staff), the address given, the photo link, and the
    service's attributes."""

    __tablename__ = "open311_requests"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    key_id: Mapped[int] = mapped_column(ForeignKey("open311_keys.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    address_string: Mapped[str] = mapped_column(String(500), default="")
    address_id: Mapped[str] = mapped_column(String(40), default="")
    media_url: Mapped[str] = mapped_column(String(2000), default="")
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
