"""Remote commands: queued by staff, delivered in the heartbeat answer, acknowledged, audited."""

from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.clock import ManualClock
from backoffice.settings import Settings
from tests.backoffice.fleet.test_enrollment import BEAT, TERMINAL, enroll
from tests.backoffice.test_bodies import real_png
from tests.conftest import StaffFactory, bearer

PNG = real_png()


@pytest.fixture
def manager(staff_headers: StaffFactory) -> dict[str, str]:
    return staff_headers(Role.TERMINAL_MANAGER)


def enrolled(client: TestClient, manager: dict[str, str], code: str = "JSL-01") -> dict[str, str]:
    body = {**TERMINAL, "code": code}
    reply = client.post("/api/v1/fleet/terminals", json=body, headers=manager)
    assert reply.status_code == 201, reply.text
    token: str = enroll(client, reply.json()["enrollment_code"]).json()["token"]
    return bearer(token)


def beat(client: TestClient, kiosk: dict[str, str]) -> list[dict[str, Any]]:
    answer = client.post("/api/v1/fleet/heartbeat", json=BEAT, headers=kiosk)
    assert answer.status_code == 200, answer.text
    commands: list[dict[str, Any]] = answer.json()["commands"]
    return commands


def test_a_lock_command_makes_the_full_round_trip(
    client: TestClient, manager: dict[str, str]
) -> None:
    kiosk = enrolled(client, manager)
    sent = client.post(
        "/api/v1/fleet/terminals/JSL-01/commands",
        json={"kind": "lock", "message": "设备维护中，请到3号窗口办理"},
        headers=manager,
    )
    assert sent.status_code == 201, sent.text
    command_id = sent.json()["id"]
    assert sent.json()["status"] == "pending"

    delivered = beat(client, kiosk)
    assert delivered == [
        {"id": command_id, "kind": "lock", "payload": {"message": "设备维护中，请到3号窗口办理"}}
    ]
    assert beat(client, kiosk) == []  # delivered once, not on every heartbeat
    state = client.get(f"/api/v1/fleet/commands/{command_id}", headers=manager).json()
    assert state["status"] == "delivered"

    ack = client.post(
        f"/api/v1/fleet/commands/{command_id}/ack",
        json={"ok": True, "result": "locked"},
        headers=kiosk,
    )
    assert ack.status_code == 200, ack.text
    assert ack.json()["status"] == "succeeded" and ack.json()["result"] == "locked"
    again = client.post(
        f"/api/v1/fleet/commands/{command_id}/ack",
        json={"ok": True, "result": "locked"},
        headers=kiosk,
    )
    assert again.status_code == 200  # the same answer twice is harmless
    changed = client.post(
        f"/api/v1/fleet/commands/{command_id}/ack", json={"ok": False}, headers=kiosk
    )
    assert changed.status_code == 409

    audit = client.get("/api/v1/fleet/audit", headers=manager).json()
    sent_entry = next(e for e in audit if e["action"] == "command")
    assert sent_entry["actor"].startswith("terminal-manager-")
    assert sent_entry["terminal_code"] == "JSL-01"
    assert sent_entry["detail"]["kind"] == "lock"


def test_an_unacknowledged_command_is_sent_again_after_two_minutes(
    client: TestClient, clock: ManualClock, manager: dict[str, str]
) -> None:
    kiosk = enrolled(client, manager)
    client.post(
        "/api/v1/fleet/terminals/JSL-01/commands", json={"kind": "restart_app"}, headers=manager
    )
    first = beat(client, kiosk)
    clock.advance(seconds=119)
    assert beat(client, kiosk) == []
    clock.advance(seconds=1)
    assert beat(client, kiosk) == first


def test_screenshot_is_uploaded_as_png_and_stored_under_the_data_dir(
    client: TestClient, manager: dict[str, str], settings: Any
) -> None:
    kiosk = enrolled(client, manager)
    command_id = client.post(
        "/api/v1/fleet/terminals/JSL-01/commands", json={"kind": "screenshot"}, headers=manager
    ).json()["id"]
    url = f"/api/v1/fleet/commands/{command_id}"
    assert client.post(f"{url}/ack", json={"ok": True}, headers=kiosk).status_code == 409
    beat(client, kiosk)
    early = client.post(f"{url}/ack", json={"ok": True}, headers=kiosk)
    assert early.status_code == 409 and "screenshot first" in early.json()["detail"]
    not_png = client.put(f"{url}/screenshot", content=b"GIF89a", headers=kiosk)
    assert not_png.status_code == 422
    upload = client.put(
        f"{url}/screenshot", content=PNG, headers={**kiosk, "Content-Type": "image/png"}
    )
    assert upload.status_code == 201, upload.text
    assert (
        settings.data_dir / "screenshots" / "JSL-01" / f"command-{command_id}.png"
    ).read_bytes() == PNG
    assert client.post(f"{url}/ack", json={"ok": True}, headers=kiosk).status_code == 200
    download = client.get(f"{url}/screenshot", headers=manager)
    assert download.status_code == 200 and download.content == PNG


