"""Write notifications to the outbox (inside the caller's transaction) and manage subscriptions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backoffice import refcache
from backoffice.errors import BadInput, NotFound
from backoffice.notify.formats import new_secret
from backoffice.notify.models import (
    ChannelKind,
    Delivery,
    DeliveryAlert,
    DeliveryStatus,
    OutboxMessage,
    Subscription,
)
from backoffice.units.models import ResponsibleUnit


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff: first retry after `base`, doubling, never longer than `cap`."""

    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=1)
    max_attempts: int = 10

    def delay(self, attempts_so_far: int) -> timedelta:
        return min(self.base * (2 ** max(attempts_so_far - 1, 0)), self.cap)


DEFAULT_RETRY = RetryPolicy()
CANCELLED_REASON = "cancelled: the subscription was deactivated"


@dataclass(frozen=True)
class Notice:
    """What a domain asks to tell a unit: a title and facts for people, data for machines."""

    event: str
    unit_id: int
    title: str
    subject: str = ""
    facts: dict[str, str] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)


def _wants(wanted: frozenset[str], event: str) -> bool:
    # The same test as Subscription.wants, on the cached set of event names.
    return "*" in wanted or event in wanted or f"{event.split('.')[0]}.*" in wanted


def _active_subscriptions(db: Session) -> dict[int, tuple[tuple[int, frozenset[str]], ...]]:
    """unit id -> (subscription id, events it wants) of every active subscription."""
    per_unit: dict[int, list[tuple[int, frozenset[str]]]] = {}
    rows = db.execute(
        select(Subscription.id, Subscription.unit_id, Subscription.events)
        .where(Subscription.active.is_(True))
        .order_by(Subscription.id)
    )
    for sub_id, unit_id, events in rows:
        wanted = frozenset(e.strip() for e in events.split(",") if e.strip())
        per_unit.setdefault(unit_id, []).append((sub_id, wanted))
    return {unit_id: tuple(subs) for unit_id, subs in per_unit.items()}


def enqueue(db: Session, notice: Notice, now: datetime) -> OutboxMessage:
    """Add the notice to the outbox with one pending delivery per matching subscription.

    Does not flush: the caller's next flush writes the message and its deliveries with the
    change, and the caller's commit makes them durable together.
    """
    message = OutboxMessage(
        event=notice.event,
        unit_id=notice.unit_id,
        subject=notice.subject,
        title=notice.title,
        facts=dict(notice.facts),
        data=dict(notice.data),
        created_at=now,
    )
    db.add(message)
    # Subscriptions change rarely and are read on every dispatch: cached with the unit and
    # rule reference data, whose version token every write of a subscription renews.
    subscriptions = refcache.cached(db, "notify.subscriptions", "rules", _active_subscriptions)
    for sub_id, wanted in subscriptions.get(notice.unit_id, ()):
        if _wants(wanted, notice.event):
            db.add(
                Delivery(
                    id=str(uuid.uuid4()),
                    message=message,
                    subscription_id=sub_id,
                    status=DeliveryStatus.PENDING,
                    attempts=0,
                    next_attempt_at=now,
                )
            )
    return message


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise BadInput(f"'{url}' is not an http(s) URL; give the full address, e.g. https://…")
    return url


def create_subscription(
    db: Session,
    unit: ResponsibleUnit,
    *,
    kind: ChannelKind,
    url: str,
    events: list[str],
    now: datetime,
) -> Subscription:
    cleaned = sorted({e.strip() for e in events if e.strip()}) or ["*"]
    sub = Subscription(
        unit_id=unit.id,
        kind=kind,
        url=_check_url(url),
        secret=new_secret(),
        events=",".join(cleaned),
        active=True,
        created_at=now,
    )
    db.add(sub)
    db.flush()
    return sub


def get_subscription(db: Session, ref: str) -> Subscription:
    sub = db.get(Subscription, int(ref)) if ref.isdigit() else None
    if sub is None:
        raise NotFound(f"No notification subscription has the id '{ref}'.")
    return sub


def unit_subscriptions(db: Session, unit: ResponsibleUnit) -> list[Subscription]:
    return list(
        db.scalars(select(Subscription).where(Subscription.unit_id == unit.id).order_by("id"))
    )


def get_delivery(db: Session, delivery_id: str) -> Delivery:
    delivery = db.get(Delivery, delivery_id)
    if delivery is None:
        raise NotFound(f"No delivery has the id '{delivery_id}'.")
    return delivery


def retry_delivery(db: Session, delivery: Delivery, now: datetime) -> Delivery:
    """Put a delivery that gave up back in the queue, due now (its id stays the same)."""
    if delivery.status is DeliveryStatus.DELIVERED:
        raise BadInput("This delivery arrived already; there is nothing to retry.")
    if not delivery.subscription.active:
        raise BadInput(
            "This delivery's subscription was deactivated; subscribe the unit again to send it "
            "new notifications."
        )
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = now
    db.flush()
    return delivery


def deactivate_subscription(db: Session, sub: Subscription, now: datetime) -> Subscription:
    """Stop sending to this address: its pending deliveries are cancelled, saying why; what was
    sent stays in the log."""
    sub.active = False
    db.execute(
        update(Delivery)
        .where(Delivery.subscription_id == sub.id, Delivery.status == DeliveryStatus.PENDING)
        .values(
            status=DeliveryStatus.CANCELLED,
            last_error=CANCELLED_REASON,
            next_attempt_at=now,
        )
        .execution_options(synchronize_session="fetch")
    )
    db.flush()
    return sub


def failed_deliveries(db: Session, limit: int = 200) -> list[Delivery]:
    """Deliveries that gave up, newest message first, for the ops page."""
    return list(
        db.scalars(
            select(Delivery)
            .where(Delivery.status == DeliveryStatus.FAILED)
            .order_by(Delivery.message_id.desc())
            .limit(limit)
        )
    )


def open_alerts(db: Session) -> list[DeliveryAlert]:
    """Subscriptions whose endpoint keeps failing, oldest alert first."""
    return list(
        db.scalars(
            select(DeliveryAlert)
            .where(DeliveryAlert.closed_at.is_(None))
            .order_by(DeliveryAlert.opened_at, DeliveryAlert.id)
        )
    )


def retry_failed_of(db: Session, sub: Subscription, now: datetime) -> int:
    """Queue every delivery of this subscription that gave up again, due now."""
    failed = list(
        db.scalars(
            select(Delivery).where(
                Delivery.subscription_id == sub.id, Delivery.status == DeliveryStatus.FAILED
            )
        )
    )
    for delivery in failed:
        retry_delivery(db, delivery, now)
    return len(failed)
