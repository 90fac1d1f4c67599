"""Registering a terminal, enrolling it with a one-time code, heartbeats, online/offline."""

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.clock import ManualClock
from backoffice.fleet.models import EnrollmentCode, Heartbeat
from backoffice.identity.models import ApiToken
from tests.conftest import StaffFactory, bearer

TERMINAL = {"code": "JSL-01", "name": "社区事务受理服务中心 1号机", "kind": "community_centre"}
BEAT: dict[str, Any] = {
    "app_version": "0.1.0",
    "screen": "home",
    "language": "zh",
    "elder_mode": False,
    "devices": {
        "printer": {"state": "ready"},
        "card_reader": {"state": "ready"},
        "id_card_reader": {"state": "fault", "reason": "reader_unavailable: SAM status 000041"},
    },
    "disk_free_mb": 20480,
}


def register(client: TestClient, headers: dict[str, str]) -> str:
    response = client.post("/api/v1/fleet/terminals", json=TERMINAL, headers=headers)
    assert response.status_code == 201, response.text
    code: str = response.json()["enrollment_code"]
    return code


def enroll(client: TestClient, code: str) -> Any:
    return client.post("/api/v1/fleet/enroll", json={"code": code, "app_version": "0.1.0"})


@pytest.fixture
def manager(staff_headers: StaffFactory) -> dict[str, str]:
    return staff_headers(Role.TERMINAL_MANAGER)


def test_enrollment_trades_a_one_time_code_for_a_token(
    client: TestClient, db: Session, manager: dict[str, str]
) -> None:
    code = register(client, manager)
    assert len(code) == 11 and code[5] == "-"
    assert db.scalars(select(EnrollmentCode.digest)).one() != code
    response = enroll(client, code.lower().replace("-", ""))  # typed loosely still works
    assert response.status_code == 201
    body = response.json()
    assert body["terminal_code"] == "JSL-01"
    assert body["heartbeat_interval_s"] == 30
    assert body["token"] not in db.scalars(select(ApiToken.digest)).all()
    me = client.get("/api/v1/auth/me", headers=bearer(body["token"])).json()
    assert me["kind"] == "terminal" and me["terminal_code"] == "JSL-01"


def test_wrong_reused_expired_and_malformed_codes_are_refused(
    client: TestClient, clock: ManualClock, manager: dict[str, str]
) -> None:
    code = register(client, manager)
    wrong = enroll(client, "ABCDE-FGHJK")
    assert wrong.status_code == 401
    assert "not known" in wrong.json()["detail"]
    malformed = enroll(client, "12-34")
    assert malformed.status_code == 422
    assert enroll(client, code).status_code == 201
    reused = enroll(client, code)
    assert reused.status_code == 409
    assert "used already" in reused.json()["detail"]

    fresh = client.post("/api/v1/fleet/terminals/JSL-01/enrollment-codes", headers=manager)
    assert fresh.status_code == 201, fresh.text
    clock.advance(timedelta(hours=72, seconds=1))
    expired = enroll(client, fresh.json()["enrollment_code"])
    assert expired.status_code == 410
    assert "expired" in expired.json()["detail"]


def test_re_enrolling_revokes_the_old_token(client: TestClient, manager: dict[str, str]) -> None:
    old = enroll(client, register(client, manager)).json()["token"]
    code = client.post("/api/v1/fleet/terminals/JSL-01/enrollment-codes", headers=manager)
    new = enroll(client, code.json()["enrollment_code"]).json()["token"]
    assert client.post("/api/v1/fleet/heartbeat", json=BEAT, headers=bearer(old)).status_code == 401
    assert client.post("/api/v1/fleet/heartbeat", json=BEAT, headers=bearer(new)).status_code == 200


def test_heartbeat_is_recorded_and_the_terminal_goes_offline_when_silent(
    client: TestClient, db: Session, clock: ManualClock, manager: dict[str, str]
) -> None:
    token = enroll(client, register(client, manager)).json()["token"]
    listed = client.get("/api/v1/fleet/terminals", headers=manager).json()
    assert listed[0]["enrolled"] is True and listed[0]["online"] is False

    answer = client.post("/api/v1/fleet/heartbeat", json=BEAT, headers=bearer(token))
    assert answer.status_code == 200
    assert answer.json()["commands"] == []
    assert answer.json()["heartbeat_interval_s"] == 30
    terminal = client.get("/api/v1/fleet/terminals/JSL-01", headers=manager).json()
    assert terminal["online"] is True
    assert terminal["screen"] == "home"
    assert terminal["devices"]["printer"] == {"state": "ready", "reason": None}
    assert terminal["devices"]["id_card_reader"] == {
        "state": "fault",
        "reason": "reader_unavailable: SAM status 000041",
    }
    beat = db.scalars(select(Heartbeat)).one()
    assert beat.disk_free_mb == 20480 and beat.received_at == clock.now()

    clock.advance(seconds=90)
    assert client.get("/api/v1/fleet/terminals/JSL-01", headers=manager).json()["online"] is True
    clock.advance(seconds=1)
    assert client.get("/api/v1/fleet/terminals/JSL-01", headers=manager).json()["online"] is False


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"disk_free_mb": -5}, "disk_free_mb"),
        ({"language": "fr"}, "language"),
        ({"screen": "../etc"}, "screen"),
        ({"app_version": "latest"}, "app_version"),
        ({"devices": {"toaster": {"state": "ready"}}}, "devices"),
        ({"devices": {"printer": {"state": "on fire"}}}, "devices"),
        ({"battery": 3}, "battery"),
    ],
)
def test_impossible_heartbeats_are_422(
    client: TestClient,
    db: Session,
    manager: dict[str, str],
    change: dict[str, Any],
    field: str,
) -> None:
    token = enroll(client, register(client, manager)).json()["token"]
    response = client.post(
        "/api/v1/fleet/heartbeat", json={**BEAT, **change}, headers=bearer(token)
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][1] == field
    assert db.scalars(select(Heartbeat)).all() == []


def test_terminal_tokens_reach_only_their_own_terminal(
    client: TestClient, manager: dict[str, str]
) -> None:
    token = enroll(client, register(client, manager)).json()["token"]
    other = {**TERMINAL, "code": "JSL-02"}
    assert client.post("/api/v1/fleet/terminals", json=other, headers=manager).status_code == 201
    assert client.get("/api/v1/fleet/terminals/JSL-01", headers=bearer(token)).status_code == 200
    assert client.get("/api/v1/fleet/terminals/JSL-02", headers=bearer(token)).status_code == 403
    assert client.get("/api/v1/fleet/terminals", headers=bearer(token)).status_code == 403


def test_staff_cannot_send_heartbeats_and_viewers_cannot_register(
    client: TestClient, staff_headers: StaffFactory
) -> None:
    viewer = staff_headers(Role.VIEWER)
    assert client.post("/api/v1/fleet/heartbeat", json=BEAT, headers=viewer).status_code == 403
    assert client.post("/api/v1/fleet/terminals", json=TERMINAL, headers=viewer).status_code == 403


def test_duplicate_terminal_code_is_409_and_nothing_half_written(
    client: TestClient, db: Session, manager: dict[str, str]
) -> None:
    register(client, manager)
    again = client.post("/api/v1/fleet/terminals", json=TERMINAL, headers=manager)
    assert again.status_code == 409
    assert len(db.scalars(select(EnrollmentCode)).all()) == 1
