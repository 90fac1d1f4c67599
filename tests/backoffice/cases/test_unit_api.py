"""The unit API: a unit (its token or its staff) sees and works only its own cases."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.cases.states import CaseState
from backoffice.clock import ManualClock
from backoffice.identity.service import issue_unit_token
from backoffice.settings import Settings
from tests.backoffice.cases.helpers import ON_YANAN_ROAD, UNIT_TOKEN_TTL, new_case, photo_json, unit
from tests.conftest import StaffFactory, bearer


def _token(db: Session, code: str, clock: ManualClock) -> dict[str, str]:
    return bearer(issue_unit_token(db, unit(db, code), clock.now(), UNIT_TOKEN_TTL))


def test_a_unit_lists_only_its_own_cases_and_cannot_touch_another_units(
    seeded: Session,
    client: TestClient,
    clock: ManualClock,
    settings: Settings,
    staff_headers: StaffFactory,
) -> None:
    photos = settings.data_dir / "photos"
    bike = new_case(seeded, clock.now(), photos)  # BIKE-HELLO
    litter = new_case(seeded, clock.now(), photos, type_code="E-0102", point=ON_YANAN_ROAD)
    assert litter.unit is not None and litter.unit.code == "JSL-SANITATION"
    hello = _token(seeded, "BIKE-HELLO", clock)
    listed = client.get("/api/v1/cases", headers=hello).json()
    assert [c["number"] for c in listed] == [bike.number]
    staff_of_hello = staff_headers(Role.UNIT_STAFF, unit_code="BIKE-HELLO")
    assert [c["number"] for c in client.get("/api/v1/cases", headers=staff_of_hello).json()] == [
        bike.number
    ]
    for headers in (hello, staff_of_hello):
        other = client.get(f"/api/v1/cases/{litter.number}", headers=headers)
        assert other.status_code == 403
        accept = client.post(f"/api/v1/cases/{litter.number}/actions/accept", headers=headers)
        assert accept.status_code == 403
        assert "another unit" in accept.json()["detail"]
    assert client.get(f"/api/v1/cases/{bike.number}", headers=hello).status_code == 200
    # A unit may not dispatch, close or verify, even its own case.
    close = client.post(f"/api/v1/cases/{bike.number}/actions/verify", json={}, headers=hello)
    assert close.status_code == 403
    assert "accept, send_back, report_handled, request_extension" in close.json()["detail"]
    seeded.refresh(litter)
    assert litter.state is CaseState.DISPATCHED


def test_a_unit_accepts_reports_handled_with_an_after_photo_and_asks_for_more_time(
    seeded: Session,
    client: TestClient,
    clock: ManualClock,
    settings: Settings,
    staff_headers: StaffFactory,
) -> None:
    case = new_case(
        seeded, clock.now(), settings.data_dir / "photos", type_code="E-0102", point=ON_YANAN_ROAD
    )  # 暴露垃圾: 4 h, not working hours
    number = case.number
    sanitation = _token(seeded, "JSL-SANITATION", clock)
    url = f"/api/v1/cases/{number}/actions"
    clock.advance(minutes=10)
    accepted = client.post(f"{url}/accept", json={}, headers=sanitation)
    assert accepted.json()["state"] == "handling"
    assert accepted.json()["timeline"][-1]["actor"] == "unit:JSL-SANITATION"
    asked = client.post(
        f"{url}/request_extension",
        json={"reason": "需要调派压缩车", "hours": 2},
        headers=sanitation,
    )
    assert asked.status_code == 200
    assert (asked.json()["extension_requested_h"], asked.json()["state"]) == (2.0, "handling")
    twice = client.post(
        f"{url}/request_extension", json={"reason": "再延", "hours": 2}, headers=sanitation
    )
    assert twice.status_code == 409
    leader = staff_headers(Role.SHIFT_LEADER)
    approved = client.post(f"{url}/approve_extension", json={}, headers=leader)
    assert approved.status_code == 200
    assert approved.json()["due_at"] == "2026-11-02T07:00:00Z"  # 01:00 + 4 h + 2 h
    assert approved.json()["extension_requested_h"] is None
    no_photo = client.post(f"{url}/report_handled", json={}, headers=sanitation)
    assert no_photo.status_code == 422
    assert "after photo" in no_photo.json()["detail"]
    only_before = client.post(
        f"{url}/report_handled", json={"photos": [photo_json("before")]}, headers=sanitation
    )
    assert only_before.status_code == 422
    clock.advance(timedelta(hours=1))
    handled = client.post(
        f"{url}/report_handled", json={"photos": [photo_json("after")]}, headers=sanitation
    )
    assert handled.status_code == 200
    assert handled.json()["state"] == "handled"
    assert [p["kind"] for p in handled.json()["photos"]] == ["before", "after"]


def test_a_unit_sends_a_case_back_with_a_reason_and_it_joins_the_manual_queue(
    seeded: Session,
    client: TestClient,
    clock: ManualClock,
    tmp_path: Path,
    staff_headers: StaffFactory,
) -> None:
    case = new_case(seeded, clock.now(), tmp_path)
    hello = _token(seeded, "BIKE-HELLO", clock)
    url = f"/api/v1/cases/{case.number}/actions/send_back"
    no_reason = client.post(url, json={}, headers=hello)
    assert no_reason.status_code == 422
    sent = client.post(url, json={"reason": "车辆为美团单车"}, headers=hello)
    assert sent.status_code == 200
    assert (sent.json()["state"], sent.json()["unit_code"]) == ("filed", None)
    assert sent.json()["timeline"][-1]["reason"] == "车辆为美团单车"
    queue = client.get(
        "/api/v1/cases", params={"queue": "manual"}, headers=staff_headers(Role.DISPATCHER)
    )
    assert [c["number"] for c in queue.json()] == [case.number]
    # It is no longer theirs.
    assert client.get(f"/api/v1/cases/{case.number}", headers=hello).status_code == 403


def test_escalation_goes_one_level_up_each_time_and_stops_at_the_top(
    seeded: Session,
    client: TestClient,
    clock: ManualClock,
    tmp_path: Path,
    staff_headers: StaffFactory,
) -> None:
    case = new_case(seeded, clock.now(), tmp_path)
    url = f"/api/v1/cases/{case.number}/actions/escalate"
    leader = staff_headers(Role.SHIFT_LEADER)
    chain = []
    for _ in range(3):
        response = client.post(url, json={"reason": "超时未处置"}, headers=leader)
        assert response.status_code == 200
        chain.append((response.json()["supervisor_unit_code"], response.json()["escalation_level"]))
    assert chain == [("JSL-OPS", 1), ("CN-SH-CN", 2), ("SH-OPS", 3)]
    top = client.post(url, json={"reason": "再次督办"}, headers=leader)
    assert top.status_code == 409
    assert "top of the hierarchy" in top.json()["detail"]
    # The responsible unit keeps the case while it is supervised.
    assert client.get(f"/api/v1/cases/{case.number}", headers=leader).json()["unit_code"] == (
        "BIKE-HELLO"
    )
    operator = client.post(url, json={"reason": "x"}, headers=staff_headers(Role.OPERATOR))
    assert operator.status_code == 403
