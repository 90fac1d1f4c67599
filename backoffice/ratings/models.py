"""Ratings, one per visit, and the rectification each bad rating opens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.access import Scope
from backoffice.db import Base, UTCDateTime, str_enum


class RatingChannel(StrEnum):
    """Where the service was rated: at a self-service kiosk, on a rating pad at a counter (a
    kiosk in counter mode), or after a home visit."""

    KIOSK = "kiosk"
    COUNTER = "counter"
    HOME_VISIT = "home_visit"


class Rating(Base):
    __tablename__ = "ratings"
    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 5", name="level_1_to_5"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[RatingChannel] = mapped_column(
        str_enum(RatingChannel), default=RatingChannel.KIOSK, index=True
    )
    # A kiosk or counter rating belongs to a visit at a terminal; a home visit's has neither.
    visit_id: Mapped[str | None] = mapped_column(ForeignKey("visits.id"), unique=True)
    terminal_id: Mapped[int | None] = mapped_column(ForeignKey("terminals.id"), index=True)
    terminal_kind: Mapped[str | None] = mapped_column(String(20))  # as it was when rated
    # The counter (窗口) and the member of staff who served, for counter and home-visit ratings.
    counter: Mapped[str | None] = mapped_column(String(40))
    staff_code: Mapped[str | None] = mapped_column(String(40), index=True)
    staff_name: Mapped[str | None] = mapped_column(String(64))
    matter_code: Mapped[str] = mapped_column(String(40), index=True)
    level: Mapped[int]
    indicators: Mapped[dict[str, int]] = mapped_column(JSON)
    reasons: Mapped[list[str]] = mapped_column(JSON)
    comment: Mapped[str] = mapped_column(Text, default="")
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    # An upheld appeal takes a mistaken or malicious rating out of the satisfaction rate.
    excluded: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class RectificationStatus(StrEnum):
    OPEN = "open"  # 整改中
    CALLED_BACK = "called_back"  # 已回访
    APPEALED = "appealed"  # 申诉中
    EXCLUDED = "excluded"  # 申诉成立, rating excluded
    CLOSED = "closed"  # 整改完成


class Rectification(Base):
    """差评整改: the case filed for a bad rating, its deadline, callback, appeal and outcome."""

    __tablename__ = "rating_rectifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id"), unique=True)
    # The case lives in the cases module; its id and number are kept, not a foreign key, so
    # the two domains migrate independently.
    case_id: Mapped[int]
    case_number: Mapped[str] = mapped_column(String(40))
    unit_id: Mapped[int] = mapped_column(ForeignKey("responsible_units.id"), index=True)
    status: Mapped[RectificationStatus] = mapped_column(str_enum(RectificationStatus))
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    callback_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    callback_by: Mapped[str | None] = mapped_column(String(64))
    callback_note: Mapped[str | None] = mapped_column(Text)
    resident_satisfied: Mapped[bool | None]
    appeal_reason: Mapped[str | None] = mapped_column(Text)
    appeal_by: Mapped[str | None] = mapped_column(String(64))
    appeal_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    appeal_decision: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    outcome: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_on_time: Mapped[bool | None]
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def access_scope(self) -> Scope:
        return Scope(unit_id=self.unit_id)