def test_commands_of_another_terminal_are_403(client: TestClient, manager: dict[str, str]) -> None:
    kiosk_one = enrolled(client, manager, "JSL-01")
    enrolled(client, manager, "JSL-02")
    command_id = client.post(
        "/api/v1/fleet/terminals/JSL-02/commands", json={"kind": "unlock"}, headers=manager
    ).json()["id"]
    assert beat(client, kiosk_one) == []
    other = client.post(
        f"/api/v1/fleet/commands/{command_id}/ack", json={"ok": True}, headers=kiosk_one
    )
    assert other.status_code == 403
    upload = client.put(
        f"/api/v1/fleet/commands/{command_id}/screenshot", content=PNG, headers=kiosk_one
    )
    assert upload.status_code == 403
    assert (
        client.post(
            "/api/v1/fleet/commands/999/ack", json={"ok": True}, headers=kiosk_one
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"kind": "lock"}, "message"),
        ({"kind": "unlock", "message": "x"}, "Only a lock"),
        ({"kind": "push_config"}, "config"),
        ({"kind": "reload_content", "config": {"a": 1}}, "Only push_config"),
    ],
)
def test_commands_missing_or_carrying_the_wrong_payload_are_422(
    client: TestClient, manager: dict[str, str], body: dict[str, Any], says: str
) -> None:
    enrolled(client, manager)
    reply = client.post("/api/v1/fleet/terminals/JSL-01/commands", json=body, headers=manager)
    assert reply.status_code == 422
    assert says in reply.json()["detail"]
    assert client.get("/api/v1/fleet/terminals/JSL-01/commands", headers=manager).json() == []


def test_pending_commands_can_be_cancelled_and_are_not_delivered(
    client: TestClient, manager: dict[str, str], staff_headers: StaffFactory
) -> None:
    kiosk = enrolled(client, manager)
    command_id = client.post(
        "/api/v1/fleet/terminals/JSL-01/commands",
        json={"kind": "push_config", "config": {"idle_after_s": 90}},
        headers=manager,
    ).json()["id"]
    viewer = staff_headers(Role.VIEWER)
    assert (
        client.post(f"/api/v1/fleet/commands/{command_id}/cancel", headers=viewer).status_code
        == 403
    )
    cancel = client.post(f"/api/v1/fleet/commands/{command_id}/cancel", headers=manager)
    assert cancel.json()["status"] == "cancelled"
    assert beat(client, kiosk) == []
    again = client.post(f"/api/v1/fleet/commands/{command_id}/cancel", headers=manager)
    assert again.status_code == 409 and "only a pending command" in again.json()["detail"]


def test_a_silent_terminal_raises_an_alert_and_closes_it_when_heard_again(
    seeded: Session, client: TestClient, clock: ManualClock, manager: dict[str, str]
) -> None:
    kiosk = enrolled(client, manager)
    well = {**BEAT, "devices": {"printer": {"state": "ready"}}}

    def beat_well() -> None:
        assert client.post("/api/v1/fleet/heartbeat", json=well, headers=kiosk).status_code == 200

    beat_well()
    check = "/api/v1/fleet/alerts/check"
    assert client.post(check, headers=manager).json() == {"changed": 0}
    clock.advance(seconds=91)
    # The alert, and the kiosk-fault case it opens (tests/backoffice/cases/test_kiosk_faults.py).
    assert client.post(check, headers=manager).json() == {"changed": 2}
    assert client.post(check, headers=manager).json() == {"changed": 0}
    alerts = client.get("/api/v1/fleet/alerts", headers=manager).json()
    assert [a["terminal_code"] for a in alerts] == ["JSL-01"]
    assert alerts[0]["kind"] == "silent"
    assert "JSL-01" in alerts[0]["message"] and "last heartbeat" in alerts[0]["message"]
    beat_well()
    assert client.post(check, headers=manager).json() == {"changed": 2}
    assert client.get("/api/v1/fleet/alerts", headers=manager).json() == []
    closed = client.get("/api/v1/fleet/alerts?open=false", headers=manager).json()
    assert closed[0]["closed_at"] is not None


