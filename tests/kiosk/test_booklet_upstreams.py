"""The booklet in the real window against a live back office whose upstream adapters are the
real HTTP ones, talking to the peers (tests/upstreams.py): a Suishen code verified by the
Suishen peer opens the medical peer's records, printed on the printer peer (ESC/POS decoded);
a full booklet sends the person to the counter, where a new one is registered on the ops pages,
and the next print starts on its page 1 with the first record not printed yet."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from backoffice.access import Role
from backoffice.clock import SystemClock
from backoffice.identity.service import create_staff
from backoffice.keys import Keys
from backoffice.medical.models import BookletProgress
from backoffice.medical.service import LINES_PER_PAGE, PAGES_PER_BOOKLET
from backoffice.settings import Settings
from backoffice.suishen.personal import keyed_hash
from kiosk.devices.base import CardIdentity, CardRemoved, QrScanned
from kiosk.devices.factory import build_printer
from kiosk.fonts import font_path
from simulators.escpos_decoder import pieces, texts
from simulators.printer_peer import PrinterPeer
from tests.cards import proven
from tests.conftest import LiveServer
from tests.kiosk.conftest import KioskUI
from tests.kiosk.test_guides import _enrolled, _pump_until
from tests.kiosk.test_identify import FakeReader, FakeScanner
from tests.upstreams import fault, upstream_peers

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "kiosk" / "booklet-upstreams"
FULL = PAGES_PER_BOOKLET * LINES_PER_PAGE


@pytest.fixture
def printer_peer() -> Iterator[PrinterPeer]:
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    with PrinterPeer(preview_dir=ARTIFACTS, font_path=font_path()) as peer:
        yield peer


def _with_printer(ui: KioskUI, peer: PrinterPeer) -> None:
    ui.app.devices.printer = build_printer(
        {"driver": "escpos", "backend": "network", "host": "127.0.0.1", "port": peer.port}
    )


def _paper(peer: PrinterPeer) -> list[list[str]]:
    out = []
    for job in peer.jobs:
        assert job.closed.wait(5)
        out += [texts(p) for p in pieces(job.printed)]
    return out


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _person(id_number: str) -> str:
    return keyed_hash(Keys.of(Settings()), id_number)  # the suite's secret, as the server's


def test_a_suishen_code_through_the_real_adapter_prints_the_upstreams_records(
    live_server: LiveServer, tmp_path: Path, make_kiosk_ui: Any, printer_peer: PrinterPeer
) -> None:
    id_number, name = "310105194809270012", "陈建国"
    peers = upstream_peers()
    peers.medical.add_person(_person(id_number), SystemClock().now().date(), count=5)
    visits = peers.medical.visits_of(_person(id_number))
    ui: KioskUI = _enrolled(live_server, tmp_path, make_kiosk_ui)
    _with_printer(ui, printer_peer)
    scanner = FakeScanner()
    ui.app.devices.qr_scanner = scanner
    screen = ui.app.screens.get_screen("booklet")

    ui.tap(ui.find("医保就医记录册"))
    assert ui.app.screens.current == "identify"
    calls = peers.suishen.calls
    scanner.events.put(QrScanned(peers.suishen.issue(id_number, name)))
    _pump_until(ui, lambda: screen.phase == "preview", timeout_s=30)
    assert peers.suishen.calls == calls + 1  # verified by the Suishen peer, once
    assert ui.find("greeting").text == "您好，陈*国"
    assert ui.find("booklet_message").text == "共 5 条新记录，从第 1 页第 1 行开始"
    ui.tap(ui.find("开始打印"))
    _pump_until(ui, lambda: screen.phase == "done", timeout_s=30)
    ui.screenshot("suishen-booklet-done-zh")

    [page] = _paper(printer_peer)
    assert page[1] == "第1页  自第1行起"
    assert page[2] == "陈*国" and id_number not in " ".join(page)
    lines = page[5:10]
    assert [line[:2] for line in lines] == [" 1", " 2", " 3", " 4", " 5"]
    for line, visit in zip(lines, visits, strict=True):
        assert line.startswith(f"{visit['seq']:>2} {visit['visit_date'][2:]} {visit['kind']} ")
        assert line.split()[-2:] == [_yuan(visit["total_fen"]), _yuan(visit["self_fen"])]


def _counter_registers(live: LiveServer, id_number: str, serial: str) -> str:
    """Counter staff sign in to the ops pages of the live back office and register the new
    booklet; returns the page's message."""
    with live.session() as db:
        create_staff(
            db, username="counter-1", password="counter staff password",
            role=Role.CALL_TAKER, now=SystemClock().now(),
        )  # fmt: skip
    with httpx.Client(base_url=live.url, timeout=30, follow_redirects=True) as browser:
        form = browser.get("/ops/login").text
        csrf = re.search(r'name="csrf" value="([^"]*)"', form)
        assert csrf is not None
        browser.post(
            "/ops/login",
            data={"username": "counter-1", "password": "counter staff password",
                  "csrf": csrf.group(1), "next": "/ops/"},
        )  # fmt: skip
        page = browser.get("/ops/booklets").text
        token = re.search(r'data-csrf="([^"]+)"', page)
        assert token is not None
        done = browser.post(
            "/ops/booklets",
            data={"csrf": token.group(1), "id_number": id_number, "serial": serial},
        )
        flash = re.search(r'<div class="flash ok" role="status">([^<]*)</div>', done.text)
        assert flash is not None, done.text
        return flash.group(1)


