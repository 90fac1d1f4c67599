"""The resident ID card in the window, through the real driver (``SerialIdCardReader``) and the
reader module peer on a pseudo-terminal: the card identifies the person, the booklet is printed on
the printer peer against a live back office, an older person is offered elder mode with one
large button and the choice is forgotten after the visit; an expired card is refused in plain
words; the kiosk starts the reader from its config and its heartbeat reports it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from backoffice.db import create_db_engine
from backoffice.suishen.models import Identification
from kiosk.devices.health import DeviceState
from kiosk.devices.idcard import SerialIdCardReader
from simulators.idcard_module import IdCardModule, PtyLink
from simulators.printer_peer import PrinterPeer
from tests.conftest import LiveServer
from tests.kiosk.conftest import KioskUI
from tests.kiosk.test_booklet import _printed_lines, _resident, printer_peer  # noqa: F401
from tests.kiosk.test_guides import _enrolled, _pump_until

FIND, SELECT, READ = bytes.fromhex("2001"), bytes.fromhex("2002"), bytes.fromhex("3001")


class IdCardBench:
    """The reader module peer on a pty and the real driver reading it."""

    def __init__(self) -> None:
        self.module = IdCardModule()
        self.link = PtyLink(self.module).start()
        self.reader = SerialIdCardReader(self.link.url, poll_s=0.05)

    def commands(self) -> list[bytes]:
        """The command and parameter of every request the driver sent, in order."""
        return [request[7:9] for request, _answer in self.module.trace]

    def close(self) -> None:
        self.reader.stop()
        self.link.stop()


@pytest.fixture
def id_card() -> Iterator[IdCardBench]:
    bench = IdCardBench()
    yield bench
    bench.close()


def _attach(ui: KioskUI, bench: IdCardBench) -> None:
    ui.app.devices.card_readers = [bench.reader]
    bench.reader.start()
    _pump_until(ui, lambda: bench.reader.health().state == DeviceState.READY)


def _id_card_proofs(live_server: LiveServer) -> list[str]:
    engine = create_db_engine(live_server.database_url)
    try:
        with engine.connect() as db:
            return [str(p) for p in db.scalars(select(Identification.proof)).all()]
    finally:
        engine.dispose()


def test_an_id_card_on_the_reader_leads_to_a_printed_booklet_and_offers_elder_mode(
    live_server: LiveServer,
    tmp_path: Path,
    make_kiosk_ui: Any,
    printer_peer: PrinterPeer,  # noqa: F811
    id_card: IdCardBench,
) -> None:
    from kiosk.devices.factory import build_printer

    records = _resident(live_server)  # the card's holder has records upstream
    ui: KioskUI = _enrolled(live_server, tmp_path, make_kiosk_ui)
    ui.app.devices.printer = build_printer(
        {"driver": "escpos", "backend": "network", "host": "127.0.0.1", "port": printer_peer.port}
    )
    _attach(ui, id_card)
    screen = ui.app.screens.get_screen("booklet")

    ui.tap(ui.find("医保就医记录册"))
    assert ui.app.screens.current == "identify"
    assert ui.find("identify_card").text == "身份证放在读卡区上，或社保卡插入读卡口"
    id_card.module.control("place")
    # A bound on waiting, not a speed check: the read, the identification and the records fetch
    # run in real time, slower on a busy machine.
    _pump_until(ui, lambda: screen.phase == "preview", timeout_s=30)

    assert ui.find("greeting").text == "您好，王*英"
    assert ui.find("take_card").text == ""  # an ID card is shown, not left in a slot
    assert ui.find("booklet_message").text == f"共 {records} 条新记录，从第 1 页第 1 行开始"
    assert _id_card_proofs(live_server) == ["id_card"]
    # The driver's exchange with the module: the security module made ready, then one card
    # found, selected and read.
    commands = id_card.commands()
    assert commands[:2] == [bytes.fromhex("10FF"), bytes.fromhex("11FF")]
    assert [c for c in commands if c != FIND][2:] == [SELECT, READ]
    # Born in 1949: elder mode is offered with one large button.
    offer = ui.find("elder_offer")
    assert offer.text == "切换到长辈模式：字更大，有语音提示"
    assert offer.height >= 60
    ui.screenshot("id-card-elder-offer-zh")
    ui.tap(offer)
    assert ui.app.elder_mode is True and ui.app.elder_offer is False
    assert ui.app.visit is not None and ui.app.visit.elder_mode is True

    ui.tap(ui.find("开始打印"))
    _pump_until(ui, lambda: screen.phase == "done", timeout_s=20)
    ui.screenshot("id-card-booklet-done-elder-zh")
    paper = _printed_lines(printer_peer)
    body = [line for page in paper for line in page[5:]]
    assert paper[0][:2] == ["医保就医记录册", "第1页  自第1行起"]
    assert paper[0][2].endswith("  110***********002X")
    assert len(body) == records
    printed = "\n".join(line for page in paper for line in page)
    assert "11010519491231002X" not in printed and "王秀英" not in printed

    # The visit ends (nobody touches the screen): elder mode and its offer are forgotten.
    ui.tick(400)
    assert ui.app.visit is None
    assert (ui.app.elder_mode, ui.app.elder_offer, ui.app.greeting_name) == (False, False, "")
    assert ui.app.screens.current == "home"


def test_an_expired_id_card_is_refused_in_plain_words(
    make_kiosk_ui: Any, id_card: IdCardBench
) -> None:
    ui: KioskUI = make_kiosk_ui()
    _attach(ui, id_card)
    id_card.module.control("expired")
    ui.tap(ui.find("医保就医记录册"))
    id_card.module.control("place")
    _pump_until(ui, lambda: ui.app.notice_zh != "")

    assert ui.find("identify_notice").text == (
        "这张身份证已过期，不能在本机使用。请改用社保卡或随申码，或到服务窗口办理。"
    )
    assert ui.app.screens.current == "identify"
    assert ui.app.visit is not None and ui.app.visit.identity is None
    assert ui.app.elder_offer is False  # nobody was identified
    ui.screenshot("id-card-expired-zh")
    ui.tap(ui.find("English"))
    assert ui.find("identify_notice").text == (
        "This ID card has expired. Please use your social security card or Suishen code, or go "
        "to a counter."
    )
    # In elder mode the page, the reader row and the notice still fit between the bars.
    ui.tap(ui.find("elder_toggle"))
    assert ui.find("identify_card").text == (
        "ID card on the reader pad, or social security card into the slot"
    )
    ui.screenshot("id-card-expired-elder-en")
    manager = ui.app.screens
    for name in ("identify_title", "identify_card", "identify_notice", "identify_type"):
        widget = ui.find(name)
        _x, bottom = widget.to_window(widget.x, widget.y)
        assert manager.y - 1 <= bottom and bottom + widget.height <= manager.top + 1, name


def test_the_kiosk_starts_the_id_card_reader_from_its_config_and_reports_it(
    kiosk_ui: KioskUI, tmp_path: Path
) -> None:
    from kiosk.agent import FleetAgent
    from kiosk.cli import _start_devices
    from kiosk.config import KioskConfig

    module = IdCardModule()
    with PtyLink(module).start() as link:
        config = KioskConfig(
            token_path=tmp_path / "token.json",
            devices={"id_card_reader": {"driver": "serial", "port": link.url}},
        )
        started = _start_devices(kiosk_ui.app, config)
        try:
            assert kiosk_ui.app.devices.card_readers == started
            assert kiosk_ui.app.flows.identify.reads_id_cards() is True
            [reader] = started
            _pump_until(kiosk_ui, lambda: reader.health().state == DeviceState.READY)
            kiosk_ui.app._poll_agent(0)
            payload = FleetAgent(config, kiosk_ui.app.kiosk_status)._heartbeat_payload()
        finally:
            for device in started:
                device.stop()
    assert payload["devices"] == {
        "printer": {"state": "absent", "reason": "not configured"},
        "card_reader": {"state": "absent", "reason": "not configured"},
        "id_card_reader": {"state": "ready", "reason": None},
        "qr_camera": {"state": "absent", "reason": "not configured"},
    }