def test_terminal_services_and_place_are_edited_and_audited(
    client: TestClient, manager: dict[str, str]
) -> None:
    enrolled(client, manager)
    reply = client.patch(
        "/api/v1/fleet/terminals/JSL-01",
        json={"kind": "lobby", "place": "来福士广场一楼", "enabled_services": ["MI-BOOKLET-PRINT"]},
        headers=manager,
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["kind"] == "lobby"
    assert reply.json()["enabled_services"] == ["MI-BOOKLET-PRINT"]
    audit = client.get("/api/v1/fleet/audit", headers=manager).json()
    assert audit[0]["action"] == "update" and audit[0]["detail"]["place"] == "来福士广场一楼"
    bad = client.patch("/api/v1/fleet/terminals/JSL-01", json={"kind": "toaster"}, headers=manager)
    assert bad.status_code == 422
    moved = client.patch(
        "/api/v1/fleet/terminals/JSL-01", json={"lon": 121.4326, "lat": 31.2235}, headers=manager
    )
    assert (moved.json()["lon"], moved.json()["lat"]) == (121.4326, 31.2235)
    half = client.patch("/api/v1/fleet/terminals/JSL-01", json={"lon": 121.5}, headers=manager)
    assert half.status_code == 422 and "both lon and lat" in str(half.json()["detail"])


def test_scheduler_runs_the_fleet_fault_check_with_the_apps_offline_time(
    app: FastAPI, settings: Settings
) -> None:
    from backoffice.cases.kiosk_faults import check_terminals

    jobs = {job.name: job for job in app.state.scheduler.jobs}
    check = jobs["fleet.terminal_faults"].run
    assert isinstance(check, partial) and check.func is check_terminals
    assert check.keywords == {"offline_after": timedelta(seconds=settings.offline_after_s)}


def test_heartbeat_history_shows_device_health_changes(
    client: TestClient, clock: ManualClock, manager: dict[str, str]
) -> None:
    kiosk = enrolled(client, manager)
    beat(client, kiosk)
    clock.advance(seconds=30)
    beat(client, kiosk)  # unchanged and within 5 minutes: no new history row
    paper_out = {**BEAT, "devices": {"printer": {"state": "fault", "reason": "paper out"}}}
    clock.advance(seconds=30)
    assert client.post("/api/v1/fleet/heartbeat", json=paper_out, headers=kiosk).status_code == 200
    history = client.get("/api/v1/fleet/terminals/JSL-01/heartbeats", headers=manager).json()
    assert [h["devices"]["printer"]["state"] for h in history] == ["fault", "ready"]
    shown = client.get("/api/v1/fleet/terminals/JSL-01", headers=manager).json()
    assert shown["heartbeat_count"] == 3
    assert shown["devices"]["printer"] == {"state": "fault", "reason": "paper out"}


def test_outbox_problems_in_a_heartbeat_become_terminal_alerts(
    client: TestClient, manager: dict[str, str]
) -> None:
    kiosk = enrolled(client, manager)
    report = {
        **BEAT,
        "outbox": {
            "pending": 3,
            "problems": [
                {"kind": "refused", "detail": "rating rating-v1: HTTP 422: level must be 1..5"},
                {"kind": "corrupt", "detail": "outbox file corrupt; moved aside to x.corrupt-1"},
            ],
        },
    }
    assert client.post("/api/v1/fleet/heartbeat", json=report, headers=kiosk).status_code == 200
    quiet = {**BEAT, "outbox": {"pending": 0, "problems": []}}
    assert client.post("/api/v1/fleet/heartbeat", json=quiet, headers=kiosk).status_code == 200
    alerts = client.get("/api/v1/fleet/alerts", headers=manager).json()
    assert sorted(a["message"] for a in alerts) == [
        "Terminal JSL-01: an outbox item was refused: rating rating-v1: HTTP 422: "
        "level must be 1..5",
        "Terminal JSL-01: its outbox file was corrupt: outbox file corrupt; moved "
        "aside to x.corrupt-1",
    ]
    assert {a["kind"] for a in alerts} == {"outbox"}
