"""Ratings from a counter's rating pad and after a home visit join the same loop as the kiosk's;
a bad rating's callback number is kept only with consent, encrypted, and shown masked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.cases.models import Case
from backoffice.cases.sla.watch import check_time_limits
from backoffice.clock import ManualClock
from backoffice.contacts import service as contacts
from backoffice.contacts.models import Contact
from backoffice.keys import Keys
from backoffice.ratings import lifecycle, service
from backoffice.ratings.models import Rating, RatingChannel
from backoffice.ratings.schemas import RatingBody, RatingIn
from backoffice.settings import Settings
from tests.backoffice.kiosk_terminals import report_visit, seed_catalog
from tests.backoffice.ratings.conftest import MATTER, rate
from tests.conftest import StaffFactory


def test_a_counter_rating_names_its_counter_and_staff_and_opens_the_same_loop(
    client: TestClient, db: Session, kiosk: dict[str, str], staff_headers: StaffFactory
) -> None:
    visit = report_visit(client, kiosk, [MATTER])
    reply = rate(
        client, kiosk, "c-1", visit_id=visit, matter_code=MATTER, level=1, channel="counter",
        counter="W03", staff_code="A012", staff_name="王芳", reasons=["staff_attitude"],
    )  # fmt: skip
    assert reply.status_code == 201, reply.text
    body = reply.json()
    assert (body["channel"], body["counter"], body["staff_code"]) == ("counter", "W03", "A012")
    assert body["rectification"]["status"] == "open"
    case = db.scalars(select(Case)).one()
    assert "W03" in case.description
    viewer = staff_headers(Role.VIEWER)
    by_channel = client.get("/api/v1/ratings/satisfaction?by=channel", headers=viewer).json()
    assert by_channel == [
        {"key": "counter", "ratings": 1, "satisfied": 0, "satisfaction_rate": 0.0}
    ]
    by_staff = client.get("/api/v1/ratings/satisfaction?by=staff", headers=viewer).json()
    assert [r["key"] for r in by_staff] == ["A012"]


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"channel": "counter"}, "names its counter"),
        ({"counter": "W03"}, "send channel 'counter'"),
        ({"channel": "home_visit", "counter": "W03"}, "channel"),
        ({"level": 4, "callback_phone": "13912345678", "callback_consent": True}, "1 or 2"),
        ({"level": 1, "comment": "慢", "callback_phone": "13912345678"}, "agreed"),
        ({"level": 1, "comment": "慢", "callback_phone": "123", "callback_consent": True},
         "digits"),
    ],
)  # fmt: skip
def test_impossible_channel_and_callback_fields_are_refused(
    client: TestClient, db: Session, kiosk: dict[str, str], change: dict[str, object], says: str
) -> None:
    visit = report_visit(client, kiosk, [MATTER])
    reply = rate(client, kiosk, "k", **{"visit_id": visit, "matter_code": MATTER, "level": 5,
                                        **change})  # fmt: skip
    assert reply.status_code == 422, reply.text
    assert says in str(reply.json()["detail"])
    assert db.scalar(select(func.count()).select_from(Rating)) == 0
    assert db.scalar(select(func.count()).select_from(Contact)) == 0


def test_a_consented_callback_number_is_kept_encrypted_and_shown_masked(
    client: TestClient, db: Session, kiosk: dict[str, str], settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    visit = report_visit(client, kiosk, [MATTER])
    body = {"visit_id": visit, "matter_code": MATTER, "level": 2, "comment": "排队太久",
            "callback_phone": "139 1234 5678", "callback_consent": True}  # fmt: skip
    with caplog.at_level("DEBUG"):
        reply = rate(client, kiosk, "p-1", **body)
    assert reply.status_code == 201, reply.text
    assert reply.json()["contact_masked"] == "139****5678"
    assert "13912345678" not in caplog.text and "1234 5678" not in caplog.text
    contact = db.scalars(select(Contact)).one()
    assert contact.consent_at is not None and contact.owner_kind == "rating"
    assert contact.case_id == db.scalars(select(Case.id)).one()
    assert rate(client, kiosk, "p-1", **body).status_code == 200  # a retry: the same rating
    other = rate(client, kiosk, "p-1", **{**body, "callback_phone": "13800001111"})
    assert other.status_code == 422  # the same key for another number is another rating
    revealed = contacts.reveal(db, Keys.of(settings), contact, by_user="op", role=Role.OPERATOR,
                               reason="回访", now=contact.created_at)  # fmt: skip
    assert revealed is not None and revealed.phone == "13912345678"


def test_a_home_visit_rating_opens_the_loop_and_its_closed_case_never_goes_overdue(
    seeded: Session, clock: ManualClock
) -> None:
    db = seeded
    seed_catalog(db, clock)
    body = RatingBody(matter_code=MATTER, level=1, reasons=["not_handled"], staff_code="H007",
                      callback_phone="13912345678", callback_consent=True)  # fmt: skip
    keys = Keys("a-test-master-secret-of-enough-length")
    rating, created = service.rate_home_visit(
        db, body, key="home-1", now=clock.now(), working_days=5, keys=keys
    )
    assert created and rating.channel is RatingChannel.HOME_VISIT and rating.terminal_id is None
    again, created = service.rate_home_visit(
        db, body, key="home-1", now=clock.now(), working_days=5, keys=keys
    )
    assert again.id == rating.id and not created
    rect = service.rectification_of(db, rating)
    assert rect is not None
    lifecycle.call_back(rect, "已回访", True, "op", clock.now())
    lifecycle.close(db, rect, "重新上门办理", "op", clock.now())
    case = db.get_one(Case, rect.case_id)
    assert case.state == "closed"
    clock.advance(timedelta(days=30))
    check_time_limits(db, clock.now())
    assert case.overdue_at is None and case.escalation_level == 0


def test_a_kiosk_rating_keeps_the_fingerprint_it_had_before_channels() -> None:
    """A rating queued in a kiosk's outbox before the upgrade is the same rating when resent."""
    import hashlib
    import json

    body = {"visit_id": "0" * 36, "matter_code": MATTER, "level": 2, "indicators": {},
            "reasons": ["too_slow"], "comment": "慢"}  # fmt: skip
    before = hashlib.sha256(
        json.dumps(body, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    assert service.fingerprint(RatingIn(**body), None) == before
    assert service.fingerprint(RatingIn(**body, channel="counter", counter="W1"), None) != before
