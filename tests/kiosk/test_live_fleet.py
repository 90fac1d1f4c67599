"""Remote management against the real back office: a lock with a unique message, then the
screenshot the kiosk uploads shows that message; the acknowledgements arrive through the outbox."""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from PIL import Image

from backoffice.access import Role
from backoffice.demo.seed import DEMO_TERMINAL, demo_password
from kiosk.agent import AgentState, FleetAgent
from kiosk.config import KioskConfig
from kiosk.outbox import ItemState
from tests.conftest import LiveServer, bearer
from tests.e2e.test_kiosk_enrollment import _seed


def _staff(url: str, role: Role = Role.TERMINAL_MANAGER) -> dict[str, str]:
    login = httpx.post(
        f"{url}/api/v1/auth/token",
        json={
            "username": f"demo-{role.value.replace('_', '-')}",
            "password": demo_password(role),
        },
    )
    assert login.status_code in (200, 201), login.text
    return bearer(login.json()["token"])


def test_remote_lock_then_screenshot_round_trip(
    live_server: LiveServer, tmp_path: Path, make_kiosk_ui: Any
) -> None:
    code = _seed(live_server.database_url)
    config = KioskConfig(
        server_url=live_server.url,
        token_path=tmp_path / "kiosk" / "token.json",
        enrollment_code=code,
    )
    ui = make_kiosk_ui(token_path=config.token_path)
    agent = FleetAgent(config, ui.app.kiosk_status, outbox=ui.app.outbox)
    ui.app.agent = agent
    assert agent.enroll_once() is True
    staff = _staff(live_server.url)
    commands = f"{live_server.url}/api/v1/fleet/terminals/{DEMO_TERMINAL}/commands"
    message = f"设备维护中 请到 3 号窗口 {uuid.uuid4().hex[:6].upper()}"

    lock = httpx.post(commands, json={"kind": "lock", "message": message}, headers=staff)
    assert lock.status_code == 201, lock.text
    assert agent.heartbeat_once() is True
    assert agent.state == AgentState.ONLINE
    ui.app._poll_agent(0)
    ui.pump()
    assert ui.app.screens.current == "out_of_service"
    assert ui.find("lock_message").text == message

    shot = httpx.post(commands, json={"kind": "screenshot"}, headers=staff)
    assert shot.status_code == 201, shot.text
    agent.heartbeat_once()
    ui.app._poll_agent(0)
    ui.pump()
    report = agent.deliver_outbox()

    assert report is not None and (report.sent, report.refused, report.pending) == (3, 0, 0)
    assert all(item.state == ItemState.SENT for item in ui.app.outbox.items())
    lock_id, shot_id = lock.json()["id"], shot.json()["id"]
    for command_id in (lock_id, shot_id):
        answer = httpx.get(f"{live_server.url}/api/v1/fleet/commands/{command_id}", headers=staff)
        assert answer.json()["status"] == "succeeded", answer.json()
    assert (
        httpx.get(f"{live_server.url}/api/v1/fleet/commands/{lock_id}", headers=staff).json()[
            "result"
        ]
        == f"locked with message: {message}"
    )

    png = httpx.get(f"{live_server.url}/api/v1/fleet/commands/{shot_id}/screenshot", headers=staff)
    assert png.status_code == 200
    uploaded = np.asarray(Image.open(io.BytesIO(png.content)).convert("RGB"))
    local = np.asarray(Image.open(ui.screenshot("live-locked-zh")).convert("RGB"))
    assert np.array_equal(uploaded, local)
    label = ui.find("lock_message")
    x, y = label.to_window(label.x, label.y)
    top = int(800 - y - label.height)
    crop = uploaded[top : int(800 - y), int(x) : int(x + label.width)]
    assert int((crop.min(axis=2) > 230).sum()) > 200  # the message's white text is there

    # Delivering again sends nothing twice.
    assert agent.deliver_outbox() == type(report)(sent=0, refused=0, pending=0, reachable=True)


def test_visits_and_ratings_reach_the_back_office_once_through_the_outbox(
    live_server: LiveServer, tmp_path: Path, make_kiosk_ui: Any
) -> None:
    """The kiosk sends, loses every answer, and sends again: the back office has each once."""
    code = _seed(live_server.database_url)
    config = KioskConfig(
        server_url=live_server.url,
        token_path=tmp_path / "kiosk" / "token.json",
        enrollment_code=code,
    )
    ui = make_kiosk_ui(token_path=config.token_path)
    agent = FleetAgent(config, ui.app.kiosk_status, outbox=ui.app.outbox)
    ui.app.agent = agent
    assert agent.enroll_once() is True
    catalog = httpx.get(f"{live_server.url}/api/v1/catalog").json()
    matter = catalog["high_frequency"][0]

    visit = ui.app.visits.begin()
    visit.choose_matter(matter)
    ui.app.flows.rating.submit(2, ["too_slow"])
    other = ui.app.visits.begin()
    ui.app.flows.rating.skip()

    first = agent.deliver_outbox()
    assert first is not None and (first.sent, first.refused, first.pending) == (3, 0, 0)
    # Every answer lost: the outbox would send everything again; the keys make that harmless.
    ui.app.outbox._db.execute("UPDATE outbox SET state = 'pending'")
    again = agent.deliver_outbox()
    assert again is not None and (again.sent, again.refused) == (3, 0)

    staff = _staff(live_server.url)
    for visit_id, matters in ((visit.visit_id, [matter]), (other.visit_id, [])):
        got = httpx.get(f"{live_server.url}/api/v1/visits/{visit_id}", headers=staff)
        assert got.status_code == 200, got.text
        assert got.json()["matters"] == matters
        assert got.json()["terminal_code"] == DEMO_TERMINAL
    summary = httpx.get(
        f"{live_server.url}/api/v1/ratings/satisfaction",
        headers=_staff(live_server.url, Role.OPERATOR),
        params={"by": "matter"},
    )
    assert summary.status_code == 200, summary.text
    rows = [r for r in summary.json() if r["key"] == matter]
    assert [(r["ratings"], r["satisfied"]) for r in rows] == [(1, 0)]
