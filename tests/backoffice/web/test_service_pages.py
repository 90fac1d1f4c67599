"""Ratings and consult pages: satisfaction figures, bad ratings with rectification, and
answering the one-tap consult queue."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.cases.seed import seed_reference_data
from backoffice.catalog.service import load_seed
from backoffice.clock import ManualClock
from backoffice.consult import service as consults
from backoffice.consult.models import ConsultKind, ConsultStatus
from backoffice.consult.schemas import ConsultIn
from backoffice.fleet import service as fleet
from backoffice.fleet.models import TerminalKind
from backoffice.fleet.schemas import TerminalCreate
from backoffice.ratings import service as ratings
from backoffice.ratings.schemas import RatingIn
from backoffice.visits import service as visits
from backoffice.visits.models import VisitOutcome
from backoffice.visits.schemas import VisitIn
from tests.backoffice.web.helpers import sign_in_as


def terminal_id(db: Session, clock: ManualClock) -> int:
    terminal = fleet.register_terminal(
        db,
        TerminalCreate(code="JSL-T-09", name="9号机", kind=TerminalKind.COMMUNITY_CENTRE),
        clock.now(),
    )
    return terminal.id


def rate(db: Session, clock: ManualClock, terminal: int, level: int, matter: str) -> None:
    visit_id = str(uuid.uuid4())
    visits.record(
        db,
        VisitIn(
            visit_id=visit_id,
            outcome=VisitOutcome.FINISHED,
            matters=[matter],
            duration_s=90,
            language="zh",
            elder_mode=False,
        ),
        terminal,
        clock.now(),
    )
    ratings.rate(
        db,
        RatingIn(visit_id=visit_id, matter_code=matter, level=level, comment="等了很久"),
        key=visit_id,
        terminal_id=terminal,
        now=clock.now(),
        working_days=5,
    )


def test_ratings_page_shows_the_satisfaction_rate_and_the_bad_ratings(
    client: TestClient, db: Session, clock: ManualClock
) -> None:
    seed_reference_data(db)
    load_seed(db, clock.now())
    terminal = terminal_id(db, clock)
    for level in (5, 4, 3, 1):
        rate(db, clock, terminal, level, "SI-RECORD-PRINT")
    sign_in_as(client, db, clock, Role.SHIFT_LEADER)
    client.cookies.set("zhili_lang", "en")
    html = client.get("/ops/ratings?days=7").text
    assert 'id="r-rate">75.0%<' in html
    assert "very dissatisfied" in html
    assert "“等了很久”" in html
    assert client.get("/ops/api/summary").json()["satisfaction_rate"] == 75.0


def test_unit_staff_and_call_takers_do_not_see_ratings(
    client: TestClient, db: Session, clock: ManualClock
) -> None:
    sign_in_as(client, db, clock, Role.CALL_TAKER)
    assert client.get("/ops/ratings").status_code == 403
    assert "satisfaction_rate" not in client.get("/ops/api/summary").json()


def test_a_call_taker_answers_a_waiting_consult(
    client: TestClient, db: Session, clock: ManualClock
) -> None:
    terminal = terminal_id(db, clock)
    consult = consults.ask(
        db,
        ConsultIn(kind=ConsultKind.QUESTION, question="办居住证要带什么？"),
        terminal,
        clock.now(),
    )
    _, csrf = sign_in_as(client, db, clock, Role.CALL_TAKER)
    assert "办居住证要带什么？" in client.get("/ops/consults").text
    empty = client.post(
        f"/ops/consults/{consult.reference}/answer",
        data={"csrf": csrf, "answer": " "},
        follow_redirects=True,
    )
    assert "请填写居民将看到的答复。" in empty.text
    done = client.post(
        f"/ops/consults/{consult.reference}/answer",
        data={"csrf": csrf, "answer": "带身份证和租房合同，到社区事务受理中心 3 号窗口。"},
        follow_redirects=True,
    )
    assert f"{consult.reference} ✓" in done.text
    assert "办居住证要带什么？" not in done.text  # it left the waiting queue
    db.refresh(consult)
    assert consult.status is ConsultStatus.ANSWERED
    assert consult.answered_by.startswith("web-call-taker-")  # type: ignore[union-attr]


def test_a_viewer_reads_the_queue_but_does_not_answer(
    client: TestClient, db: Session, clock: ManualClock
) -> None:
    terminal = terminal_id(db, clock)
    consult = consults.ask(
        db, ConsultIn(kind=ConsultKind.QUESTION, question="几点开门？"), terminal, clock.now()
    )
    _, csrf = sign_in_as(client, db, clock, Role.VIEWER)
    html = client.get("/ops/consults").text
    assert "几点开门？" in html
    assert 'name="answer"' not in html
    refused = client.post(
        f"/ops/consults/{consult.reference}/answer", data={"csrf": csrf, "answer": "9 点"}
    )
    assert refused.status_code == 403


def test_the_notifications_page_shows_failing_endpoints_and_retries_a_failed_delivery(
    client: TestClient, db: Session, clock: ManualClock
) -> None:
    from sqlalchemy import select

    from backoffice.notify.models import ChannelKind, Delivery, DeliveryStatus
    from backoffice.notify.service import RetryPolicy, create_subscription, enqueue
    from backoffice.notify.worker import DeliveryLimits, deliver_due
    from tests.backoffice.notify.test_delivery import make_unit, notice

    unit = make_unit(db, "U-PAGE")
    create_subscription(
        db, unit, kind=ChannelKind.WEBHOOK, url="http://127.0.0.1:9/", events=["*"], now=clock.now()
    )
    enqueue(db, notice(unit), clock.now())
    db.flush()
    deliver_due(
        db, clock.now(), policy=RetryPolicy(max_attempts=1), limits=DeliveryLimits(timeout_s=1)
    )
    delivery = db.scalars(select(Delivery)).one()
    assert delivery.status is DeliveryStatus.FAILED

    _, csrf = sign_in_as(client, db, clock, Role.OPERATOR)
    client.cookies.set("zhili_lang", "en")
    html = client.get("/ops/deliveries").text
    assert "Notifications to unit U-PAGE keep failing" in html
    assert f'data-delivery="{delivery.id}"' in html
    assert "ConnectError" in html
    done = client.post(
        f"/ops/deliveries/{delivery.id}/retry", data={"csrf": csrf}, follow_redirects=True
    )
    assert f"{delivery.id[:8]} ↻" in done.text
    db.refresh(delivery)
    assert (delivery.status, delivery.next_attempt_at) == (DeliveryStatus.PENDING, clock.now())
    assert f'data-delivery="{delivery.id}"' not in done.text  # no longer among the failed


def test_a_viewer_does_not_open_the_notifications_page(
    client: TestClient, db: Session, clock: ManualClock
) -> None:
    sign_in_as(client, db, clock, Role.VIEWER)
    assert client.get("/ops/deliveries").status_code == 403
