"""The medical record booklet: the print model without a window, then the whole flow in the real
window against a live back office and the printer peer: card, preview, print, paper out mid-job,
refill, resume without reprinting or skipping, confirmations through the outbox, counted once."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from kiosk.booklet import BookletPrint, column_heads, institution_column, record_text
from kiosk.devices.base import LinePosition, PrintProgress
from kiosk.devices.layouts import booklet_body_columns, text_columns
from kiosk.fonts import font_path
from kiosk.outbox import ItemState, Kind
from simulators.escpos_decoder import pieces, texts
from simulators.printer_peer import PrinterPeer
from tests.conftest import LiveServer
from tests.kiosk.conftest import KioskUI
from tests.kiosk.test_guides import _enrolled, _pump_until
from tests.kiosk.test_identify import CARD, FakeReader
from tests.upstreams import put_insured

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "kiosk" / "booklet-printer"


def _answer(count: int, start: tuple[int, int] = (1, 1), per_page: int = 16) -> dict[str, Any]:
    page, line = start
    lines = []
    for seq in range(1, count + 1):
        lines.append(
            {
                "seq": seq,
                "page": page,
                "line": line,
                "visit_date": f"2026-{1 + seq % 12:02d}-{1 + seq % 28:02d}",
                "institution": "上海交通大学医学院附属仁济医院"
                if seq % 2
                else "国药控股国大药房（愚园路店）",
                "department": "泌尿外科",
                "kind": "门诊",
                "total_yuan": "12345.67" if seq == 1 else "68.00",
                "fund_yuan": "40.00",
                "self_yuan": "28.00",
            }
        )
        page, line = (page, line + 1) if line < per_page else (page + 1, 1)
    return {
        "masked_name": "张*明",
        "masked_id": "110***********002X",
        "print_ticket": "12.abc",
        "lines_per_page": per_page,
        "pages_per_booklet": 40,
        "next_page": start[0],
        "next_line": start[1],
        "lines": lines,
        "booklet_full": False,
    }


# --- the print model ----------------------------------------------------------------------------


def test_every_line_fits_the_booklet_and_names_the_institution_briefly() -> None:
    width = booklet_body_columns()
    booklet = BookletPrint.from_answer(_answer(20))
    assert all(text_columns(x.text) <= width for x in booklet.lines)
    assert booklet.lines[0].text.startswith("26-02-02 门诊 仁济医院")
    assert booklet.lines[1].text.split()[2] == "国大药房"
    assert text_columns(column_heads(width)) <= width + 3
    assert institution_column("长宁区江苏路街道社区卫生服务中心", 15) == "社区卫生中心"
    assert text_columns(institution_column("某某某某某某某某某某某某", 9)) <= 9
    assert record_text(_answer(1)["lines"][0], width).endswith("12345.67   28.00")


def test_a_stopped_print_resumes_at_the_line_after_the_last_one_printed_for_sure() -> None:
    booklet = BookletPrint.from_answer(_answer(20, start=(3, 10)))
    job = booklet.job()
    assert job is not None and len(job.pages) == 2
    assert job.pages[0].lines[1].text == "第3页  自第10行起"
    assert job.pages[0].lines[2].text == "张*明  110***********002X"
    assert booklet.confirmation() is None

    printed = (*(LinePosition(3, n) for n in range(10, 17)), LinePosition(4, 1))
    assert booklet.advance(PrintProgress(printed, 1)) is True
    assert booklet.advance(PrintProgress(printed[:3], 0)) is False  # never backwards
    assert booklet.confirmation() == {"ticket": "12.abc", "page": 4, "line": 1}
    assert booklet.confirmation_key() == "print-12.abc-4-1"
    assert booklet.printed_count == 8
    rest = booklet.job()
    assert rest is not None and rest.pages[0].lines[1].text == "第4页  自第2行起"
    assert rest.positions[0] == LinePosition(4, 2) and len(rest.positions) == 12
    assert [v[:3] for v in booklet.views(4)] == [(4, 1, 3), (4, 2, 3), (4, 3, 3)]
    with pytest.raises(ValueError, match="not waiting"):
        booklet.advance(PrintProgress((LinePosition(9, 1),), 1))


# --- the flow in the window ---------------------------------------------------------------------


@pytest.fixture
def printer_peer() -> Iterator[PrinterPeer]:
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    with PrinterPeer(preview_dir=ARTIFACTS, font_path=font_path()) as peer:
        yield peer


def _resident(live_server: LiveServer) -> int:
    """The card holder, known upstream (the medical peer) with generated records; how many."""
    return put_insured(CARD.id_number)


def _printed_lines(peer: PrinterPeer) -> list[list[str]]:
    out = []
    for job in peer.jobs:
        assert job.closed.wait(5)
        out += [texts(p) for p in pieces(job.printed)]
    return out


def test_card_preview_print_paper_out_resume_and_confirm_once(
    live_server: LiveServer, tmp_path: Path, make_kiosk_ui: Any, printer_peer: PrinterPeer
) -> None:
    from kiosk.devices.factory import build_printer
    from tests.cards import proven

    records = _resident(live_server)
    ui: KioskUI = _enrolled(live_server, tmp_path, make_kiosk_ui)
    ui.app.devices.printer = build_printer(
        {"driver": "escpos", "backend": "network", "host": "127.0.0.1", "port": printer_peer.port}
    )
    reader = FakeReader()
    ui.app.devices.card_readers = [reader]
    screen = ui.app.screens.get_screen("booklet")

    ui.tap(ui.find("医保就医记录册"))
    assert ui.app.screens.current == "identify"
    reader.events.put(proven(CARD, ui.app.backoffice.card_challenge))
    _pump_until(ui, lambda: screen.phase == "preview")
    assert ui.app.screens.current == "booklet"
    assert ui.find("booklet_message").text == f"共 {records} 条新记录，从第 1 页第 1 行开始"
    assert ui.find("view_title").text == "预览：第 1 页（1/3）"
    ui.screenshot("booklet-preview-zh")
    ui.tap(ui.find("next_page"))
    assert ui.find("view_title").text == "预览：第 1 页（2/3）"

    # The roll ends on page 2 after its header and three lines.
    header, feed_past_cutter = 5, 4
    printer_peer.set_fault("paper_out_after", header + 16 + feed_past_cutter + header + 3)
    ui.tap(ui.find("开始打印"))
    _pump_until(ui, lambda: screen.phase == "stopped")
    left = records - 19
    assert ui.find("booklet_message").text == (
        f"已打印 19 条，还剩 {left} 条。打印机缺纸，请联系工作人员加纸"
    )
    assert screen.ids.back.disabled  # the print goes on: no way back mid-job
    ui.screenshot("booklet-paper-out-zh")
    confirmations = [i for i in ui.app.outbox.items() if i.kind == Kind.PRINT_CONFIRMATION]
    assert [(i.body["page"], i.body["line"]) for i in confirmations] == [(1, 16), (2, 3)]

    # Still out of paper: the same words again, nothing printed twice.
    jobs = len(printer_peer.jobs)
    ui.tap(ui.find("已处理好，继续打印"))
    _pump_until(ui, lambda: screen.phase == "stopped" and len(printer_peer.jobs) > jobs)
    printer_peer.set_fault("ready")  # staff refill the roll
    ui.tap(ui.find("已处理好，继续打印"))
    _pump_until(ui, lambda: screen.phase == "done")
    assert ui.find("booklet_message").text == (
        f"打印完成，共 {records} 条。请取走纸张，贴在记录册第 1 页起"
    )
    ui.screenshot("booklet-done-zh")

    # Every waiting line is on paper exactly once, in order, under the right page header.
    paper = _printed_lines(printer_peer)
    lines = [(p[1], line) for p in paper for line in p[5:]]
    assert [h for h, _ in lines][:16] == ["第1页  自第1行起"] * 16
    assert [line[:2] for _, line in lines] == [
        f"{n:>2}" for n in itertools.islice(itertools.cycle(range(1, 17)), records)
    ]
    assert paper[2][1] == "第2页  自第4行起"
    assert all("11010519491231002X" not in line for p in paper for line in p)

    # Delivered later (as after a network cut), each confirmation counts once.
    assert ui.app.agent.deliver_outbox() is not None
    sent = [i for i in ui.app.outbox.items() if i.kind == Kind.PRINT_CONFIRMATION]
    assert {i.state for i in sent} == {ItemState.SENT}
    last = sent[-1]
    again = ui.app.agent.send(
        "POST", last.path, last.data, {"Content-Type": "application/json"}
    ).json()
    assert again["remaining"] == 0 and again["printed_through_seq"] == records

    ui.tap(ui.find("booklet_finish"))
    assert ui.app.screens.current == "rating"
    assert ui.app.visit is not None and ui.app.visit.matter == "MI-BOOKLET-PRINT"


def test_offline_the_booklet_says_plainly_it_cannot_be_looked_up(
    make_kiosk_ui: Any, tmp_path: Path
) -> None:
    from kiosk.agent import AgentState
    from kiosk.devices.factory import build_printer
    from kiosk.visit import Identity, Proof

    ui: KioskUI = make_kiosk_ui(language="en")
    printer = {"driver": "escpos", "backend": "file", "device": str(tmp_path / "printer.bin")}
    ui.app.devices.printer = build_printer(printer)
    ui.app.agent.state = AgentState.OFFLINE
    ui.app._poll_agent(0)
    ui.app.visits.touch()
    ui.app.visit.identify(Identity(Proof.CARD, masked_name="张*明", secret=""))
    ui.app.flows.home.open("tile.medical_booklet")
    ui.pump()
    assert ui.find("booklet_message").text == (
        "No connection: visit records cannot be looked up now. Try later or ask at the counter"
    )
    ui.screenshot("booklet-offline-en")
    ui.tap(ui.find("booklet_finish"))
    assert ui.app.screens.current == "rating"


def _unreachable(*_args: Any) -> Any:
    raise requests.ConnectionError("no back office in this test")


def test_a_printer_out_of_paper_puts_the_booklet_out_of_service_with_the_way_home(
    make_kiosk_ui: Any, printer_peer: PrinterPeer
) -> None:
    from kiosk.devices.factory import build_printer
    from kiosk.visit import Identity, Proof

    ui: KioskUI = make_kiosk_ui()
    # Online (the agent can send): the printer is asked before any record is fetched.
    ui.agent.send = _unreachable
    ui.app.devices.printer = build_printer(
        {"driver": "escpos", "backend": "network", "host": "127.0.0.1", "port": printer_peer.port}
    )
    printer_peer.set_fault("paper_out")
    ui.app.visits.touch()
    ui.app.visit.identify(Identity(Proof.SUISHEN, masked_name="张*明", secret=""))
    ui.app.flows.home.open("tile.medical_booklet")
    _pump_until(ui, lambda: ui.app.screens.current == "out_of_service")
    assert ui.find("out_of_service_title").text == "“医保就医记录册”暂停服务"
    assert ui.find("lock_message").text == "打印机缺纸，请联系工作人员加纸"
    assert ui.find("out_of_service_detail").text == (
        "本机其他服务仍可使用。办理此项请前往服务窗口。"
    )
    ui.screenshot("booklet-service-out-zh")
    ui.tap(ui.find("返回首页"))
    assert ui.app.screens.current == "home" and not ui.app.locked


def test_without_a_reader_or_a_camera_the_booklet_cannot_identify_and_says_so(
    make_kiosk_ui: Any,
) -> None:
    ui: KioskUI = make_kiosk_ui(language="en")
    ui.tap(ui.find("Medical record booklet"))
    assert ui.app.screens.current == "out_of_service"
    assert ui.find("lock_message").text == (
        "Neither the card reader nor the code scanner works, so you cannot be identified here."
    )
    ui.screenshot("booklet-service-out-en")
