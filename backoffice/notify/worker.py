"""The delivery job: send what is due, a few at a time within a time budget, record every
attempt whatever went wrong, cancel what deactivated subscriptions still had, raise alerts."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backoffice.notify.formats import (
    EVENT_HEADER,
    signed_headers,
    webhook_body,
    wecom_body,
)
from backoffice.notify.models import (
    ChannelKind,
    Delivery,
    DeliveryAlert,
    DeliveryAttempt,
    DeliveryStatus,
    Subscription,
)
from backoffice.notify.service import CANCELLED_REASON, DEFAULT_RETRY, RetryPolicy
from backoffice.outbound import NO_PRIVATE_ADDRESSES, OutboundPolicy, guarded_request, tls_context

log = logging.getLogger(__name__)

TIMEOUT_S = 10.0
# Failed attempts in a row to one subscription that open an alert (a delivery that gives up
# opens one at once).
ALERT_AFTER_FAILURES = 5
MAX_ERROR = 500


@dataclass(frozen=True)
class DeliveryLimits:
    """How much one run may take on: `batch` deliveries, at most `per_subscription` of one
    subscription (a hanging endpoint does not fill the batch), `concurrency` requests at a
    time, and no new request started after `budget_s` seconds, so the job ends within about
    budget + timeout and the other periodic jobs are never held up behind it."""

    batch: int = 50
    per_subscription: int = 10
    concurrency: int = 8
    timeout_s: float = TIMEOUT_S
    budget_s: float = 30.0

    @property
    def lease(self) -> timedelta:
        """A claimed delivery is not taken by another worker for this long."""
        return timedelta(seconds=self.budget_s + self.timeout_s + 60)


DEFAULT_LIMITS = DeliveryLimits()
BATCH = DEFAULT_LIMITS.batch
LEASE = DEFAULT_LIMITS.lease


@dataclass(frozen=True)
class Outgoing:
    """One request, built from the database before any thread sends it."""

    delivery_id: str
    kind: ChannelKind
    url: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str  # empty when the receiver took it
    duration_ms: int


def _request(delivery: Delivery, sent_at: datetime) -> Outgoing:
    message, sub = delivery.message, delivery.subscription
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if sub.kind is ChannelKind.WECOM:
        return Outgoing(
            delivery.id, sub.kind, sub.url, wecom_body(message.title, message.facts), headers
        )
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
    return Outgoing(delivery.id, sub.kind, sub.url, body, headers)


def _failure_of(sub_kind: ChannelKind, response: httpx.Response) -> str:
    """Empty when the receiver took it; otherwise why not. The receiver's answer itself is
    never kept: the log is shown to the unit, and the answer may come from anywhere."""
    if not response.is_success:
        return f"HTTP {response.status_code}"
    if sub_kind is ChannelKind.WECOM:
        # The robot answers 200 with errcode != 0 when it refuses the message.
        try:
            answer = json.loads(response.content)
        except ValueError:
            return "the WeCom robot did not answer JSON"
        if not isinstance(answer, dict) or answer.get("errcode") != 0:
            code = answer.get("errcode") if isinstance(answer, dict) else None
            return (
                f"WeCom refused it (errcode {code})"
                if isinstance(code, int)
                else ("WeCom refused it")
            )
    return ""


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:MAX_ERROR]


def send(
    client: httpx.Client, out: Outgoing, outbound: OutboundPolicy = NO_PRIVATE_ADDRESSES
) -> Outcome:
    """One POST to the address checked against `outbound` (resolved, checked, connected to);
    whatever goes wrong with it (refused, hanging, a URL httpx cannot even encode, which raises
    UnicodeError rather than an HTTPError) is this delivery's failure."""
    started = time.monotonic()
    status_code: int | None = None
    try:
        response = guarded_request(
            client, "POST", out.url, outbound, content=out.body, headers=out.headers
        )
        status_code = response.status_code
        error = _failure_of(out.kind, response)
    except Exception as exc:  # any failure of this one request; never the batch's
        error = _error_text(exc)
    return Outcome(status_code, error, int((time.monotonic() - started) * 1000))


def record(
    db: Session,
    delivery: Delivery,
    outcome: Outcome,
    now: datetime,
    policy: RetryPolicy = DEFAULT_RETRY,
) -> bool:
    """Write one attempt and its consequences: delivered, retried later or given up; the
    subscription's run of failures, and its alert opened or closed. Flushes."""
    delivery.attempts += 1
    db.add(
        DeliveryAttempt(
            delivery_id=delivery.id,
            attempted_at=now,
            status_code=outcome.status_code,
            error=outcome.error,
            duration_ms=outcome.duration_ms,
        )
    )
    sub = delivery.subscription
    if not outcome.error:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
        delivery.last_error = ""
        sub.consecutive_failures = 0
        _close_alerts(db, sub, now)
    else:
        delivery.last_error = outcome.error
        sub.consecutive_failures += 1
        if delivery.attempts >= policy.max_attempts:
            delivery.status = DeliveryStatus.FAILED
            log.warning("delivery %s gave up after %d attempts", delivery.id, delivery.attempts)
        else:
            delivery.next_attempt_at = now + policy.delay(delivery.attempts)
        if (
            sub.consecutive_failures >= ALERT_AFTER_FAILURES
            or delivery.status is DeliveryStatus.FAILED
        ):
            _open_alert(db, sub, outcome.error, now)
    db.flush()
    return not outcome.error


