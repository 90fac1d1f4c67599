"""A home visit (上门服务) asked for in the real window against the live back office: the card
identifies the person, who asks for themselves; the slip with the reference comes off the
printer peer (ESC/POS decoded); staff book the visit; at the kiosk again the booked time is
shown and printed; then the visit's rating screen. Screenshots in both modes and languages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from backoffice.access import Role
from backoffice.homeservice.service import visit_days
from kiosk.devices.factory import build_printer
from kiosk.fonts import font_path
from simulators.escpos_decoder import pieces, texts
from simulators.printer_peer import PrinterPeer
from tests.cards import proven
from tests.conftest import LiveServer
from tests.kiosk.conftest import KioskUI
from tests.kiosk.test_guides import _enrolled, _pump_until
from tests.kiosk.test_identify import CARD, FakeReader
from tests.kiosk.test_live_fleet import _staff

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "kiosk" / "home-visit-printer"


@pytest.fixture
def printer_peer() -> Iterator[PrinterPeer]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    with PrinterPeer(preview_dir=ARTIFACTS, font_path=font_path()) as peer:
        yield peer


def _listed(ui: KioskUI) -> list[str]:
    tiles = ui.app.screens.get_screen("matters").ids.choices.children
    return [t.title for t in reversed(tiles)]


def _printed(peer: PrinterPeer, jobs_before: int) -> list[str]:
    _wait(lambda: len(peer.jobs) > jobs_before)
    job = peer.jobs[-1]
    assert job.closed.wait(10)
    return [line for piece in pieces(job.printed) for line in texts(piece)]


def _wait(done: Any) -> None:
    import time

    for _ in range(200):
        if done():
            return
        time.sleep(0.05)
    raise AssertionError("the printer peer got nothing")


def test_a_home_visit_asked_at_the_kiosk_then_its_booked_time_printed(
    live_server: LiveServer, tmp_path: Path, make_kiosk_ui: Any, printer_peer: PrinterPeer
) -> None:
    ui: KioskUI = _enrolled(live_server, tmp_path, make_kiosk_ui)
    ui.app.flows.catalog.refresh()
    _pump_until(ui, lambda: ui.app.report_choices.choices is not None)
    ui.app.devices.printer = build_printer(
        {"driver": "escpos", "backend": "network", "host": "127.0.0.1", "port": printer_peer.port}
    )
    reader = FakeReader()
    ui.app.devices.card_readers = [reader]
    lists = ui.app.screens.get_screen("matters")

    ui.screenshot("home-visit-tile-zh")
    ui.tap(ui.find("上门服务"))
    assert ui.app.screens.current == "identify"
    reader.events.put(proven(CARD, ui.app.backoffice.card_challenge))
    _pump_until(ui, lambda: ui.app.screens.current == "matters" and len(lists.entries) == 2)
    assert ui.find("list_title").text == "上门服务：为谁申请？"
    assert _listed(ui) == ["为本人申请", "为家人申请（家人无法到场）"]
    ui.screenshot("home-visit-for-whom-zh")

    ui.tap(ui.find("为本人申请"))
    assert ui.find("list_title").text == "要办理什么事项？"
    assert "养老金领取资格认证" in _listed(ui)
    assert "上海市居住证申领" not in [e for e in _listed(ui)]  # counter only
    ui.tap(ui.find("养老金领取资格认证"))
    assert ui.find("list_title").text == "为什么无法到中心办理？"
    ui.tap(ui.find("独居老人"))
    assert ui.find("list_title").text == "什么时间方便上门？"
    first_time = _listed(ui)[0]
    assert first_time.endswith("上午")
    ui.screenshot("home-visit-times-zh")
    ui.tap(ui.find(first_time))
    ui.tap(ui.find("江苏路"))
    choices = ui.app.report_choices.choices
    assert choices is not None
    along = choices.landmarks.get("JSL-R01", {})
    landmark = ""
    if along:
        assert ui.find("list_title").text == "门牌号是？"
        landmark = next(iter(along.values()))["zh"]
        ui.tap(ui.find(landmark))

    screen = ui.app.screens.get_screen("home_visit")
    _pump_until(ui, lambda: screen.printable)
    outcome = ui.find("home_visit_outcome").text
    assert outcome.startswith("已提交，编号 SM")
    reference = outcome.split("编号 ")[1][:10]
    address = "江苏路" + (f" {landmark}" if landmark else "")
    assert ui.find("home_visit_summary").text.split("\n") == [
        "养老金领取资格认证",
        address,
        first_time,
    ]
    ui.screenshot("home-visit-asked-zh")

    jobs = len(printer_peer.jobs)
    ui.tap(ui.find("打印凭条"))
    lines = _printed(printer_peer, jobs)
    _pump_until(ui, lambda: ui.find("home_visit_printed").text == "已打印，请从出纸口取走")
    assert "上门服务" in lines and reference in lines and "养老金领取资格认证" in lines
    assert lines[lines.index("方便的时间") + 1] == first_time
    assert all("11010519491231002X" not in line for line in lines)

    # The desk books the visit for the next working morning.
    desk = _staff(live_server.url, Role.OPERATOR)
    day = visit_days(datetime.now(UTC), 1)[0]
    booked = httpx.post(
        f"{live_server.url}/api/v1/home-services/requests/{reference}/visits",
        json={"staff": "demo-operator", "starts_at": f"{day.isoformat()}T09:30:00+08:00"},
        headers=desk,
    )
    assert booked.status_code == 201, booked.text
    staff_name = booked.json()["staff_name"]

    # Back at the kiosk (the same person, by card): the booked time, in English, elder mode.
    ui.tap(ui.find("home_visit_back"))
    assert ui.app.screens.current == "home"
    ui.tap(ui.find("English"))
    ui.tap(ui.find("elder_toggle"))
    ui.tap(ui.find("Home visit"))
    _pump_until(ui, lambda: len(lists.entries) == 3)
    when = f"{day.strftime('%a %d %b').replace(' 0', ' ')} 09:30"
    assert _listed(ui)[0] == f"Booked {when}: Confirm eligibility to keep drawing a pension"
    ui.screenshot("home-visit-booked-list-en-elder")
    ui.tap(ui.find(_listed(ui)[0]))
    assert ui.find("home_visit_outcome").text == f"Visit booked: {when}, by {staff_name}."
    ui.screenshot("home-visit-booked-en-elder")
    jobs = len(printer_peer.jobs)
    ui.tap(ui.find("Print a slip"))
    lines = _printed(printer_peer, jobs)
    assert lines[lines.index("Visit booked for") + 1 : lines.index("Visit booked for") + 3] == [
        when,
        staff_name,
    ]
    assert reference in lines

    # The other two combinations of the closing screen: Chinese in elder mode, English standard.
    ui.tap(ui.find("中文"))
    ui.pump()
    assert ui.find("home_visit_outcome").text.startswith("已预约上门：")
    ui.screenshot("home-visit-booked-zh-elder")
    ui.tap(ui.find("English"))
    ui.tap(ui.find("elder_toggle"))
    ui.pump()
    ui.screenshot("home-visit-booked-en")

    ui.tap(ui.find("home_visit_finish"))
    assert ui.app.screens.current == "rating"
    assert ui.app.visit is not None and ui.app.visit.matter == "SI-PENSION-CERT"
