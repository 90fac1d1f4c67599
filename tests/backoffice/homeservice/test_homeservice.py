"""Home services: a request from a kiosk (the person, or a relative) or from the desk, a visit
booked for a member of staff, its outcome; and the refusals that name the fix and write nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.clock import ManualClock
from backoffice.contacts.models import Contact
from backoffice.contacts.service import reveals_of
from backoffice.homeservice.lifecycle import ALLOWED
from backoffice.homeservice.models import HomeServiceRequest, HomeVisit, RequestStatus
from backoffice.homeservice.service import counts
from backoffice.ratings.models import Rating, RatingChannel, Rectification
from tests.backoffice.kiosk_terminals import enrolled_terminal, identify_by_card, seed_catalog
from tests.conftest import StaffFactory

ID_NUMBER = "11010519491231002X"
RELATIVE_ID = "440524188001010014"
# The manual clock starts on Monday 2026-11-02 at 09:00 Shanghai time.
TUESDAY_0930 = "2026-11-03T09:30:00+08:00"
TODAY_1030 = "2026-11-02T10:30:00+08:00"
BASE = "/api/v1/home-services"


@pytest.fixture
def manager(staff_headers: StaffFactory) -> dict[str, str]:
    return staff_headers(Role.TERMINAL_MANAGER)


def _kiosk_body(**changes: Any) -> dict[str, Any]:
    return {
        "matter_code": "SI-PENSION-CERT",
        "address": "江苏路 480弄 12号 302室",
        "reason": "lives_alone",
        "preferred": [{"day": "2026-11-03", "part": "morning"}],
        **changes,
    }


def _rows(db: Session) -> tuple[int, int]:
    db.expire_all()
    requests = db.scalar(select(func.count()).select_from(HomeServiceRequest))
    visits = db.scalar(select(func.count()).select_from(HomeVisit))
    return int(requests or 0), int(visits or 0)


def test_from_the_kiosk_through_a_booked_visit_to_its_rating(
    client: TestClient,
    seeded: Session,
    clock: ManualClock,
    manager: dict[str, str],
    staff_headers: StaffFactory,
) -> None:
    db = seeded
    seed_catalog(db, clock)
    kiosk = enrolled_terminal(client, manager)
    token = identify_by_card(client, kiosk, ID_NUMBER, "张三明")["token"]
    person = {**kiosk, "X-Identification": token}

    offered = client.get(f"{BASE}/options", headers=kiosk).json()
    assert "SI-PENSION-CERT" in [m["code"] for m in offered["matters"]]
    assert "RES-POINTS" not in [m["code"] for m in offered["matters"]]
    assert offered["days"][:3] == ["2026-11-03", "2026-11-04", "2026-11-05"]

    asked = client.post(f"{BASE}/kiosk-requests", json=_kiosk_body(), headers=person)
    assert asked.status_code == 201, asked.text
    request = asked.json()
    reference = request["reference"]
    assert reference.startswith("SM") and len(reference) == 10
    assert request["person_masked_name"] == "张*明"
    assert request["person_masked_id"] == "110***********002X"
    assert request["requested_by"] == "person" and request["status"] == "requested"
    assert request["visit"] is None
    stored = db.scalars(select(HomeServiceRequest)).one()
    assert ID_NUMBER not in repr(vars(stored))

    desk = staff_headers(Role.CALL_TAKER)
    visitor_headers = staff_headers(Role.OPERATOR)
    visitor = client.get("/api/v1/auth/me", headers=visitor_headers).json()["name"]
    booked = client.post(
        f"{BASE}/requests/{reference}/visits",
        json={"staff": visitor, "starts_at": TODAY_1030},
        headers=desk,
    )
    assert booked.status_code == 201, booked.text
    visit = booked.json()
    assert visit["staff"] == visitor and visit["told_by"] == "call"
    assert visit["starts_at"] == "2026-11-02T02:30:00Z"

    # At the kiosk again, the person (by their card) reads the booked time back.
    again = identify_by_card(client, kiosk, ID_NUMBER, "张三明")["token"]
    mine = client.get(f"{BASE}/kiosk-requests", headers={**kiosk, "X-Identification": again})
    assert [
        (r["reference"], r["status"], r["visit"]["starts_at"]) for r in mine.json()["requests"]
    ] == [(reference, "booked", "2026-11-02T02:30:00Z")]

    # The member of staff sees it among their visits; another cannot record its outcome.
    own = client.get(f"{BASE}/visits", headers=visitor_headers).json()
    assert [v["reference"] for v in own] == [reference]
    early = client.post(
        f"{BASE}/visits/{visit['id']}/outcome", json={"outcome": "done"}, headers=visitor_headers
    )
    assert early.status_code == 409 and "record it after" in early.json()["detail"]
    clock.advance(hours=2)
    stranger = staff_headers(Role.INSPECTOR)
    refused = client.post(
        f"{BASE}/visits/{visit['id']}/outcome", json={"outcome": "done"}, headers=stranger
    )
    assert refused.status_code == 403
    done = client.post(
        f"{BASE}/visits/{visit['id']}/outcome",
        json={"outcome": "done", "note": "本人在家，已完成认证"},
        headers=visitor_headers,
    )
    assert done.status_code == 200, done.text
    assert done.json()["outcome"] == "done"
    read = client.get(f"{BASE}/requests/{reference}", headers=desk).json()
    assert read["status"] == "done" and read["visit"]["outcome_note"] == "本人在家，已完成认证"

    # The resident rates the visit: a bad rating joins the 好差评 loop and opens a rectification.
    vague = client.post(
        f"{BASE}/visits/{visit['id']}/rating", json={"level": 2}, headers=visitor_headers
    )
    assert vague.status_code == 422 and "reason or a comment" in vague.json()["detail"]
    rated = client.post(
        f"{BASE}/visits/{visit['id']}/rating",
        json={"level": 2, "reasons": ["too_slow"], "comment": "等了很久"},
        headers=visitor_headers,
    )
    assert rated.status_code == 201, rated.text
    assert rated.json()["rating_level"] == 2
    rating = db.get_one(Rating, rated.json()["rating_id"])
    assert (rating.channel, rating.matter_code, rating.staff_code) == (
        RatingChannel.HOME_VISIT, "SI-PENSION-CERT", visitor
    )  # fmt: skip
    assert rating.visit_id is None and rating.terminal_id is None
    rect = db.scalars(select(Rectification).where(Rectification.rating_id == rating.id)).one()
    assert rect.status.value == "open"
    again = client.post(
        f"{BASE}/visits/{visit['id']}/rating",
        json={"level": 5},
        headers=visitor_headers,
    )
    assert again.status_code == 422 and "different rating" in again.json()["detail"]
    # The dashboard's figures: nothing waiting, today's visit, one done this week.
    assert counts(db, clock.now()) == {"waiting": 0, "today": 1, "done_7d": 1}


def test_a_relative_asks_at_the_kiosk_and_a_visit_needing_documents_is_booked_again(
    client: TestClient,
    db: Session,
    clock: ManualClock,
    manager: dict[str, str],
    staff_headers: StaffFactory,
) -> None:
    seed_catalog(db, clock)
    kiosk = enrolled_terminal(client, manager)
    token = identify_by_card(client, kiosk, RELATIVE_ID, "李四")["token"]
    asked = client.post(
        f"{BASE}/kiosk-requests",
        json=_kiosk_body(requested_by="relative", matter_code="EL-ALLOWANCE", reason="illness"),
        headers={**kiosk, "X-Identification": token},
    )
    assert asked.status_code == 201, asked.text
    request = asked.json()
    assert request["requested_by"] == "relative" and request["requester_masked_name"] == "李*"
    assert request["person_masked_id"] is None

    desk = staff_headers(Role.OPERATOR)
    me = client.get("/api/v1/auth/me", headers=desk).json()["name"]
    reference = request["reference"]
    first = client.post(
        f"{BASE}/requests/{reference}/visits", json={"staff": me, "starts_at": TODAY_1030},
        headers=desk,
    ).json()  # fmt: skip
    clock.advance(hours=2)
    no_note = client.post(
        f"{BASE}/visits/{first['id']}/outcome", json={"outcome": "needs_documents"}, headers=desk
    )
    assert no_note.status_code == 422 and "documents are missing" in no_note.json()["detail"]
    needs = client.post(
        f"{BASE}/visits/{first['id']}/outcome",
        json={"outcome": "needs_documents", "note": "缺户口簿"},
        headers=desk,
    )
    assert needs.status_code == 200
    second = client.post(
        f"{BASE}/requests/{reference}/visits",
        json={"staff": me, "starts_at": "2026-11-06T14:00:00+08:00"},
        headers=desk,
    )
    assert second.status_code == 201, second.text
    read = client.get(f"{BASE}/requests/{reference}", headers=desk).json()
    assert read["status"] == "booked" and read["visit"]["id"] == second.json()["id"]


def test_the_desk_takes_a_request_on_the_phone_masked(
    client: TestClient, db: Session, clock: ManualClock, staff_headers: StaffFactory
) -> None:
    seed_catalog(db, clock)
    desk = staff_headers(Role.CALL_TAKER)
    admin = staff_headers(Role.ADMIN)
    taken = client.post(
        f"{BASE}/requests",
        json={
            "matter_code": "DIS-CARE-SUBSIDY",
            "requested_by": "grid_worker",
            "person_name": "王小红",
            "person_id_number": ID_NUMBER,
            "requester_name": "赵网格",
            "address": "愚园路 1000号 5楼，电话 13912341234",
            "reason": "disability",
            "preferred": [{"day": "2026-11-04", "part": "afternoon"}],
            "contact_phone": "139 5678 5678",
        },
        headers=desk,
    )
    assert taken.status_code == 201, taken.text
    body = taken.json()
    assert (
        body["person_masked_name"] == "王*红" and body["person_masked_id"] == "110***********002X"
    )
    assert body["requester_masked_name"] == "赵*格"
    assert "139****1234" in body["address"] and "13912341234" not in body["address"]
    assert body["requested_by"] == "grid_worker"
    assert body["contact_masked"] == "赵** 139****5678"
    reference = body["reference"]

    reason = {"reason": "告知上门时间"}
    viewer = client.post(f"{BASE}/requests/{reference}/contact", json=reason, headers=admin)
    assert viewer.status_code == 403
    shown = client.post(f"{BASE}/requests/{reference}/contact", json=reason, headers=desk)
    assert shown.status_code == 200 and shown.json()["phone"] == "13956785678"
    contact = db.scalars(select(Contact).where(Contact.owner_id == str(stored_id(db)))).one()
    assert [(r.role, r.allowed) for r in reveals_of(db, contact)] == [
        ("admin", False), ("call_taker", True)
    ]  # fmt: skip

    # Cancelled, the request keeps the masked form only.
    assert client.post(f"{BASE}/requests/{reference}/cancel", headers=desk).status_code == 200
    db.expire_all()
    assert contact.erased_at is not None and contact.ciphertext is None


def stored_id(db: Session) -> int:
    return db.scalars(select(HomeServiceRequest.id)).one()


def test_bad_input_names_the_fix_and_writes_nothing(
    client: TestClient,
    db: Session,
    clock: ManualClock,
    manager: dict[str, str],
    staff_headers: StaffFactory,
) -> None:
    seed_catalog(db, clock)
    kiosk = enrolled_terminal(client, manager)
    token = identify_by_card(client, kiosk, ID_NUMBER, "张三明")["token"]
    person = {**kiosk, "X-Identification": token}

    counter_only = client.post(
        f"{BASE}/kiosk-requests", json=_kiosk_body(matter_code="RES-POINTS"), headers=person
    )
    assert counter_only.status_code == 422
    assert counter_only.json()["detail"].startswith(
        "Matter RES-POINTS cannot be done at home; it is handled at the counter."
    )
    past_day = client.post(
        f"{BASE}/kiosk-requests",
        json=_kiosk_body(preferred=[{"day": "2026-11-01", "part": "morning"}]),
        headers=person,
    )
    assert past_day.status_code == 422 and "is past" in past_day.json()["detail"]
    unidentified = client.post(f"{BASE}/kiosk-requests", json=_kiosk_body(), headers=kiosk)
    assert unidentified.status_code == 401
    assert _rows(db) == (0, 0)

    reference = client.post(f"{BASE}/kiosk-requests", json=_kiosk_body(), headers=person).json()[
        "reference"
    ]
    desk = staff_headers(Role.OPERATOR)
    me = client.get("/api/v1/auth/me", headers=desk).json()["name"]

    def book(**body: Any) -> Any:
        return client.post(
            f"{BASE}/requests/{reference}/visits", json={"staff": me, **body}, headers=desk
        )

    past = book(starts_at="2026-11-02T08:30:00+08:00")
    assert past.status_code == 422
    assert past.json()["detail"] == (
        "The visit time 2026-11-02 08:30 is in the past (it is 2026-11-02 09:00 now); book a "
        "time to come."
    )
    night = book(starts_at="2026-11-03T21:00:00+08:00")
    assert night.status_code == 422 and "between 08:30 and 17:30" in night.json()["detail"]
    naive = book(starts_at="2026-11-03T09:30:00")
    assert naive.status_code == 422 and "Give a time zone" in str(naive.json()["detail"])
    nobody = client.post(
        f"{BASE}/requests/{reference}/visits",
        json={"staff": "no-such-person", "starts_at": TUESDAY_0930},
        headers=desk,
    )
    assert nobody.status_code == 422 and "not an active member" in nobody.json()["detail"]
    assert _rows(db) == (1, 0)
    assert client.get(f"{BASE}/requests/{reference}", headers=desk).json()["status"] == "requested"

    assert book(starts_at=TUESDAY_0930).status_code == 201
    twice = book(starts_at="2026-11-04T09:30:00+08:00")
    assert twice.status_code == 409 and "is booked" in twice.json()["detail"]

    # The same member of staff cannot be at two homes within the hour.
    other = client.post(f"{BASE}/kiosk-requests", json=_kiosk_body(), headers=person).json()
    clash = client.post(
        f"{BASE}/requests/{other['reference']}/visits",
        json={"staff": me, "starts_at": "2026-11-03T10:00:00+08:00"},
        headers=desk,
    )
    assert clash.status_code == 409
    assert clash.json()["detail"].startswith(f"{me} has visit {reference} at 2026-11-03 09:30")
    assert _rows(db) == (2, 1)


def test_the_lifecycle_table_ends_in_finished_states() -> None:
    finished = {s for s, nxt in ALLOWED.items() if not nxt}
    assert finished == {RequestStatus.DONE, RequestStatus.NOT_POSSIBLE, RequestStatus.CANCELLED}
    assert set(ALLOWED) == set(RequestStatus)
    for targets in ALLOWED.values():
        assert RequestStatus.REQUESTED not in targets
