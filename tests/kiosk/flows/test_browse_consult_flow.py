"""Browsing, guide slips and consults without a window: lists and Back, a guide slip printed
through the real driver to the printer peer, a consult and its answer from the back office."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kiosk.catalog import Sender
from kiosk.devices.factory import build_printer
from kiosk.fonts import font_path
from simulators.escpos_decoder import pieces, texts
from simulators.printer_peer import PrinterPeer
from tests.kiosk.conftest import seed_catalog
from tests.kiosk.flows.conftest import Kiosk

HIGH_FREQUENCY = seed_catalog()["high_frequency"]


def test_lists_then_back_step_by_step(make_kiosk: Any) -> None:
    kiosk: Kiosk = make_kiosk(language="en")
    kiosk.flows.home.open("tile.guides")
    assert kiosk.window.screen == "matters"
    assert kiosk.lists.titles("en")[:2] == ["Social insurance", "Medical insurance"]
    kiosk.flows.browse.choose("category", "MI")
    assert kiosk.lists.page is not None and kiosk.lists.page.title_names[1] == "Medical insurance"
    kiosk.flows.browse.choose("matter", "MI-BOOKLET-PRINT")
    assert (kiosk.window.screen, kiosk.guide.code) == ("guide", "MI-BOOKLET-PRINT")
    assert kiosk.visits.current is not None
    assert kiosk.visits.current.matter == "MI-BOOKLET-PRINT"

    kiosk.flows.lists.back()
    assert kiosk.window.screen == "matters"
    assert kiosk.lists.page.title_names[1] == "Medical insurance"
    kiosk.flows.lists.back()
    assert kiosk.lists.titles("en")[0] == "Social insurance"
    assert kiosk.window.said[-1] == "Tap a kind of matter."
    kiosk.flows.lists.back()
    assert kiosk.window.screen == "home"


def test_high_frequency_and_no_certificate_lists(make_kiosk: Any) -> None:
    kiosk: Kiosk = make_kiosk()
    kiosk.flows.home.open("tile.high_frequency")
    assert kiosk.lists.page is not None
    assert [code for _kind, code in kiosk.lists.page.entries] == HIGH_FREQUENCY
    kiosk.flows.home.open("tile.no_certificate")
    assert kiosk.lists.page.entries[0] == ("answer", "")
    assert kiosk.lists.titles()[0] == "查看咨询答复"
    kiosk.flows.browse.choose("answer", "")
    assert kiosk.window.screen == "answer"


def test_without_a_cached_catalog_the_lists_are_empty(make_kiosk: Any) -> None:
    kiosk: Kiosk = make_kiosk(cached=False)
    kiosk.flows.home.open("tile.high_frequency")
    assert kiosk.lists.page is not None and kiosk.lists.page.entries == ()
    assert kiosk.lists.page.empty_key == "catalog.none"


@pytest.fixture
def printer_peer() -> Iterator[PrinterPeer]:
    with PrinterPeer(font_path=font_path()) as peer:
        yield peer


def test_a_guide_slip_on_paper_names_what_is_still_missing(
    make_kiosk: Any, printer_peer: PrinterPeer
) -> None:
    kiosk: Kiosk = make_kiosk()
    kiosk.flows.browse.print_guide("SI-RECORD-PRINT", set())
    assert kiosk.guide.notice[0] == "本机没有打印机，请拍照或记下"

    kiosk.devices.printer = build_printer(
        {"driver": "escpos", "backend": "network", "host": "127.0.0.1", "port": printer_peer.port}
    )
    kiosk.flows.browse.open_matter("SI-RECORD-PRINT")
    kiosk.flows.browse.print_guide("SI-RECORD-PRINT", set())

    assert kiosk.guide.notice[0] == "已打印，请从出纸口取走"
    assert kiosk.window.said[-1] == "已打印，请从出纸口取走"
    assert kiosk.runner.names == ["print-slip"]
    job = printer_peer.jobs[-1]
    assert job.closed.wait(5)
    [paper] = pieces(job.printed)
    printed = texts(paper)
    assert printed[0] == "个人社保缴费记录查询打印"
    assert "还缺 1 项材料：居民身份证原件" in "".join(printed)

    printer_peer.set_fault("paper_out")
    kiosk.flows.browse.print_guide("SI-RECORD-PRINT", set())
    assert kiosk.guide.notice[0] == "打印纸用完了，请告诉工作人员加纸"


def test_a_consult_offline_is_refused_and_online_gets_a_reference_and_its_answer(
    make_kiosk: Any, office_sender: Sender
) -> None:
    offline: Kiosk = make_kiosk()
    offline.flows.consult.send("SI-CARD-REPLACE", {"id_card"})
    assert offline.guide.notice[0] == "网络中断，咨询需等网络恢复；请到服务窗口咨询。"
    offline.flows.consult.read_answer("ZXAAAAAAAA")
    assert offline.answer.result[0] == "网络中断，暂时无法查看答复，请稍后再试"

    kiosk: Kiosk = make_kiosk(send=office_sender, language="en")
    kiosk.flows.browse.open_matter("SI-CARD-REPLACE")
    kiosk.flows.consult.send("SI-CARD-REPLACE", {"id_card"})
    reference = kiosk.guide.reference
    assert reference.startswith("ZX") and len(reference) == 10
    assert kiosk.window.said[-1].startswith("Sent. Reference number: Z X")

    kiosk.flows.consult.read_answer(reference)
    assert kiosk.answer.result[1] == "No answer yet; please check again later"
    kiosk.flows.consult.read_answer("ZXAAAAAAAA")
    assert kiosk.answer.result[0] == "没有这个编号，请核对咨询单"
