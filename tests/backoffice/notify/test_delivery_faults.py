"""Deliveries under faults, against real receivers: a URL httpx cannot encode, a host that
does not resolve, a receiver that is down or hangs, a deactivated subscription, a run out of
time. Lost and doubled are counted from the delivery ids the receivers recorded."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.clock import ManualClock
from backoffice.notify.models import (
    ChannelKind,
    Delivery,
    DeliveryAlert,
    DeliveryAttempt,
    DeliveryStatus,
    Subscription,
)
from backoffice.notify.service import (
    CANCELLED_REASON,
    RetryPolicy,
    deactivate_subscription,
    enqueue,
    retry_delivery,
)
from backoffice.notify.worker import ALERT_AFTER_FAILURES, DeliveryLimits
from backoffice.units.models import ResponsibleUnit
from simulators.hanging_receiver import Hanging
from tests.backoffice.notify.receiver import Receiver
from tests.backoffice.notify.test_delivery import (
    create_subscription,
    deliver_due,
    make_unit,
    notice,
)

FAST = DeliveryLimits(concurrency=4, timeout_s=0.5, budget_s=30)
BAD_URL = "http://hooks..example.com/x"  # httpx raises UnicodeError, not an HTTPError
MISNAMED = "http://no-such-host.invalid/hook"


@pytest.fixture
def receiver(clock: ManualClock) -> Iterator[Receiver]:
    rec = Receiver(clock=clock).start()  # checks webhook-timestamp against the test's clock
    yield rec
    rec.stop()


@pytest.fixture
def hanging() -> Iterator[Hanging]:
    rec = Hanging().start()
    yield rec
    rec.stop()


def subscribe(db: Session, unit: ResponsibleUnit, url: str, clock: ManualClock) -> Subscription:
    """A subscription written as it is stored, whatever the URL (validation is not tested here:
    a URL that passed an older check may still be in the table)."""
    sub = Subscription(
        unit_id=unit.id,
        kind=ChannelKind.WEBHOOK,
        url=url,
        secret="s" * 64,
        events="*",
        active=True,
        created_at=clock.now(),
    )
    db.add(sub)
    db.flush()
    return sub


def send_notices(db: Session, unit: ResponsibleUnit, clock: ManualClock, n: int) -> None:
    for _ in range(n):
        enqueue(db, notice(unit), clock.now())
        db.flush()


def deliveries_of(db: Session, sub: Subscription) -> list[Delivery]:
    return list(db.scalars(select(Delivery).where(Delivery.subscription_id == sub.id)))


def applied_ids(receiver: Receiver) -> list[str]:
    return [body["delivery_id"] for body in receiver.applied]


_units = itertools.count()


def unit_with(db: Session, clock: ManualClock, url: str) -> tuple[ResponsibleUnit, Subscription]:
    unit = make_unit(db, f"U-FAULT-{next(_units)}")
    return unit, subscribe(db, unit, url, clock)


@pytest.mark.parametrize("bad_url", [BAD_URL, MISNAMED], ids=["unencodable", "misnamed"])
def test_a_bad_url_fails_alone_and_every_other_delivery_of_the_unit_arrives(
    db: Session, clock: ManualClock, receiver: Receiver, bad_url: str
) -> None:
    unit = make_unit(db)
    bad = subscribe(db, unit, bad_url, clock)  # first in line for every notice
    good = subscribe(db, unit, receiver.url, clock)
    receiver.secret = good.secret
    send_notices(db, unit, clock, 5)

    assert deliver_due(db, clock.now(), limits=FAST) == 5

    good_ids = sorted(d.id for d in deliveries_of(db, good))
    assert sorted(applied_ids(receiver)) == good_ids  # none lost
    assert len(receiver.received) == 5  # none doubled
    failing = deliveries_of(db, bad)
    assert [d.attempts for d in failing] == [1] * 5
    assert all(d.status is DeliveryStatus.PENDING for d in failing)
    # Refused before any connection: a malformed name, or one that does not resolve.
    expected = "OutboundRefused"
    assert all(d.last_error.startswith(expected) for d in failing), failing[0].last_error
    assert all(d.next_attempt_at == clock.now() + timedelta(seconds=30) for d in failing)
    # Five failures in a row: the unit's endpoint is reported.
    [alert] = db.scalars(select(DeliveryAlert)).all()
    assert alert.subscription_id == bad.id and alert.closed_at is None
    assert bad_url in alert.message and unit.code in alert.message


def test_a_hanging_receiver_holds_up_neither_the_batch_nor_the_job(
    db: Session, clock: ManualClock, receiver: Receiver, hanging: Hanging
) -> None:
    _, stuck = unit_with(db, clock, hanging.url)
    ok_unit, ok = unit_with(db, clock, receiver.url)
    receiver.secret = ok.secret
    send_notices(db, stuck.unit, clock, 6)  # six hanging deliveries first in line
    send_notices(db, ok_unit, clock, 3)

    assert deliver_due(db, clock.now(), limits=FAST) == 3

    assert sorted(applied_ids(receiver)) == sorted(d.id for d in deliveries_of(db, ok))
    hung = deliveries_of(db, stuck)
    assert [d.attempts for d in hung] == [1] * 6
    assert all(d.last_error.startswith("ReadTimeout") for d in hung), hung[0].last_error
    assert hanging.connections == 6


def test_one_subscription_takes_at_most_its_share_of_a_batch(
    db: Session, clock: ManualClock, receiver: Receiver, hanging: Hanging
) -> None:
    _, stuck = unit_with(db, clock, hanging.url)
    ok_unit, ok = unit_with(db, clock, receiver.url)
    receiver.secret = ok.secret
    send_notices(db, stuck.unit, clock, 5)
    send_notices(db, ok_unit, clock, 2)
    limits = DeliveryLimits(batch=4, per_subscription=2, concurrency=4, timeout_s=0.3)

    assert deliver_due(db, clock.now(), limits=limits) == 2

    assert sorted(d.attempts for d in deliveries_of(db, stuck)) == [0, 0, 0, 1, 1]
    assert len(receiver.applied) == 2


def test_what_the_budget_leaves_is_released_not_counted_and_sent_next_run(
    db: Session, clock: ManualClock, receiver: Receiver
) -> None:
    unit, sub = unit_with(db, clock, receiver.url)
    receiver.secret = sub.secret
    send_notices(db, unit, clock, 4)
    ticks = itertools.count()  # each look at the clock is one second later

    def ticker() -> float:
        return float(next(ticks))

    limits = DeliveryLimits(concurrency=1, budget_s=2.5)
    assert deliver_due(db, clock.now(), limits=limits, ticker=ticker) == 2

    rows = sorted(deliveries_of(db, sub), key=lambda d: d.attempts)
    assert [d.attempts for d in rows] == [0, 0, 1, 1]
    assert [d.next_attempt_at for d in rows[:2]] == [clock.now()] * 2  # due again at once
    assert deliver_due(db, clock.now(), limits=FAST) == 2
    assert sorted(applied_ids(receiver)) == sorted(d.id for d in rows)
    assert len(receiver.received) == 4


def test_a_deactivated_subscription_is_skipped_and_its_pending_deliveries_cancelled(
    db: Session, clock: ManualClock, receiver: Receiver
) -> None:
    unit, gone = unit_with(db, clock, receiver.url)
    kept = subscribe(db, unit, receiver.url, clock)
    receiver.secret = kept.secret
    send_notices(db, unit, clock, 2)
    # Deactivated behind the API's back (a script, another process): the job cancels.
    gone.active = False
    db.flush()

    assert deliver_due(db, clock.now(), limits=FAST) == 2

    assert sorted(applied_ids(receiver)) == sorted(d.id for d in deliveries_of(db, kept))
    cancelled = deliveries_of(db, gone)
    assert [(d.status, d.attempts, d.last_error) for d in cancelled] == [
        (DeliveryStatus.CANCELLED, 0, CANCELLED_REASON)
    ] * 2


def test_deactivating_through_the_service_cancels_at_once_and_retry_says_why_not(
    db: Session, clock: ManualClock
) -> None:
    unit = make_unit(db)
    sub = create_subscription(
        db, unit, kind=ChannelKind.WEBHOOK, url="http://127.0.0.1:9/", events=["*"], now=clock.now()
    )
    send_notices(db, unit, clock, 1)
    deactivate_subscription(db, sub, clock.now())
    [delivery] = deliveries_of(db, sub)
    assert delivery.status is DeliveryStatus.CANCELLED
    with pytest.raises(Exception, match="deactivated"):
        retry_delivery(db, delivery, clock.now())


def test_an_endpoint_that_comes_back_closes_its_alert(
    db: Session, clock: ManualClock, receiver: Receiver
) -> None:
    unit, sub = unit_with(db, clock, receiver.url)
    receiver.secret = "wrong"  # 401 on every attempt
    send_notices(db, unit, clock, ALERT_AFTER_FAILURES)
    assert deliver_due(db, clock.now(), limits=FAST) == 0
    [alert] = db.scalars(select(DeliveryAlert)).all()
    assert "HTTP 401" in alert.message

    receiver.secret = sub.secret
    clock.advance(seconds=30)
    assert deliver_due(db, clock.now(), limits=FAST) == ALERT_AFTER_FAILURES
    db.refresh(alert)
    assert alert.closed_at == clock.now()
    assert sub.consecutive_failures == 0


def test_a_delivery_that_gives_up_raises_an_alert_at_once(db: Session, clock: ManualClock) -> None:
    unit, sub = unit_with(db, clock, MISNAMED)
    send_notices(db, unit, clock, 1)
    deliver_due(db, clock.now(), limits=FAST, policy=RetryPolicy(max_attempts=1))
    [delivery] = deliveries_of(db, sub)
    assert delivery.status is DeliveryStatus.FAILED
    assert db.scalar(select(func.count()).select_from(DeliveryAlert)) == 1
    assert db.scalar(select(func.count()).select_from(DeliveryAttempt)) == 1
