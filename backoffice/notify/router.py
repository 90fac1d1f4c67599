"""Notification API: a unit's subscriptions, and the delivery log with manual retry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from backoffice.access import Principal, Role, authorize, can_reach
from backoffice.deps import DbSession, Now
from backoffice.errors import Forbidden
from backoffice.notify import service
from backoffice.notify.models import Delivery, DeliveryStatus, OutboxMessage, Subscription
from backoffice.notify.schemas import (
    AttemptOut,
    DeliveryOut,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionOut,
)
from backoffice.units.models import ResponsibleUnit
from backoffice.units.service import get_unit

router = APIRouter(prefix="/api/v1/notify", tags=["notify"])

MANAGERS = (Role.ADMIN, Role.OPERATOR)
UnitInScope = Annotated[
    ResponsibleUnit, authorize(*MANAGERS, units=True, load=get_unit, path_param="unit_code")
]
SubscriptionInScope = Annotated[
    Subscription, authorize(*MANAGERS, units=True, load=service.get_subscription)
]
Manager = Annotated[Principal, authorize(*MANAGERS)]


def _out(sub: Subscription) -> SubscriptionOut:
    return SubscriptionOut(
        id=sub.id,
        unit_code=sub.unit.code,
        kind=sub.kind,
        url=sub.url,
        events=sub.events.split(","),
        active=sub.active,
        created_at=sub.created_at,
    )


def _delivery_out(d: Delivery) -> DeliveryOut:
    return DeliveryOut(
        id=d.id,
        event=d.message.event,
        subject=d.message.subject,
        subscription_id=d.subscription_id,
        status=d.status,
        attempts=d.attempts,
        next_attempt_at=d.next_attempt_at,
        delivered_at=d.delivered_at,
        last_error=d.last_error,
        attempt_log=[
            AttemptOut(
                attempted_at=a.attempted_at,
                status_code=a.status_code,
                error=a.error,
                duration_ms=a.duration_ms,
            )
            for a in d.attempt_log
        ],
    )


@router.post("/units/{unit_code}/subscriptions", status_code=201)
def create_subscription(
    body: SubscriptionCreate, unit: UnitInScope, db: DbSession, now: Now
) -> SubscriptionCreated:
    """Subscribe a unit's webhook or WeCom robot; the signing secret is shown only here."""
    sub = service.create_subscription(
        db, unit, kind=body.kind, url=body.url, events=body.events, now=now
    )
    return SubscriptionCreated(**_out(sub).model_dump(), secret=sub.secret)


@router.get("/units/{unit_code}/subscriptions")
def list_subscriptions(unit: UnitInScope, db: DbSession) -> list[SubscriptionOut]:
    return [_out(s) for s in service.unit_subscriptions(db, unit)]


@router.delete("/subscriptions/{ref}")
def deactivate_subscription(sub: SubscriptionInScope, db: DbSession, now: Now) -> SubscriptionOut:
    """Stop sending to this address; its pending deliveries are cancelled, saying why, and what
    was sent stays in the log."""
    return _out(service.deactivate_subscription(db, sub, now))


@router.get("/units/{unit_code}/deliveries")
def list_deliveries(
    unit: UnitInScope,
    db: DbSession,
    status: DeliveryStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryOut]:
    """The unit's deliveries, newest first, each with every attempt."""
    query = (
        select(Delivery)
        .join(OutboxMessage, Delivery.message_id == OutboxMessage.id)
        .where(OutboxMessage.unit_id == unit.id)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    if status is not None:
        query = query.where(Delivery.status == status)
    return [_delivery_out(d) for d in db.scalars(query)]


@router.post("/deliveries/{delivery_id}/retry")
def retry_delivery(delivery_id: str, db: DbSession, now: Now, staff: Manager) -> DeliveryOut:
    """Queue a delivery that gave up again, due now, under the same delivery id."""
    delivery = service.get_delivery(db, delivery_id)
    if not can_reach(staff, delivery.subscription):
        raise Forbidden("This delivery belongs to another unit; you may not reach it.")
    return _delivery_out(service.retry_delivery(db, delivery, now))
