"""The delivery step the scheduler runs: send what is due, record each attempt, back off."""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.notify.formats import EVENT_HEADER, signed_headers, webhook_body, wecom_body
from backoffice.notify.models import ChannelKind, Delivery, DeliveryAttempt, DeliveryStatus
from backoffice.notify.service import DEFAULT_RETRY, RetryPolicy

log = logging.getLogger(__name__)

BATCH = 50
TIMEOUT_S = 10.0
# A claimed batch is not taken by another worker for this long (longer than BATCH timeouts).
LEASE = timedelta(seconds=BATCH * TIMEOUT_S + 60)


def _request(delivery: Delivery, sent_at: datetime) -> tuple[bytes, dict[str, str]]:
    message, sub = delivery.message, delivery.subscription
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if sub.kind is ChannelKind.WECOM:
        return wecom_body(message.title, message.facts), headers
    body = webhook_body(
        delivery_id=delivery.id,
        event=message.event,
        unit_code=message.unit.code,
        subject=message.subject,
        title=message.title,
        facts=message.facts,
        data=message.data,
        occurred_at=message.created_at,
    )
    headers |= signed_headers(sub.secret, delivery.id, sent_at, body)
    headers[EVENT_HEADER] = message.event
    return body, headers


def _failure_of(sub_kind: ChannelKind, response: httpx.Response) -> str:
    """Empty when the receiver took it; otherwise why not."""
    if not response.is_success:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    if sub_kind is ChannelKind.WECOM:
        # The robot answers 200 with errcode != 0 when it refuses the message.
        try:
            answer = json.loads(response.content)
        except ValueError:
            return "the WeCom robot did not answer JSON"
        if not isinstance(answer, dict) or answer.get("errcode") != 0:
            return f"WeCom refused it: {str(answer)[:200]}"
    return ""


def attempt(
    db: Session,
    delivery: Delivery,
    now: datetime,
    client: httpx.Client,
    policy: RetryPolicy = DEFAULT_RETRY,
    *,
    sent_at: datetime | None = None,
) -> bool:
    """One try at one delivery; records it and schedules the next try on failure. The
    signature's timestamp is `sent_at` (default `now`): receivers refuse old ones."""
    body, headers = _request(delivery, sent_at or now)
    started = time.monotonic()
    status_code: int | None = None
    try:
        response = client.post(delivery.subscription.url, content=body, headers=headers)
        status_code = response.status_code
        error = _failure_of(delivery.subscription.kind, response)
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    duration_ms = int((time.monotonic() - started) * 1000)
    delivery.attempts += 1
    db.add(
        DeliveryAttempt(
            delivery_id=delivery.id,
            attempted_at=now,
            status_code=status_code,
            error=error,
            duration_ms=duration_ms,
        )
    )
    if not error:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
        delivery.last_error = ""
    else:
        delivery.last_error = error
        if delivery.attempts >= policy.max_attempts:
            delivery.status = DeliveryStatus.FAILED
            log.warning("delivery %s gave up after %d attempts", delivery.id, delivery.attempts)
        else:
            delivery.next_attempt_at = now + policy.delay(delivery.attempts)
    db.flush()
    return not error


def deliver_due(
    db: Session,
    now: datetime,
    *,
    client: httpx.Client | None = None,
    policy: RetryPolicy = DEFAULT_RETRY,
) -> int:
    """Send every pending delivery that is due; returns how many arrived.

    The batch is claimed first (its next attempt moved a lease ahead, committed), then each
    delivery is sent with no transaction open and its outcome committed: a slow receiver never
    holds a database lock, and a crash mid-batch leaves the rest to be retried after the lease.
    """
    query = (
        select(Delivery)
        .where(Delivery.status == DeliveryStatus.PENDING, Delivery.next_attempt_at <= now)
        .order_by(Delivery.next_attempt_at)
        .limit(BATCH)
    )
    if db.get_bind().dialect.name == "postgresql":
        # Several back-office processes may run this step; each claims its own rows.
        query = query.with_for_update(skip_locked=True)
    due = list(db.scalars(query))
    if not due:
        return 0
    for delivery in due:
        delivery.next_attempt_at = now + LEASE
        # Load what the request needs before the claim is committed.
        _ = (delivery.message.unit.code, delivery.subscription.url)
    db.commit()
    own_client = client is None
    http = client or httpx.Client(timeout=TIMEOUT_S)
    arrived = 0
    started = time.monotonic()
    try:
        for delivery in due:
            # Signed with when it leaves, not when the batch began: a slow batch must not
            # send timestamps that receivers already find too old.
            sent_at = now + timedelta(seconds=time.monotonic() - started)
            arrived += attempt(db, delivery, now, http, policy, sent_at=sent_at)
            db.commit()
    finally:
        if own_client:
            http.close()
    return arrived