def test_a_full_booklet_sends_the_person_to_the_counter_then_prints_on_page_1_of_the_new_one(
    live_server: LiveServer, tmp_path: Path, make_kiosk_ui: Any, printer_peer: PrinterPeer
) -> None:
    card = CardIdentity(
        card_kind="social_security", card_number="SH0000002",
        id_number="440524188001010014", name="李秀兰", birth_date=SystemClock().now().date(),
    )  # fmt: skip
    person = _person(card.id_number)
    upstream_peers().medical.add_person(person, SystemClock().now().date(), count=FULL + 3)
    waiting = upstream_peers().medical.visits_of(person)[FULL:]
    # The booklet was printed to its last line at earlier visits.
    with live_server.session() as db:
        db.add(
            BookletProgress(
                id_hash=person, printed_through_seq=FULL, next_page=PAGES_PER_BOOKLET + 1,
                next_line=1, updated_at=SystemClock().now(),
            )
        )  # fmt: skip
    ui: KioskUI = _enrolled(live_server, tmp_path, make_kiosk_ui)
    _with_printer(ui, printer_peer)
    reader = FakeReader()
    ui.app.devices.card_readers = [reader]
    screen = ui.app.screens.get_screen("booklet")

    ui.tap(ui.find("医保就医记录册"))
    reader.events.put(proven(card, ui.app.backoffice.card_challenge))
    _pump_until(ui, lambda: screen.phase == "ended", timeout_s=30)
    message = ui.find("booklet_message").text
    assert message.startswith(
        "您的记录册已写满。请带身份证或社保卡和这本记录册，到社区事务受理服务中心"
    )
    assert "下次打印从新册第1页开始" in message
    ui.screenshot("booklet-full-zh")
    assert _paper(printer_peer) == []  # only the status was asked: nothing printed
    reader.events.put(CardRemoved())
    _pump_until(ui, lambda: ui.app.screens.current == "home")

    said = _counter_registers(live_server, card.id_number, "SH-2026-0417")
    assert said == "新册 SH-2026-0417 已登记：下次打印从新册第1页开始。"

    ui.pump(5)  # the way home has settled
    ui.tap(ui.find("医保就医记录册"))
    _pump_until(ui, lambda: ui.app.screens.current == "identify")
    reader.events.put(proven(card, ui.app.backoffice.card_challenge))
    _pump_until(ui, lambda: screen.phase == "preview", timeout_s=30)
    assert ui.find("booklet_message").text == (
        "这是您的第2本记录册，从第1页开始打印。共 3 条新记录，从第 1 页第 1 行开始"
    )
    ui.tap(ui.find("开始打印"))
    _pump_until(ui, lambda: screen.phase == "done", timeout_s=30)
    ui.screenshot("booklet-new-booklet-done-zh")
    [page] = _paper(printer_peer)
    assert page[1] == "第1页  自第1行起"
    lines = page[5:8]
    assert [line[:2] for line in lines] == [" 1", " 2", " 3"]
    for line, visit in zip(lines, waiting, strict=True):
        assert line.split()[1:3] == [visit["visit_date"][2:], visit["kind"]]
        assert line.split()[-2:] == [_yuan(visit["total_fen"]), _yuan(visit["self_fen"])]

    # The confirmations reach the back office: the records are in the new booklet, once.
    assert ui.app.agent.deliver_outbox() is not None
    with live_server.session() as db:
        progress = db.scalars(
            select(BookletProgress).where(BookletProgress.id_hash == person)
        ).one()
        assert (progress.printed_through_seq, progress.booklet_number) == (FULL + 3, 2)
        assert (progress.next_page, progress.next_line, progress.booklet_serial) == (
            1, 4, "SH-2026-0417",
        )  # fmt: skip


def test_with_an_upstream_down_the_kiosk_says_so_and_nothing_is_recorded(
    live_server: LiveServer, tmp_path: Path, make_kiosk_ui: Any, printer_peer: PrinterPeer
) -> None:
    from backoffice.suishen.models import Identification

    id_number, name = "310105194809270012", "陈建国"
    peers = upstream_peers()
    peers.medical.add_person(_person(id_number), SystemClock().now().date(), count=3)
    ui: KioskUI = _enrolled(live_server, tmp_path, make_kiosk_ui)
    _with_printer(ui, printer_peer)
    scanner = FakeScanner()
    ui.app.devices.qr_scanner = scanner
    screen = ui.app.screens.get_screen("booklet")
    ui.tap(ui.find("医保就医记录册"))
    _pump_until(ui, lambda: ui.app.screens.current == "identify")

    def notice() -> str:
        try:
            return str(ui.find("identify_notice").text)
        except LookupError:  # the screen still sliding in
            return ""

    with fault(peers.suishen, "down"):
        scanner.events.put(QrScanned(peers.suishen.issue(id_number, name)))
        _pump_until(ui, lambda: notice() != "", timeout_s=30)
    assert notice() == (
        "随申码核验服务暂时无法连接，本次未办理任何事项。请稍后再试，或插入社保卡。"
    )
    assert ui.app.visit is not None and ui.app.visit.identity is None
    with live_server.session() as db:
        assert db.scalars(select(Identification)).all() == []

    with fault(peers.medical, "error"):
        scanner.events.put(QrScanned(peers.suishen.issue(id_number, name)))
        _pump_until(ui, lambda: screen.phase == "ended", timeout_s=30)
    assert ui.find("booklet_message").text == (
        "医保就医记录系统暂时无法连接，本次没有打印任何内容。请稍后再试，或到医保窗口办理。"
    )
    ui.screenshot("booklet-upstream-down-zh")
    assert _paper(printer_peer) == []
