"""The booklet and a problem report without a window: what each says, what goes to the outbox,
what is printed (the real driver to the printer peer), against the shared back office."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from backoffice.cases.models import Case
from backoffice.db import create_db_engine
from kiosk.backoffice_client import BackOfficeClient
from kiosk.catalog import Sender
from kiosk.devices.base import CardIdentity
from kiosk.devices.factory import build_printer
from kiosk.fonts import font_path
from kiosk.outbox import Kind
from kiosk.visit import EndReason
from simulators.escpos_decoder import pieces, texts
from simulators.printer_peer import PrinterPeer
from tests.cards import proven
from tests.conftest import LiveServer
from tests.kiosk.flows.conftest import Kiosk
from tests.kiosk.test_identify import FakeReader, FakeScanner
from tests.upstreams import put_insured

# Its own holder: the booklet's printed position is kept by the back office per person.
HOLDER = CardIdentity(
    card_kind="social_security",
    card_number="SH0000042",
    id_number="440524188001010014",
    name="李秀兰",
    birth_date=dt.date(1880, 1, 1),
)


@pytest.fixture
def printer_peer() -> Iterator[PrinterPeer]:
    with PrinterPeer(font_path=font_path()) as peer:
        yield peer


def _printer(kiosk: Kiosk, peer: PrinterPeer) -> None:
    kiosk.devices.printer = build_printer(
        {"driver": "escpos", "backend": "network", "host": "127.0.0.1", "port": peer.port}
    )


def test_the_booklet_needs_a_printer_and_the_back_office(
    make_kiosk: Any, printer_peer: PrinterPeer
) -> None:
    kiosk: Kiosk = make_kiosk()
    kiosk.devices.card_readers = [FakeReader()]
    kiosk.flows.booklet.open()
    assert kiosk.window.out_of_service == (
        "tile.medical_booklet",
        "本机没有可用的打印机。",
        "This kiosk has no working printer.",
    )
    _printer(kiosk, printer_peer)
    kiosk.flows.booklet.open()
    assert (kiosk.window.screen, kiosk.booklet.phase) == ("booklet", "ended")
    assert kiosk.booklet.message[0].startswith("网络中断")


def test_card_preview_print_paper_out_resume_each_page_confirmed_once(
    make_kiosk: Any, office: LiveServer, office_sender: Sender, printer_peer: PrinterPeer
) -> None:
    records = put_insured(HOLDER.id_number)
    kiosk: Kiosk = make_kiosk(send=office_sender)
    _printer(kiosk, printer_peer)
    reader = FakeReader()
    kiosk.devices.card_readers = [reader]
    kiosk.flows.home.open("tile.medical_booklet")
    assert kiosk.window.screen == "identify"

    client = BackOfficeClient(lambda: office_sender, kiosk.runner)
    reader.events.put(proven(HOLDER, client.card_challenge))
    kiosk.flows.identify.drain()

    assert (kiosk.window.screen, kiosk.booklet.phase) == ("booklet", "preview")
    assert kiosk.booklet.message[0] == f"共 {records} 条新记录，从第 1 页第 1 行开始"
    assert kiosk.booklet.message[0] in kiosk.window.said
    printer_peer.set_fault("paper_out_after", 5 + 16 + 4 + 5 + 3)

    kiosk.flows.booklet.print()

    assert kiosk.booklet.phase == "stopped"
    assert kiosk.booklet.message[0] == (
        f"已打印 19 条，还剩 {records - 19} 条。打印机缺纸，请联系工作人员加纸"
    )
    confirmed = [i for i in kiosk.outbox.items() if i.kind == Kind.PRINT_CONFIRMATION]
    assert [(i.body["page"], i.body["line"]) for i in confirmed] == [(1, 16), (2, 3)]
    printer_peer.set_fault("ready")
    kiosk.flows.booklet.print()
    assert kiosk.booklet.phase == "done"
    assert kiosk.booklet.message[0] == f"打印完成，共 {records} 条。请取走纸张，贴在记录册第 1 页起"
    for job in printer_peer.jobs:
        assert job.closed.wait(5)
    lines = [line for job in printer_peer.jobs for p in pieces(job.printed) for line in texts(p)]
    assert all(HOLDER.id_number not in line for line in lines)
    assert sum(1 for line in lines if line[:2].strip().isdigit()) == records

    jobs = len(printer_peer.jobs)
    kiosk.visits.end(EndReason.FINISHED)
    kiosk.flows.booklet.print()  # the person left: their records left with them
    assert len(printer_peer.jobs) == jobs


FAULT_HOLDERS = {
    # Each fault prints for its own person: the back office keeps each booklet's position.
    "drop_after_lines": ("310105195001010036", "SH0000043"),
    "cover_open_after": ("310105195001010052", "SH0000044"),
}


@pytest.mark.parametrize("fault", sorted(FAULT_HOLDERS))
def test_a_dropped_connection_or_an_opened_cover_resumes_with_nothing_reprinted_or_skipped(
    make_kiosk: Any,
    office: LiveServer,
    office_sender: Sender,
    printer_peer: PrinterPeer,
    fault: str,
) -> None:
    """The printer loses its connection as a line arrives (switched off and on), or its cover
    is opened mid-page and closed again: the booklet stops, says so, and the same tap resumes
    at the next line; every record line is on paper exactly once."""
    id_number, card_number = FAULT_HOLDERS[fault]
    holder = dataclasses.replace(HOLDER, id_number=id_number, card_number=card_number)
    records = put_insured(holder.id_number)
    kiosk: Kiosk = make_kiosk(send=office_sender)
    _printer(kiosk, printer_peer)
    reader = FakeReader()
    kiosk.devices.card_readers = [reader]
    kiosk.flows.home.open("tile.medical_booklet")
    client = BackOfficeClient(lambda: office_sender, kiosk.runner)
    reader.events.put(proven(holder, client.card_challenge))
    kiosk.flows.identify.drain()
    assert (kiosk.window.screen, kiosk.booklet.phase) == ("booklet", "preview")
    printer_peer.set_fault(fault, 5 + 16 + 4 + 5 + 3)

    kiosk.flows.booklet.print()

    assert kiosk.booklet.phase == "stopped"
    assert kiosk.booklet.message[0].startswith(f"已打印 19 条，还剩 {records - 19} 条。")
    confirmed = [i for i in kiosk.outbox.items() if i.kind == Kind.PRINT_CONFIRMATION]
    assert [(i.body["page"], i.body["line"]) for i in confirmed] == [(1, 16), (2, 3)]
    if fault == "cover_open_after":
        assert printer_peer.cover_open
        printer_peer.set_fault("ready")  # the cover is closed
    kiosk.flows.booklet.print()

    assert kiosk.booklet.phase == "done"
    for job in printer_peer.jobs:
        assert job.closed.wait(5)
    lines = [line for job in printer_peer.jobs for p in pieces(job.printed) for line in texts(p)]
    record_lines = [line for line in lines if line[:2].strip().isdigit()]
    assert len(record_lines) == records  # nothing skipped
    assert len(set(record_lines)) == records  # nothing printed twice
    confirmed = [i for i in kiosk.outbox.items() if i.kind == Kind.PRINT_CONFIRMATION]
    assert len({i.idempotency_key for i in confirmed}) == len(confirmed)


def test_a_report_offline_waits_in_the_outbox_and_online_gets_its_case_number(
    make_kiosk: Any, office_sender: Sender
) -> None:
    offline: Kiosk = make_kiosk()
    offline.flows.home.open("tile.report_problem")
    assert "共享单车违停" in offline.lists.titles()
    offline.flows.report.choose("report_type", "E-0506")
    offline.flows.report.choose("report_road", "JSL-R01")
    assert offline.window.screen == "report_done"
    assert offline.done.summary[0] == "共享单车违停，江苏路"
    assert offline.done.outcome[0] == "已保存，网络恢复后自动提交。感谢您的反映！"
    [item] = offline.outbox.items()
    assert (item.kind, item.body["type_code"], item.body["road_code"]) == (
        Kind.REPORT,
        "E-0506",
        "JSL-R01",
    )
    assert item.idempotency_key == item.body["report_id"]

    kiosk: Kiosk = make_kiosk(send=office_sender, language="en")
    scanner = FakeScanner(jpeg=None)
    kiosk.devices.qr_scanner = scanner
    kiosk.flows.home.open("tile.report_problem")
    kiosk.flows.report.choose("report_type", "E-0102")
    kiosk.flows.report.choose("report_road", "JSL-R01")
    assert kiosk.window.screen == "report_photo"
    kiosk.flows.report.take_photo()
    assert kiosk.photo.notice[1].startswith("The camera")
    kiosk.flows.report.send(with_photo=False)
    assert kiosk.done.outcome[1].startswith("Received. Case number: ")
    assert kiosk.outbox.items() == []


def test_a_report_names_a_landmark_of_the_road_and_the_case_gets_its_point(
    make_kiosk: Any, office_sender: Sender, office: LiveServer
) -> None:
    kiosk: Kiosk = make_kiosk(send=office_sender, cached=False)
    kiosk.flows.catalog.refresh()  # the choices, with each road's landmarks, from the office
    kiosk.flows.home.open("tile.report_problem")
    kiosk.flows.report.choose("report_type", "E-0102")
    kiosk.flows.report.choose("report_road", "JSL-R02")
    assert kiosk.lists.page.title_key == "report.pick_landmark"
    assert "愚园路江苏路路口" in kiosk.lists.titles()
    assert "愚园路1032弄 岐山村" in kiosk.lists.titles()
    kiosk.flows.report.choose("report_landmark", "JSL-P01")
    assert kiosk.window.screen == "report_done"
    assert kiosk.done.summary[0] == "暴露垃圾，愚园路 愚园路1032弄 岐山村"
    number = kiosk.done.outcome[0].split("：")[1].split("。")[0]
    engine = create_db_engine(office.database_url)
    try:
        with engine.connect() as connection:
            lon, lat, grid = connection.execute(
                select(Case.lon, Case.lat, Case.grid_id).where(Case.number == number)
            ).one()
    finally:
        engine.dispose()
    assert lon is not None and lat is not None and grid is not None
