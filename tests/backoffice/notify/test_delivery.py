"""Webhook and WeCom deliveries to a real local receiver: signatures, retries, effect once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.clock import ManualClock
from backoffice.notify.formats import wecom_markdown
from backoffice.notify.models import (
    ChannelKind,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    OutboxMessage,
)
from backoffice.notify.service import (
    DEFAULT_RETRY,
    Notice,
    RetryPolicy,
    create_subscription,
    enqueue,
    retry_delivery,
)
from backoffice.notify.worker import LEASE, deliver_due
from backoffice.units.models import HandlingLevel, ResponsibleUnit
from backoffice.units.schemas import UnitCreate
from backoffice.units.service import create_unit
from tests.backoffice.notify.receiver import Receiver

NOTICE_FACTS = {"案件编号": "JSL-2026-000007", "类型": "乱堆物堆料", "地点": "江苏路 46 号"}


def make_unit(db: Session, code: str = "U-SANITATION") -> ResponsibleUnit:
    return create_unit(
        db,
        UnitCreate(
            code=code,
            name_zh="环卫所",
            name_en="Sanitation station",
            kind="sanitation",
            level=HandlingLevel.SUBDISTRICT,
        ),
    )


def notice(unit: ResponsibleUnit, event: str = "case.dispatched") -> Notice:
    return Notice(
        event=event,
        unit_id=unit.id,
        subject="JSL-2026-000007",
        title="新案件派遣: JSL-2026-000007",
        facts=NOTICE_FACTS,
        data={"case_number": "JSL-2026-000007", "due_at": "2026-11-03T09:00:00+00:00"},
    )


@pytest.fixture
def receiver(clock: ManualClock) -> Iterator[Receiver]:
    rec = Receiver(clock=clock).start()
    yield rec
    rec.stop()


def test_a_signed_delivery_arrives_with_its_id_and_verifiable_signature(
    db: Session, clock: ManualClock, receiver: Receiver
) -> None:
    unit = make_unit(db)
    sub = create_subscription(
        db, unit, kind=ChannelKind.WEBHOOK, url=receiver.url, events=["case.*"], now=clock.now()
    )
    receiver.secret = sub.secret
    enqueue(db, notice(unit), clock.now())

    assert deliver_due(db, clock.now()) == 1

    [request] = receiver.received
    delivery = db.scalars(select(Delivery)).one()
    assert request["headers"]["webhook-id"] == delivery.id
    assert request["headers"]["webhook-timestamp"] == str(int(clock.now().timestamp()))
    assert request["headers"]["webhook-signature"].startswith("v1,")
    assert request["headers"]["x-zhili-event"] == "case.dispatched"
    assert receiver.rejected == 0
    assert request["body"] == {
        "delivery_id": delivery.id,
        "event": "case.dispatched",
        "unit": "U-SANITATION",
        "subject": "JSL-2026-000007",
        "title": "新案件派遣: JSL-2026-000007",
        "facts": NOTICE_FACTS,
        "data": {"case_number": "JSL-2026-000007", "due_at": "2026-11-03T09:00:00+00:00"},
        "occurred_at": "2026-11-02T01:00:00+00:00",
    }
    assert delivery.status is DeliveryStatus.DELIVERED
    assert delivery.delivered_at == clock.now()
    assert [(a.status_code, a.error) for a in delivery.attempt_log] == [(200, "")]


def test_a_receiver_with_another_secret_refuses_and_the_delivery_is_retried(
    db: Session, clock: ManualClock, receiver: Receiver
) -> None:
    unit = make_unit(db)
    create_subscription(
        db, unit, kind=ChannelKind.WEBHOOK, url=receiver.url, events=[], now=clock.now()
    )
    receiver.secret = "not-the-subscription-secret"
    enqueue(db, notice(unit), clock.now())

    assert deliver_due(db, clock.now()) == 0
    delivery = db.scalars(select(Delivery)).one()
    assert receiver.rejected == 1 and receiver.applied == []
    assert delivery.status is DeliveryStatus.PENDING
    assert delivery.last_error.startswith("HTTP 401")
    assert delivery.next_attempt_at == clock.now() + timedelta(seconds=30)


def test_the_receiver_goes_down_and_comes_back_and_sees_each_delivery_once(
    db: Session, clock: ManualClock, receiver: Receiver
) -> None:
    unit = make_unit(db)
    sub = create_subscription(
        db, unit, kind=ChannelKind.WEBHOOK, url=receiver.url, events=["*"], now=clock.now()
    )
    receiver.secret = sub.secret
    receiver.stop()  # down
    for _ in range(2):
        enqueue(db, notice(unit), clock.now())
        db.flush()
    assert deliver_due(db, clock.now()) == 0
    deliveries = list(db.scalars(select(Delivery).order_by(Delivery.next_attempt_at)))
    assert [d.attempts for d in deliveries] == [1, 1]
    assert all("ConnectError" in d.last_error for d in deliveries)

    clock.advance(seconds=29)
    assert deliver_due(db, clock.now()) == 0  # backoff: not due before 30 s
    assert [d.attempts for d in deliveries] == [1, 1]

    clock.advance(seconds=1)
    assert deliver_due(db, clock.now()) == 0  # still down: the second wait is 60 s
    assert [d.next_attempt_at - clock.now() for d in deliveries] == [timedelta(seconds=60)] * 2

    receiver.start()  # back, on the same port
    receiver.fail_after_applying = 1  # applies the first, then crashes before answering
    clock.advance(seconds=60)
    assert deliver_due(db, clock.now()) == 1
    clock.advance(minutes=2)
    assert deliver_due(db, clock.now()) == 1  # the retry of the one whose answer was lost

    assert len(receiver.received) == 3
    assert len(receiver.applied) == 2  # effective once per delivery
    assert sorted(body["delivery_id"] for body in receiver.applied) == sorted(
        d.id for d in deliveries
    )
    assert all(d.status is DeliveryStatus.DELIVERED for d in deliveries)
    attempts = db.scalar(select(func.count()).select_from(DeliveryAttempt))
    assert attempts == 7  # 2 + 2 while down, 2 when back, 1 retry after the lost answer


def test_backoff_doubles_up_to_the_cap_then_gives_up_and_can_be_retried(
    db: Session, clock: ManualClock, receiver: Receiver
) -> None:
    policy = RetryPolicy(base=timedelta(seconds=30), cap=timedelta(minutes=5), max_attempts=6)
    assert [policy.delay(n) for n in range(1, 7)] == [
        timedelta(seconds=s) for s in (30, 60, 120, 240, 300, 300)
    ]
    assert DEFAULT_RETRY.delay(20) == timedelta(hours=1)
    unit = make_unit(db)
    create_subscription(
        db, unit, kind=ChannelKind.WEBHOOK, url=receiver.url, events=["*"], now=clock.now()
    )
    receiver.secret = "wrong"
    enqueue(db, notice(unit), clock.now())
    delivery = db.scalars(select(Delivery)).one()
    waits = []
    for _ in range(6):
        clock.set(delivery.next_attempt_at)
        deliver_due(db, clock.now(), policy=policy)
        waits.append(delivery.next_attempt_at - clock.now())
    assert delivery.status is DeliveryStatus.FAILED
    assert delivery.attempts == 6
    assert waits[:5] == [timedelta(seconds=s) for s in (30, 60, 120, 240, 300)]
    clock.advance(hours=5)
    assert deliver_due(db, clock.now(), policy=policy) == 0  # failed ones wait for a person
    assert len(receiver.received) == 6

    receiver.secret = delivery.subscription.secret
    retry_delivery(db, delivery, clock.now())
    assert deliver_due(db, clock.now(), policy=policy) == 1
    assert delivery.status is DeliveryStatus.DELIVERED
    assert receiver.applied[0]["delivery_id"] == delivery.id


def test_wecom_robot_gets_the_markdown_message(
    db: Session, clock: ManualClock, receiver: Receiver
) -> None:
    receiver.wecom = True
    unit = make_unit(db)
    create_subscription(
        db, unit, kind=ChannelKind.WECOM, url=receiver.url, events=["*"], now=clock.now()
    )
    enqueue(db, notice(unit, "case.overdue"), clock.now())
    assert deliver_due(db, clock.now()) == 1
    # WeCom keeps its own format: the robot's key is in its URL, nothing is signed.
    assert not any(h.startswith("webhook-") for h in receiver.received[0]["headers"])
    assert receiver.applied == [
        {
            "msgtype": "markdown",
            "markdown": {
                "content": "**新案件派遣: JSL-2026-000007**\n"
                '> 案件编号: <font color="comment">JSL-2026-000007</font>\n'
                '> 类型: <font color="comment">乱堆物堆料</font>\n'
                '> 地点: <font color="comment">江苏路 46 号</font>'
            },
        }
    ]


def test_a_wecom_refusal_in_a_200_answer_counts_as_a_failure(
    db: Session, clock: ManualClock, receiver: Receiver
) -> None:
    receiver.wecom, receiver.wecom_errcode = True, 93000
    unit = make_unit(db)
    create_subscription(
        db, unit, kind=ChannelKind.WECOM, url=receiver.url, events=["*"], now=clock.now()
    )
    enqueue(db, notice(unit), clock.now())
    assert deliver_due(db, clock.now()) == 0
    delivery = db.scalars(select(Delivery)).one()
    assert delivery.status is DeliveryStatus.PENDING
    assert "93000" in delivery.last_error
    assert delivery.attempt_log[0].status_code == 200


def test_wecom_markdown_stays_under_the_robot_limit_and_escapes_markup() -> None:
    message = wecom_markdown("<b>标题</b>", {f"第{i}项": "很长的内容" * 40 for i in range(30)})
    content = message["markdown"]["content"]
    assert len(content.encode()) <= 4096
    assert content.startswith("**‹b›标题‹/b›**\n")
    assert content.endswith("\n> …")


def test_subscriptions_receive_only_the_events_they_asked_for(
    db: Session, clock: ManualClock
) -> None:
    unit, other = make_unit(db), make_unit(db, "U-GREENING")
    overdue_only = create_subscription(
        db,
        unit,
        kind=ChannelKind.WEBHOOK,
        url="http://127.0.0.1:9/a",
        events=["case.overdue"],
        now=clock.now(),
    )
    everything = create_subscription(
        db,
        unit,
        kind=ChannelKind.WEBHOOK,
        url="http://127.0.0.1:9/b",
        events=["case.*"],
        now=clock.now(),
    )
    create_subscription(
        db,
        other,
        kind=ChannelKind.WEBHOOK,
        url="http://127.0.0.1:9/c",
        events=["*"],
        now=clock.now(),
    )
    enqueue(db, notice(unit, "case.dispatched"), clock.now())
    enqueue(db, notice(unit, "case.overdue"), clock.now())
    pairs = sorted((d.message.event, d.subscription_id) for d in db.scalars(select(Delivery)))
    assert pairs == [
        ("case.dispatched", everything.id),
        ("case.overdue", overdue_only.id),
        ("case.overdue", everything.id),
    ]


def test_the_outbox_is_written_with_the_change_or_not_at_all(
    db: Session, clock: ManualClock
) -> None:
    unit = make_unit(db)
    create_subscription(
        db, unit, kind=ChannelKind.WEBHOOK, url="http://127.0.0.1:9/", events=["*"], now=clock.now()
    )
    failed_change = db.begin_nested()
    enqueue(db, notice(unit), clock.now())
    failed_change.rollback()  # the case change failed: its notification goes with it
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert db.scalar(select(func.count()).select_from(Delivery)) == 0

    enqueue(db, notice(unit), clock.now())
    db.commit()
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    assert db.scalar(select(func.count()).select_from(Delivery)) == 1


def test_a_crash_mid_batch_leaves_the_claimed_deliveries_for_after_the_lease(
    db: Session, clock: ManualClock, receiver: Receiver
) -> None:
    unit = make_unit(db)
    sub = create_subscription(
        db, unit, kind=ChannelKind.WEBHOOK, url=receiver.url, events=["*"], now=clock.now()
    )
    receiver.secret = sub.secret
    enqueue(db, notice(unit), clock.now())

    def crash(_request: httpx.Request) -> httpx.Response:
        raise SystemExit("the back office process died while sending")

    with pytest.raises(SystemExit), httpx.Client(transport=httpx.MockTransport(crash)) as dying:
        deliver_due(db, clock.now(), client=dying)
    delivery = db.scalars(select(Delivery)).one()
    assert delivery.status is DeliveryStatus.PENDING
    assert delivery.attempts == 0
    assert delivery.next_attempt_at == clock.now() + LEASE  # claimed, not lost

    clock.advance(minutes=1)
    assert deliver_due(db, clock.now()) == 0  # another worker leaves the claimed one alone
    clock.set(delivery.next_attempt_at)
    assert deliver_due(db, clock.now()) == 1
    assert len(receiver.applied) == 1