def attempt(
    db: Session,
    delivery: Delivery,
    now: datetime,
    client: httpx.Client,
    policy: RetryPolicy = DEFAULT_RETRY,
    *,
    sent_at: datetime | None = None,
    outbound: OutboundPolicy = NO_PRIVATE_ADDRESSES,
) -> bool:
    """One try at one delivery, here and now; records it like the job does. The signature's
    timestamp is `sent_at` (default `now`): receivers refuse old ones."""
    try:
        out = _request(delivery, sent_at or now)
    except Exception as exc:
        return record(db, delivery, Outcome(None, _error_text(exc), 0), now, policy)
    return record(db, delivery, send(client, out, outbound), now, policy)


def _open_alert(db: Session, sub: Subscription, error: str, now: datetime) -> None:
    already = db.scalars(
        select(DeliveryAlert.id).where(
            DeliveryAlert.subscription_id == sub.id, DeliveryAlert.closed_at.is_(None)
        )
    ).first()
    if already is not None:
        return
    message = (
        f"Notifications to unit {sub.unit.code} keep failing: {sub.consecutive_failures} "
        f"failed attempts in a row to {sub.url}; last: {error[:200]}"
    )
    db.add(DeliveryAlert(subscription_id=sub.id, message=message, opened_at=now))
    log.error("notify alert: %s", message)


def _close_alerts(db: Session, sub: Subscription, now: datetime) -> None:
    db.execute(
        update(DeliveryAlert)
        .where(DeliveryAlert.subscription_id == sub.id, DeliveryAlert.closed_at.is_(None))
        .values(closed_at=now)
        .execution_options(synchronize_session=False)
    )


def cancel_inactive(db: Session, now: datetime) -> int:
    """Cancel the pending deliveries of deactivated subscriptions, saying why; flushes."""
    inactive = select(Subscription.id).where(Subscription.active.is_(False))
    result = db.execute(
        update(Delivery)
        .where(Delivery.status == DeliveryStatus.PENDING, Delivery.subscription_id.in_(inactive))
        .values(status=DeliveryStatus.CANCELLED, last_error=CANCELLED_REASON, next_attempt_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _claim(db: Session, now: datetime, limits: DeliveryLimits) -> list[Delivery]:
    """Take the due deliveries of active subscriptions, oldest first, at most
    `per_subscription` of each; their next attempt moves a lease ahead (committed by the
    caller), so another worker leaves them alone and a crash leaves them for after the lease."""
    query = (
        select(Delivery)
        .join(Subscription, Delivery.subscription_id == Subscription.id)
        .where(
            Delivery.status == DeliveryStatus.PENDING,
            Delivery.next_attempt_at <= now,
            Subscription.active.is_(True),
        )
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limits.batch * 4)
    )
    if db.get_bind().dialect.name == "postgresql":
        # Several back-office processes may run this job; each claims its own rows.
        query = query.with_for_update(skip_locked=True, of=Delivery)
    taken: list[Delivery] = []
    per_sub: dict[int, int] = {}
    for delivery in db.scalars(query):
        if per_sub.get(delivery.subscription_id, 0) >= limits.per_subscription:
            continue
        per_sub[delivery.subscription_id] = per_sub.get(delivery.subscription_id, 0) + 1
        delivery.next_attempt_at = now + limits.lease
        taken.append(delivery)
        if len(taken) >= limits.batch:
            break
    return taken


def deliver_due(
    db: Session,
    now: datetime,
    *,
    client: httpx.Client | None = None,
    policy: RetryPolicy = DEFAULT_RETRY,
    limits: DeliveryLimits = DEFAULT_LIMITS,
    ticker: Callable[[], float] = time.monotonic,
    outbound: OutboundPolicy = NO_PRIVATE_ADDRESSES,
) -> int:
    """The scheduler job (a plain function of session and time, as a queue worker would run
    it): send every pending delivery that is due; returns how many arrived.

    The batch is claimed and committed first, then sent by `limits.concurrency` threads with no
    transaction open, each outcome recorded and committed here as it comes in: a slow receiver
    holds no database lock and no other delivery. A delivery not started before the budget
    ran out is released, due again at once, with no attempt counted.
    """
    cancelled = cancel_inactive(db, now)
    if cancelled:
        log.info("cancelled %d deliveries of deactivated subscriptions", cancelled)
    due = _claim(db, now, limits)
    by_id = {d.id: d for d in due}
    outgoing: list[Outgoing] = []
    arrived = 0
    for delivery in due:
        try:
            # Signed at the job's `now`: requests start within the budget (30 s by default),
            # far inside the 5 minutes receivers allow a webhook-timestamp.
            outgoing.append(_request(delivery, now))
        except Exception as exc:  # a message that cannot be encoded fails alone
            arrived += record(db, delivery, Outcome(None, _error_text(exc), 0), now, policy)
    db.commit()
    if not outgoing:
        return arrived
    own_client = client is None
    http = client or httpx.Client(
        timeout=limits.timeout_s,
        limits=httpx.Limits(max_connections=limits.concurrency * 2),
        verify=tls_context(),
    )
    deadline = ticker() + limits.budget_s

    def run(out: Outgoing) -> Outcome | None:
        if ticker() >= deadline:
            return None  # out of time: not started, released below
        return send(http, out, outbound)

    try:
        workers = max(1, min(limits.concurrency, len(outgoing)))
        with ThreadPoolExecutor(workers, thread_name_prefix="zhili-deliver") as pool:
            futures = {pool.submit(run, out): out.delivery_id for out in outgoing}
            for future in as_completed(futures):
                delivery = by_id[futures[future]]
                outcome = future.result()  # only a dying process raises here
                if outcome is None:
                    delivery.next_attempt_at = now
                else:
                    arrived += record(db, delivery, outcome, now, policy)
                db.commit()
    finally:
        if own_client:
            http.close()
    return arrived
