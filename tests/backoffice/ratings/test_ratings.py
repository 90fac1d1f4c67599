"""好差评: one rating per visit, counted once; a bad rating opens a rectification case."""

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.cases.models import Case, CaseType
from backoffice.cases.taxonomy import TYPE_SERVICE_COMPLAINT
from backoffice.clock import ManualClock
from backoffice.ratings.models import Rating
from backoffice.ratings.service import rectification_deadline
from tests.backoffice.kiosk_terminals import enrolled_terminal, report_visit
from tests.backoffice.ratings.conftest import MATTER, rate
from tests.conftest import StaffFactory


def test_a_repeated_rating_is_counted_once(
    client: TestClient, db: Session, kiosk: dict[str, str], staff_headers: StaffFactory
) -> None:
    visit = report_visit(client, kiosk, [MATTER])
    body = {"visit_id": visit, "matter_code": MATTER, "level": 5,
            "indicators": {"guide_accuracy": 5, "ease_of_use": 4}}  # fmt: skip
    first = rate(client, kiosk, "k-1", **body)
    assert first.status_code == 201, first.text
    assert first.json()["level_name"] == "非常满意" and first.json()["rectification"] is None
    retry = rate(client, kiosk, "k-1", **body)
    assert retry.status_code == 200 and retry.json() == first.json()
    another_key = rate(client, kiosk, "k-2", **body)
    assert another_key.status_code == 409 and "one rating per visit" in another_key.json()["detail"]
    reused_key = rate(client, kiosk, "k-1", **{**body, "level": 4})
    assert reused_key.status_code == 422
    assert db.scalar(select(func.count()).select_from(Rating)) == 1

    rows = client.get(
        "/api/v1/ratings/satisfaction?by=matter", headers=staff_headers(Role.VIEWER)
    ).json()
    assert rows == [{"key": MATTER, "ratings": 1, "satisfied": 1, "satisfaction_rate": 1.0}]


def test_a_bad_rating_opens_a_rectification_case_that_runs_to_its_outcome(
    client: TestClient,
    db: Session,
    clock: ManualClock,
    kiosk: dict[str, str],
    staff_headers: StaffFactory,
) -> None:
    visit = report_visit(client, kiosk, [MATTER])
    bad = rate(
        client, kiosk, "bad-1", visit_id=visit, matter_code=MATTER, level=2,
        reasons=["device_fault"], comment="打印机卡纸，记录册打印错行",
    )  # fmt: skip
    assert bad.status_code == 201, bad.text
    rect = bad.json()["rectification"]
    assert rect["status"] == "open" and rect["unit_code"] == "JSL-CAC-MI"
    # Monday 2 Nov 2026 09:00 Shanghai + 5 working days = Monday 9 Nov, end of office hours.
    assert rect["deadline"] == "2026-11-09T10:00:00Z"
    case = db.scalars(select(Case)).one()
    assert case.number == rect["case_number"]
    assert db.get_one(CaseType, case.type_id).code == TYPE_SERVICE_COMPLAINT
    assert case.source == "rating"
    assert case.unit is not None and case.unit.code == "JSL-CAC-MI"
    assert "打印机卡纸" in case.description and "JSL-CAC-01" in case.description

    retry = rate(
        client, kiosk, "bad-1", visit_id=visit, matter_code=MATTER, level=2,
        reasons=["device_fault"], comment="打印机卡纸，记录册打印错行",
    )  # fmt: skip
    assert retry.status_code == 200
    assert db.scalar(select(func.count()).select_from(Case)) == 1

    unit_staff = staff_headers(Role.UNIT_STAFF, unit_code="JSL-CAC-MI")
    other_unit = staff_headers(Role.UNIT_STAFF, unit_code="JSL-EMP")
    url = f"/api/v1/ratings/rectifications/{rect['id']}"
    early = client.post(f"{url}/outcome", json={"outcome": "换了打印头"}, headers=unit_staff)
    assert early.status_code == 409 and "called_back" in early.json()["detail"]
    denied = client.post(f"{url}/callback", json={"note": "x", "resident_satisfied": True},
                         headers=other_unit)  # fmt: skip
    assert denied.status_code == 403
    assert client.get("/api/v1/ratings/rectifications", headers=other_unit).json() == []
    callback = client.post(
        f"{url}/callback",
        json={"note": "已电话回访，居民接受道歉并重新打印", "resident_satisfied": True},
        headers=unit_staff,
    )
    assert callback.status_code == 200 and callback.json()["status"] == "called_back"
    clock.advance(hours=3)
    closed = client.post(
        f"{url}/outcome", json={"outcome": "更换打印头并校准记录册进纸"}, headers=unit_staff
    )
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed" and closed.json()["closed_on_time"] is True
    # The outcome closed the case too: it no longer runs against its time limit.
    db.expire_all()
    case = db.get_one(Case, case.id)
    assert case.state == "closed" and case.closed_at == clock.now()
    assert (case.events[-1].action, case.events[-1].from_state) == ("resolve", "dispatched")
    assert case.events[-1].reason == "整改完成 (rectified): 更换打印头并校准记录册进纸"

    summary = client.get("/api/v1/public/ratings/summary").json()
    assert summary["ratings"] == 1 and summary["bad_ratings"] == 1
    assert summary["satisfaction_rate"] == 0.0
    assert summary["rectified"] == 1 and summary["rectified_on_time"] == 1


