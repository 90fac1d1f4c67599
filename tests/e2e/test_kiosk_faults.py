"""End to end: the kiosk's printer runs out of paper (the printer peer says so over ESC/POS),
the kiosk's fleet agent reports it in a heartbeat to a real back office process, which opens a
fleet alert and a kiosk-fault case and tells the unit's WeCom robot (a real receiver); paper
back in, the next heartbeat closes the alert and the case, and the robot hears that too."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from backoffice.cases.models import Case
from backoffice.cases.states import CaseState
from backoffice.clock import SystemClock
from backoffice.db import create_db_engine, session_scope
from backoffice.demo.seed import DEMO_TERMINAL
from backoffice.notify.models import ChannelKind
from backoffice.notify.service import create_subscription
from backoffice.units.models import ResponsibleUnit
from backoffice.wiring import session_factory
from kiosk.agent import FleetAgent, KioskStatus
from kiosk.config import KioskConfig
from kiosk.devices.escpos_printer import EscposPrinter
from kiosk.devices.factory import build_printer
from simulators.printer_peer import PrinterPeer
from tests.backoffice.notify.receiver import Receiver
from tests.conftest import TEST_PEERS, LiveServer, bearer
from tests.e2e.test_kiosk_enrollment import _seed


def _subscribe_wecom(database_url: str, url: str) -> None:
    engine = create_db_engine(database_url)
    with session_scope(session_factory(engine)) as db:
        unit = db.scalars(select(ResponsibleUnit).where(ResponsibleUnit.code == "JSL-CAC")).one()
        create_subscription(
            db,
            unit,
            kind=ChannelKind.WECOM,
            url=url,
            events=["case.*"],
            now=SystemClock().now(),
            outbound=TEST_PEERS,
        )
    engine.dispose()


def _case_state(database_url: str, number: str) -> CaseState:
    engine = create_db_engine(database_url)
    with session_scope(session_factory(engine)) as db:
        state = db.scalars(select(Case.state).where(Case.number == number)).one()
    engine.dispose()
    return state


def _until(what: str, found: Callable[[], Any], timeout_s: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = found()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout_s:g} s for {what}")
        time.sleep(0.3)


def test_paper_out_at_a_kiosk_reaches_wecom_as_a_case_that_closes_with_the_paper_back(
    live_server: LiveServer, tmp_path: Path
) -> None:
    code = _seed(live_server.database_url)
    robot = Receiver(wecom=True).start()
    _subscribe_wecom(live_server.database_url, robot.url)
    with PrinterPeer(preview_dir=tmp_path / "printer") as peer:
        printer = build_printer(
            {"driver": "escpos", "backend": "network", "host": "127.0.0.1", "port": peer.port}
        )
        assert isinstance(printer, EscposPrinter)

        def status() -> KioskStatus:
            printer.status()  # asks the printer (DLE EOT), as the kiosk does before a job
            return KioskStatus("home", "zh", False, devices={"printer": printer.health()})

        config = KioskConfig(
            server_url=live_server.url,
            token_path=tmp_path / "kiosk" / "token.json",
            enrollment_code=code,
        )
        agent = FleetAgent(config, status_provider=status)
        assert agent.enroll_once()
        staff = httpx.post(
            f"{live_server.url}/api/v1/auth/token",
            json={"username": "demo-terminal-manager", "password": "terminal-manager-demo-2026"},
        ).json()["token"]
        api = httpx.Client(base_url=f"{live_server.url}/api/v1/fleet", headers=bearer(staff))

        def open_printer_alert() -> Any:
            # Run the fault check now (the back office's scheduler runs it every 30 s) once the
            # heartbeat's batch is written.
            assert api.post("/alerts/check").status_code == 200
            found = [a for a in api.get("/alerts").json() if a["device"] == "printer"]
            return found[0] if found and found[0]["case_number"] else None

        peer.set_fault("paper_out")
        assert agent.heartbeat_once()
        alert = _until("the printer alert and its case", open_printer_alert)
        assert alert["terminal_code"] == DEMO_TERMINAL and alert["kind"] == "device"
        number = alert["case_number"]
        assert _case_state(live_server.database_url, number) is CaseState.DISPATCHED
        dispatched = _until("the dispatch on WeCom", lambda: robot.applied[:1])
        content = dispatched[0]["markdown"]["content"]
        assert content.startswith(f"**新案件派遣: {number}**")
        assert "打印机缺纸" in content

        peer.set_fault("ready")
        assert agent.heartbeat_once()
        _until("the alert to close", lambda: open_printer_alert() is None)
        assert api.get("/alerts").json() == []
        assert _case_state(live_server.database_url, number) is CaseState.CLOSED
        resolved = _until("the close on WeCom", lambda: robot.applied[1:2])
        assert resolved[0]["markdown"]["content"].startswith(f"**案件自动结案: {number}**")
        assert len(robot.applied) == 2  # one message each way, however many checks ran
        api.close()
    robot.stop()
