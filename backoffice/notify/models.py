"""Subscriptions, the outbox, deliveries and every delivery attempt."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.access import Scope
from backoffice.db import Base, UTCDateTime, str_enum
from backoffice.units.models import ResponsibleUnit


class ChannelKind(StrEnum):
    WEBHOOK = "webhook"  # signed JSON to the unit's own system
    WECOM = "wecom"  # a WeCom (政务微信) group robot


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # gave up after the last retry; an operator may retry it
    CANCELLED = "cancelled"  # its subscription was deactivated; last_error says so


class Subscription(Base):
    """Where a unit wants its notifications: one URL, the events it wants, its secret."""

    __tablename__ = "notify_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("responsible_units.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ChannelKind] = mapped_column(str_enum(ChannelKind))
    url: Mapped[str] = mapped_column(String(500))
    # The HMAC key must be readable to sign with; it is shown to the unit once, at creation.
    secret: Mapped[str] = mapped_column(String(128))
    events: Mapped[str] = mapped_column(String(500), default="*")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Failed attempts since the last one that arrived; an alert opens at ALERT_AFTER_FAILURES.
    consecutive_failures: Mapped[int] = mapped_column(default=0, server_default="0")

    unit: Mapped[ResponsibleUnit] = relationship()

    def wants(self, event: str) -> bool:
        wanted = {e.strip() for e in self.events.split(",") if e.strip()}
        return "*" in wanted or event in wanted or f"{event.split('.')[0]}.*" in wanted

    def access_scope(self) -> Scope:
        return Scope(unit_id=self.unit_id)


class OutboxMessage(Base):
    """One notification, written in the same transaction as the change it reports."""

    __tablename__ = "notify_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(60))
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("responsible_units.id", ondelete="CASCADE"), index=True
    )
    subject: Mapped[str] = mapped_column(String(60), default="")  # e.g. the case number
    title: Mapped[str] = mapped_column(String(200))
    facts: Mapped[dict[str, str]] = mapped_column(JSON)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    unit: Mapped[ResponsibleUnit] = relationship()


class Delivery(Base):
    """One message to one subscription. Its id is the webhook-id header, stable across
    retries, so the receiver applies it once however often it arrives."""

    __tablename__ = "notify_deliveries"
    __table_args__ = (Index("ix_notify_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("notify_outbox.id", ondelete="CASCADE"), index=True
    )
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("notify_subscriptions.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[DeliveryStatus] = mapped_column(str_enum(DeliveryStatus))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(Text, default="")

    message: Mapped[OutboxMessage] = relationship()
    subscription: Mapped[Subscription] = relationship()
    attempt_log: Mapped[list[DeliveryAttempt]] = relationship(
        order_by="DeliveryAttempt.id", back_populates="delivery"
    )


class DeliveryAttempt(Base):
    """Each try: when, what came back, how long it took."""

    __tablename__ = "notify_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[str] = mapped_column(
        ForeignKey("notify_deliveries.id", ondelete="CASCADE"), index=True
    )
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status_code: Mapped[int | None] = mapped_column()
    error: Mapped[str] = mapped_column(Text, default="")
    duration_ms: Mapped[int] = mapped_column(default=0)

    delivery: Mapped[Delivery] = relationship(back_populates="attempt_log")


class DeliveryAlert(Base):
    """A subscription whose endpoint keeps failing: opened by the delivery job, closed by the
    next delivery that arrives there; shown on the ops page of failed deliveries."""

    __tablename__ = "notify_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("notify_subscriptions.id", ondelete="CASCADE"), index=True
    )
    message: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    subscription: Mapped[Subscription] = relationship()