def test_an_upheld_appeal_takes_a_mistaken_rating_out_of_the_rate(
    client: TestClient, db: Session, kiosk: dict[str, str], staff_headers: StaffFactory
) -> None:
    good = report_visit(client, kiosk, [MATTER])
    rate(client, kiosk, "g", visit_id=good, matter_code=MATTER, level=4)
    visit = report_visit(client, kiosk, [MATTER])
    bad = rate(client, kiosk, "b", visit_id=visit, matter_code=MATTER, level=1, comment="点错了")
    rect_id = bad.json()["rectification"]["id"]
    operator = staff_headers(Role.OPERATOR)
    viewer = staff_headers(Role.VIEWER)
    by_kind = client.get("/api/v1/ratings/satisfaction?by=kind", headers=viewer).json()
    assert by_kind == [
        {"key": "community_centre", "ratings": 2, "satisfied": 1, "satisfaction_rate": 0.5}
    ]
    url = f"/api/v1/ratings/rectifications/{rect_id}"
    appeal = client.post(f"{url}/appeal", json={"reason": "居民回访称误触"}, headers=operator)
    assert appeal.json()["status"] == "appealed"
    assert client.post(f"{url}/appeal-decision", json={"upheld": True, "note": "x"},
                       headers=operator).status_code == 403  # fmt: skip
    decided = client.post(
        f"{url}/appeal-decision", json={"upheld": True, "note": "核实为误触"},
        headers=staff_headers(Role.SHIFT_LEADER),
    )  # fmt: skip
    assert decided.json()["status"] == "excluded"
    db.expire_all()
    case = db.scalars(select(Case).where(Case.number == decided.json()["case_number"])).one()
    assert (
        case.state == "closed" and case.events[-1].reason == "申诉成立 (appeal upheld): 核实为误触"
    )
    by_kind = client.get("/api/v1/ratings/satisfaction?by=kind", headers=viewer).json()
    assert by_kind == [
        {"key": "community_centre", "ratings": 1, "satisfied": 1, "satisfaction_rate": 1.0}
    ]
    again = client.post(f"{url}/callback", json={"note": "x", "resident_satisfied": True},
                        headers=operator)  # fmt: skip
    assert again.status_code == 409 and "nothing (it is finished)" in again.json()["detail"]


@pytest.mark.parametrize(
    ("change", "status", "says"),
    [
        ({"level": 0}, 422, "level"),
        ({"level": 6}, 422, "level"),
        ({"level": 2}, 422, "reason or a comment"),
        ({"level": 4, "reasons": ["too_slow"]}, 422, "only for a rating of 1 or 2"),
        ({"indicators": {"attitude": 9}}, 422, "indicators"),
        ({"indicators": {"beauty": 5}}, 422, "indicators"),
        ({"matter_code": "EMP-UNEMP-REG"}, 422, "not part of visit"),
        ({"visit_id": "00000000-0000-4000-8000-000000000000"}, 422, "No visit"),
    ],
)
def test_impossible_ratings_are_refused_and_nothing_written(
    client: TestClient,
    db: Session,
    kiosk: dict[str, str],
    change: dict[str, object],
    status: int,
    says: str,
) -> None:
    visit = report_visit(client, kiosk, [MATTER])
    body = {"visit_id": visit, "matter_code": MATTER, "level": 5, **change}
    reply = rate(client, kiosk, "key", **body)
    assert reply.status_code == status, reply.text
    assert says in str(reply.json()["detail"])
    assert db.scalar(select(func.count()).select_from(Rating)) == 0
    assert db.scalar(select(func.count()).select_from(Case)) == 0


def test_a_rating_needs_an_idempotency_key_and_the_visits_own_terminal(
    client: TestClient, kiosk: dict[str, str], staff_headers: StaffFactory
) -> None:
    visit = report_visit(client, kiosk, [MATTER])
    body = {"visit_id": visit, "matter_code": MATTER, "level": 5}
    assert client.post("/api/v1/ratings", json=body, headers=kiosk).status_code == 422
    other = enrolled_terminal(client, staff_headers(Role.TERMINAL_MANAGER), "JSL-LOBBY-02", "lobby")
    assert rate(client, other, "k", **body).status_code == 403


def test_the_deadline_skips_weekends_and_holidays() -> None:
    # Rated on Wednesday 30 Sep 2026: the National Day holiday (1-7 Oct) does not count.
    rated = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)
    deadline = rectification_deadline(rated, 5)
    assert deadline.astimezone(UTC).date() > datetime(2026, 10, 8, tzinfo=UTC).date()
    monday = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    assert rectification_deadline(monday, 5) == datetime(2026, 11, 9, 10, 0, tzinfo=UTC)
