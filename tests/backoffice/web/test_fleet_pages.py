"""Terminal pages: status, commands by managers only, enrollment codes, screenshots."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.clock import ManualClock
from backoffice.fleet import service as fleet
from backoffice.fleet.models import CommandKind, CommandStatus, TerminalCommand, TerminalKind
from backoffice.fleet.schemas import TerminalCreate
from tests.backoffice.web.helpers import sign_in_as


def enrolled_terminal(db: Session, clock: ManualClock, code: str = "JSL-T-01") -> str:
    terminal = fleet.register_terminal(
        db,
        TerminalCreate(code=code, name="1号机", kind=TerminalKind.COMMUNITY_CENTRE, place="大厅"),
        clock.now(),
    )
    terminal.enrolled_at = clock.now()
    db.flush()
    return terminal.code


def test_a_terminal_manager_sends_a_command_and_sees_it_queued(
    client: TestClient, db: Session, clock: ManualClock
) -> None:
    code = enrolled_terminal(db, clock)
    _, csrf = sign_in_as(client, db, clock, Role.TERMINAL_MANAGER)
    client.cookies.set("zhili_lang", "en")
    listing = client.get("/ops/terminals").text
    assert "0 of 1 online" in listing
    response = client.post(
        f"/ops/terminals/{code}/commands",
        data={"csrf": csrf, "kind": "lock", "message": "设备维护中"},
        follow_redirects=True,
    )
    assert f"lock → {code}: queued for the next heartbeat." in response.text
    command = db.scalars(select(TerminalCommand)).one()
    assert (command.kind, command.status, command.payload) == (
        CommandKind.LOCK,
        CommandStatus.PENDING,
        {"message": "设备维护中"},
    )
    refused = client.post(
        f"/ops/terminals/{code}/commands",
        data={"csrf": csrf, "kind": "lock"},
        follow_redirects=True,
    )
    assert "A lock needs the message the out-of-service screen shows." in refused.text
    assert len(db.scalars(select(TerminalCommand)).all()) == 1


def test_viewers_see_terminals_but_send_nothing(
    client: TestClient, db: Session, clock: ManualClock
) -> None:
    code = enrolled_terminal(db, clock)
    _, csrf = sign_in_as(client, db, clock, Role.VIEWER)
    html = client.get(f"/ops/terminals/{code}").text
    assert 'id="command-form"' not in html
    response = client.post(
        f"/ops/terminals/{code}/commands", data={"csrf": csrf, "kind": "restart_app"}
    )
    assert response.status_code == 403
    assert db.scalars(select(TerminalCommand)).all() == []


def test_unit_staff_do_not_reach_terminals(
    client: TestClient, db: Session, clock: ManualClock
) -> None:
    from backoffice.cases.seed import seed_reference_data

    seed_reference_data(db)
    code = enrolled_terminal(db, clock)
    sign_in_as(client, db, clock, Role.UNIT_STAFF, unit_code="BIKE-HELLO")
    assert client.get("/ops/terminals").status_code == 403
    assert client.get(f"/ops/terminals/{code}").status_code == 403


def test_a_new_enrollment_code_is_shown_once(
    client: TestClient, db: Session, clock: ManualClock
) -> None:
    code = enrolled_terminal(db, clock)
    _, csrf = sign_in_as(client, db, clock, Role.TERMINAL_MANAGER)
    client.cookies.set("zhili_lang", "en")
    shown = client.post(
        f"/ops/terminals/{code}/enrollment-codes", data={"csrf": csrf}, follow_redirects=True
    ).text
    match = re.search(rf"{code}: enrollment code ([A-Z0-9]{{5}}-[A-Z0-9]{{5}})", shown)
    assert match
    again = client.get(f"/ops/terminals/{code}").text
    assert match.group(1) not in again
    terminal, _token = fleet.enroll(db, match.group(1), "1.0.0", clock.now())
    assert terminal.code == code


def test_registering_a_terminal_from_the_page(
    client: TestClient, db: Session, clock: ManualClock
) -> None:
    _, csrf = sign_in_as(client, db, clock, Role.ADMIN)
    client.cookies.set("zhili_lang", "en")
    page = client.post(
        "/ops/terminals",
        data={"csrf": csrf, "code": "LOBBY-9", "name": "楼宇 9", "kind": "lobby", "place": "9号楼"},
        follow_redirects=True,
    )
    assert "LOBBY-9: enrollment code" in page.text
    assert fleet.get_terminal(db, "LOBBY-9").kind is TerminalKind.LOBBY
    duplicate = client.post(
        "/ops/terminals",
        data={"csrf": csrf, "code": "LOBBY-9", "name": "x", "kind": "lobby"},
        follow_redirects=True,
    )
    assert "A terminal with the code &#39;LOBBY-9&#39; exists already." in duplicate.text


def test_a_terminal_registered_with_its_coordinates_stands_there_on_the_map(
    client: TestClient, seeded: Session, clock: ManualClock
) -> None:
    _, csrf = sign_in_as(client, seeded, clock, Role.TERMINAL_MANAGER)
    form = {"csrf": csrf, "kind": "lobby", "place": "愚园路1000号 大厅"}
    client.post(
        "/ops/terminals",
        data={**form, "code": "JSL-T-07", "name": "7号机", "lon": "121.4301", "lat": "31.2205"},
    )
    client.post("/ops/terminals", data={**form, "code": "JSL-T-08", "name": "8号机"})
    client.cookies.set("zhili_lang", "zh")
    half = client.post(
        "/ops/terminals",
        data={**form, "code": "JSL-T-09", "name": "9号机", "lon": "121.43"},
        follow_redirects=True,
    )
    assert "请检查终端的编码、名称和类型：请同时给出经度和纬度，或都不给。" in half.text
    terminals = {t["code"]: t for t in client.get("/ops/api/map").json()["terminals"]}
    assert set(terminals) == {"JSL-T-07", "JSL-T-08"}
    assert (terminals["JSL-T-07"]["lon"], terminals["JSL-T-07"]["lat"]) == (121.4301, 31.2205)
    assert terminals["JSL-T-07"]["approx"] is False
    # Without coordinates: at the centre of the site its place names (the affairs centre).
    centre = fleet.terminal_point(seeded, fleet.get_terminal(seeded, "JSL-T-08"))
    assert centre is not None and centre != (121.4301, 31.2205)
    assert (terminals["JSL-T-08"]["lon"], terminals["JSL-T-08"]["lat"]) == centre
    assert terminals["JSL-T-08"]["approx"] is True
    shown = client.get("/ops/terminals/JSL-T-07").text
    assert "(121.4301, 31.2205)" in shown
