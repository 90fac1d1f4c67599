"""Device faults raise work: a heartbeat reporting a device in fault (or a terminal gone
silent) opens one fleet alert and one kiosk-fault case, dispatched by rule and told to the unit's
WeCom robot (a real receiver), and the case closes itself when the heartbeat shows the device
well again (or the terminal is heard from again)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.cases.kiosk_faults import check_terminals
from backoffice.cases.models import Case
from backoffice.cases.seed import seed_reference_data
from backoffice.cases.states import CaseAction, CaseState
from backoffice.clock import ManualClock
from backoffice.db import create_db_engine, session_scope
from backoffice.fleet.models import FleetAlert
from backoffice.fleet.schemas import TerminalCreate
from backoffice.fleet.service import register_terminal
from backoffice.notify import service as notify
from backoffice.notify import worker
from backoffice.notify.models import ChannelKind
from backoffice.units.models import ResponsibleUnit
from backoffice.wiring import session_factory
from tests.backoffice.fleet.test_enrollment import BEAT, TERMINAL, enroll
from tests.backoffice.notify.receiver import Receiver
from tests.conftest import TEST_PEERS, StaffFactory, bearer

deliver_due = partial(worker.deliver_due, outbound=TEST_PEERS)
CHECK = "/api/v1/fleet/alerts/check"
WELL: dict[str, Any] = {
    **BEAT,
    "devices": {
        "printer": {"state": "ready"},
        "card_reader": {"state": "ready"},
        "id_card_reader": {"state": "absent", "reason": "not configured"},
        "qr_camera": {"state": "ready"},
    },
}


def with_devices(**faults: str) -> dict[str, Any]:
    """The well heartbeat with these devices in fault, each with its reason."""
    devices = dict(WELL["devices"])
    devices.update({name: {"state": "fault", "reason": why} for name, why in faults.items()})
    return {**WELL, "devices": devices}


@pytest.fixture
def manager(staff_headers: StaffFactory) -> dict[str, str]:
    return staff_headers(Role.TERMINAL_MANAGER)


@pytest.fixture
def wecom(seeded: Session, clock: ManualClock) -> Iterator[Receiver]:
    """The WeCom group robot of the unit that runs the terminals (the seed's rule CAC-C-0604
    sends kiosk faults to JSL-CAC)."""
    robot = Receiver(clock=clock, wecom=True).start()
    unit = seeded.scalars(select(ResponsibleUnit).where(ResponsibleUnit.code == "JSL-CAC")).one()
    notify.create_subscription(
        seeded,
        unit,
        kind=ChannelKind.WECOM,
        url=robot.url,
        events=["case.*"],
        now=clock.now(),
        outbound=TEST_PEERS,
    )
    yield robot
    robot.stop()


def kiosk_at(
    client: TestClient, manager: dict[str, str], code: str, **where: float
) -> dict[str, str]:
    body = {**TERMINAL, "code": code, "place": "愚园路1000号 社区事务受理服务中心 大厅", **where}
    reply = client.post("/api/v1/fleet/terminals", json=body, headers=manager)
    assert reply.status_code == 201, reply.text
    return bearer(enroll(client, reply.json()["enrollment_code"]).json()["token"])


def beat(client: TestClient, kiosk: dict[str, str], body: dict[str, Any]) -> None:
    assert client.post("/api/v1/fleet/heartbeat", json=body, headers=kiosk).status_code == 200


def check(client: TestClient, manager: dict[str, str]) -> int:
    reply = client.post(CHECK, headers=manager)
    assert reply.status_code == 200, reply.text
    changed: int = reply.json()["changed"]
    return changed


def alerts(client: TestClient, manager: dict[str, str], *, open_only: bool = True) -> list[Any]:
    query = "" if open_only else "?open=false"
    found: list[Any] = client.get(f"/api/v1/fleet/alerts{query}", headers=manager).json()
    return found


def markdown(robot: Receiver) -> list[str]:
    return [body["markdown"]["content"] for body in robot.applied]


def test_paper_out_opens_one_alert_and_one_case_told_to_wecom_and_closed_when_paper_is_back(
    seeded: Session,
    client: TestClient,
    clock: ManualClock,
    manager: dict[str, str],
    wecom: Receiver,
) -> None:
    kiosk = kiosk_at(client, manager, "JSL-01")
    beat(client, kiosk, WELL)
    assert check(client, manager) == 0

    beat(client, kiosk, with_devices(printer="paper_out"))
    assert check(client, manager) == 2  # the alert, and its case
    for _ in range(3):  # the fault lasts: still one alert and one case
        clock.advance(seconds=30)
        beat(client, kiosk, with_devices(printer="paper_out"))
        assert check(client, manager) == 0
    [alert] = alerts(client, manager)
    assert (alert["terminal_code"], alert["kind"], alert["device"]) == (
        "JSL-01",
        "device",
        "printer",
    )
    number = alert["case_number"]
    case = seeded.scalars(select(Case).where(Case.number == number)).one()
    assert (case.type.code, case.source.value, case.state) == (
        "C-0604",
        "fleet",
        CaseState.DISPATCHED,
    )
    assert case.unit is not None and case.unit.code == "JSL-CAC"
    assert case.description.startswith(
        "自助终端 JSL-01（愚园路1000号 社区事务受理服务中心 大厅）打印机缺纸"
    )
    # Where the terminal stands: the centre its place names, with that site's grid and road.
    assert case.place is not None and case.place.code == "JSL-B04"
    assert case.grid is not None and case.road is not None
    assert (case.lon, case.lat) == (None, None)

    assert deliver_due(seeded, clock.now()) == 1
    [dispatched] = markdown(wecom)
    assert dispatched.startswith(f"**新案件派遣: {number}**\n")
    assert '> 类型: <font color="comment">自助服务终端</font>' in dispatched
    assert "打印机缺纸" in dispatched

    clock.advance(minutes=10)
    beat(client, kiosk, WELL)  # paper again
    assert check(client, manager) == 2  # the alert closed, the case resolved
    assert alerts(client, manager) == []
    seeded.refresh(case)
    assert case.state is CaseState.CLOSED and case.closed_at == clock.now()
    resolve = case.events[-1]
    assert (resolve.action, resolve.actor, resolve.from_state) == (
        CaseAction.RESOLVE.value,
        "fleet",
        CaseState.DISPATCHED,
    )
    assert resolve.reason == "终端心跳显示打印机已恢复正常，自动结案"
    assert deliver_due(seeded, clock.now()) == 1
    assert markdown(wecom)[1].startswith(f"**案件自动结案: {number}**\n")
    assert check(client, manager) == 0  # nothing left to do

    # A later paper-out is a new fault: a new alert and a new case.
    clock.advance(hours=1)
    beat(client, kiosk, with_devices(printer="paper_out"))
    assert check(client, manager) == 2
    [again] = alerts(client, manager)
    assert again["case_number"] not in (None, number)


def test_each_terminal_and_device_has_its_own_case(
    seeded: Session, client: TestClient, clock: ManualClock, manager: dict[str, str]
) -> None:
    first = kiosk_at(client, manager, "JSL-01")
    # A lobby kiosk with coordinates of its own: on 江苏路 (JSL-R01), in grid JSL-G0203.
    second = kiosk_at(client, manager, "JSL-02", lon=121.4326, lat=31.2235)
    beat(
        client, first, with_devices(printer="offline", card_reader="reader_unavailable: no reader")
    )
    beat(client, second, with_devices(qr_camera="camera_missing"))
    assert check(client, manager) == 6  # three alerts, three cases
    found = {(a["terminal_code"], a["device"]): a["case_number"] for a in alerts(client, manager)}
    assert set(found) == {("JSL-01", "printer"), ("JSL-01", "card_reader"), ("JSL-02", "qr_camera")}
    assert len(set(found.values())) == 3
    descriptions = {
        c.description
        for c in seeded.scalars(select(Case).where(Case.number.in_(list(found.values()))))
    }
    assert any("社保卡读卡器不可用（未连接或无响应）" in d for d in descriptions)
    assert any("JSL-02" in d and "扫码摄像头不可用（未连接）" in d for d in descriptions)
    camera_case = seeded.scalars(
        select(Case).where(Case.number == found[("JSL-02", "qr_camera")])
    ).one()
    assert camera_case.grid is not None and camera_case.grid.code == "JSL-G0203"
    assert camera_case.road is not None and camera_case.road.code == "JSL-R01"

    # The card reader comes back; the printer stays offline: one case closes, two stay open.
    clock.advance(minutes=5)
    beat(client, first, with_devices(printer="offline"))
    beat(client, second, with_devices(qr_camera="camera_missing"))
    assert check(client, manager) == 2
    states = {
        c.number: c.state
        for c in seeded.scalars(select(Case).where(Case.number.in_(list(found.values()))))
    }
    assert states[found[("JSL-01", "card_reader")]] is CaseState.CLOSED
    assert states[found[("JSL-01", "printer")]] is CaseState.DISPATCHED
    assert states[found[("JSL-02", "qr_camera")]] is CaseState.DISPATCHED


def test_a_silent_terminal_opens_a_case_told_to_wecom_that_closes_when_it_is_heard_again(
    seeded: Session,
    client: TestClient,
    clock: ManualClock,
    manager: dict[str, str],
    wecom: Receiver,
) -> None:
    kiosk = kiosk_at(client, manager, "JSL-01")
    beat(client, kiosk, WELL)
    clock.advance(seconds=91)
    assert check(client, manager) == 2
    assert check(client, manager) == 0
    [alert] = alerts(client, manager)
    assert alert["kind"] == "silent" and alert["device"] is None
    case = seeded.scalars(select(Case).where(Case.number == alert["case_number"])).one()
    assert case.state is CaseState.DISPATCHED
    assert case.description.startswith(
        "自助终端 JSL-01（愚园路1000号 社区事务受理服务中心 大厅）已失联：最后心跳"
    )
    assert deliver_due(seeded, clock.now()) == 1
    assert "已失联" in markdown(wecom)[0]

    beat(client, kiosk, WELL)
    assert check(client, manager) == 2
    seeded.refresh(case)
    assert case.state is CaseState.CLOSED
    assert case.events[-1].reason == "终端已恢复心跳，自动结案"
    assert deliver_due(seeded, clock.now()) == 1
    assert markdown(wecom)[1].startswith(f"**案件自动结案: {case.number}**")


def test_a_resolved_case_a_person_reopens_stays_open(
    seeded: Session,
    client: TestClient,
    clock: ManualClock,
    manager: dict[str, str],
    staff_headers: StaffFactory,
) -> None:
    kiosk = kiosk_at(client, manager, "JSL-01")
    beat(client, kiosk, with_devices(printer="paper_out"))
    check(client, manager)
    number = alerts(client, manager)[0]["case_number"]
    beat(client, kiosk, WELL)
    check(client, manager)
    leader = staff_headers(Role.SHIFT_LEADER)
    reopened = client.post(
        f"/api/v1/cases/{number}/actions/reopen",
        json={"reason": "打印机仍然卡纸"},
        headers=leader,
    )
    assert reopened.status_code == 200, reopened.text
    assert check(client, manager) == 0
    assert client.get(f"/api/v1/cases/{number}", headers=leader).json()["state"] != "closed"
    # Nobody resolves a case by hand: only the back office does, when the cause is gone.
    refused = client.post(
        f"/api/v1/cases/{number}/actions/resolve", json={"reason": "好了"}, headers=leader
    )
    assert refused.status_code == 403
    assert "Only the back office itself" in refused.json()["detail"]


def test_without_the_kiosk_fault_type_the_alert_still_opens_and_its_case_waits(
    db: Session, client: TestClient, manager: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    # An unseeded taxonomy (or the type switched off): the alerts stand, the job goes on.
    kiosk = kiosk_at(client, manager, "JSL-01")
    beat(client, kiosk, with_devices(printer="paper_out"))
    assert check(client, manager) == 1
    [alert] = alerts(client, manager)
    assert alert["device"] == "printer" and alert["case_number"] is None
    assert "no kiosk-fault case for fleet alert" in caplog.text
    assert db.scalars(select(Case)).all() == []


def test_runs_at_the_same_moment_open_one_alert_and_one_case(fresh_database: str) -> None:
    """The scheduler's run, the API's "check now" and other processes' runs at once, each in
    its own transaction: still one alert and one case for the fault."""
    engine = create_db_engine(fresh_database)
    factory = session_factory(engine)
    now = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    with session_scope(factory) as db:
        seed_reference_data(db)
        terminal = register_terminal(
            db, TerminalCreate(**{**TERMINAL, "place": "愚园路1000号 大厅"}), now
        )
        terminal.enrolled_at = terminal.last_seen_at = now
        terminal.devices = with_devices(printer="paper_out")["devices"]
    runs = 6
    start = threading.Barrier(runs)

    def run(_: int) -> int:
        start.wait()
        with session_scope(factory) as db:
            return check_terminals(db, now)

    try:
        with ThreadPoolExecutor(runs) as pool:
            changed = list(pool.map(run, range(runs)))
        assert sorted(changed) == [0] * (runs - 1) + [2]  # one run opened it, with its case
        with factory() as db:
            assert len(db.scalars(select(FleetAlert)).all()) == 1
            assert len(db.scalars(select(Case)).all()) == 1
    finally:
        engine.dispose()
