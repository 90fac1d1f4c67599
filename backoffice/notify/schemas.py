"""Request and response bodies of the notification API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from backoffice.notify.models import ChannelKind, DeliveryStatus


class SubscriptionCreate(BaseModel):
    kind: ChannelKind = Field(description="webhook: signed JSON; wecom: a WeCom group robot.")
    url: str = Field(min_length=8, max_length=500, description="Where to POST.")
    events: list[str] = Field(
        default_factory=lambda: ["*"],
        description="Event names such as case.dispatched, case.overdue, or case.* or *.",
    )


class SubscriptionOut(BaseModel):
    id: int
    unit_code: str
    kind: ChannelKind
    url: str
    events: list[str]
    active: bool
    created_at: datetime


class SubscriptionCreated(SubscriptionOut):
    secret: str = Field(
        description=(
            "The Standard Webhooks signing secret (whsec_…) that verifies the webhook-signature "
            "header, e.g. with the standardwebhooks library. Shown only now; keep it safe."
        )
    )


class AttemptOut(BaseModel):
    attempted_at: datetime
    status_code: int | None
    error: str
    duration_ms: int


class DeliveryOut(BaseModel):
    id: str
    event: str
    subject: str
    subscription_id: int
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    delivered_at: datetime | None
    last_error: str
    attempt_log: list[AttemptOut]
