"""No-certificate queries in the real window against a live back office whose query adapter talks
to the query upstream's peer: a receipt's progress from the list to its printed slip (the ESC/POS
bytes decoded back, the applicant's name masked), read aloud in elder mode, and the upstream
down said in plain words."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.devices.factory import build_printer
from simulators.escpos_decoder import pieces, texts
from simulators.printer_peer import PrinterPeer
from simulators.query_peer import QueryAnswers, QueryPeer
from tests.conftest import LiveServer
from tests.kiosk.conftest import KioskUI
from tests.kiosk.test_guides import _enrolled, _pump_until
from tests.upstreams import upstream_peers


@pytest.fixture
def healthy_peer() -> Iterator[QueryPeer]:
    """This process's query peer (tests/upstreams.py), whose address the live servers get; a
    fault a test injects is cleared after it."""
    peer = upstream_peers().queries
    peer.set_fault("none")
    yield peer
    peer.set_fault("none")


PROGRESS = "办件进度查询（凭受理回执号）"


@pytest.fixture
def printer_peer() -> Iterator[PrinterPeer]:
    from kiosk.fonts import font_path

    with PrinterPeer(preview_dir=Path("test-artifacts/kiosk/slips"), font_path=font_path()) as peer:
        yield peer


@pytest.fixture
def kiosk(
    healthy_peer: QueryPeer,
    live_server: LiveServer,
    tmp_path: Path,
    make_kiosk_ui: Any,
    printer_peer: PrinterPeer,
) -> KioskUI:
    """An enrolled kiosk with the back office's catalog and a network printer."""
    ui: KioskUI = _enrolled(live_server, tmp_path, make_kiosk_ui)
    ui.app.flows.catalog.refresh()
    _pump_until(ui, lambda: ui.app.catalog_store.catalog is not None)
    ui.app.devices.printer = build_printer(
        {"driver": "escpos", "backend": "network", "host": "127.0.0.1", "port": printer_peer.port}
    )
    return ui


def test_a_receipts_progress_from_the_list_to_its_printed_slip(
    kiosk: KioskUI, printer_peer: PrinterPeer
) -> None:
    ui = kiosk
    ui.tap(ui.find("无证件查询"))
    ui.tap(ui.find("下一页"))  # the answer keypad and 24 queries, six a page: page 2
    ui.tap(ui.find(PROGRESS))
    assert ui.app.screens.current == "query"
    assert ui.find("query_title").text == PROGRESS
    assert ui.find("query_notice").text == "请输入受理回执上的 12 位回执号"

    received = dt.date.today()
    receipt = f"{received:%Y%m%d}0042"
    for digit in receipt:
        ui.tap(ui.find(digit))
    assert ui.find("query_display").text == " ".join((receipt[:4], receipt[4:8], receipt[8:]))
    assert ui.find("query_notice").text == "已输入 12 位，还差 0 位"
    ui.tap(ui.find("查询"))

    _pump_until(ui, lambda: ui.app.flows.queries.answer is not None)
    ui.pump()
    raw = QueryAnswers().answer("Q-PROGRESS", receipt, None)[0]
    applicant = raw["applicant"]
    masked = applicant[0] + "*" * (len(applicant) - 2) + applicant[-1]
    if len(applicant) == 2:
        masked = applicant[0] + "*"
    shown = ui.texts()
    assert "查询结果" in shown
    assert f"受理回执号：{receipt}" in shown
    assert f"申请人：{masked}" in shown and not any(applicant in t for t in shown)
    assert f"受理日期：{received.year}年{received.month}月{received.day}日" in shown
    assert f"当前环节：{raw['step']}" in shown
    ui.screenshot("query-progress-zh")

    ui.tap(ui.find("打印查询结果"))
    _pump_until(ui, lambda: "已打印，请从出纸口取走" in ui.texts())
    _pump_until(ui, lambda: bool(printer_peer.jobs))
    job = printer_peer.jobs[-1]
    assert job.closed.wait(5)
    [paper] = pieces(job.printed)
    printed = texts(paper)
    joined = "\n".join(printed)
    assert printed[:2] == ["办件进度查询（凭受理回执", "号）"]  # the title, double size, wraps
    assert printed[2:4] == ["-" * 48, "查询信息"]
    assert printed[4].startswith("数据截至 ")
    assert "查询结果" in printed
    assert f"受理回执号：{receipt}" in printed
    assert f"申请人：{masked}" in printed
    assert applicant not in joined
    assert f"办理事项：{raw['matter']}" in printed
    assert printed[-1] == "智理自助终端 · 查询结果仅供参考，以窗口受理为准"


def test_read_aloud_in_elder_mode_and_the_upstream_down_said_in_plain_words(
    kiosk: KioskUI, healthy_peer: QueryPeer
) -> None:
    ui = kiosk
    ui.app.elder_mode = True
    ui.app.flows.browse.open_matter("Q-MIN-WAGE")
    _pump_until(ui, lambda: ui.app.flows.queries.answer is not None)
    expected = "本市最低工资标准查询。月最低工资：2,740.00 元；小时最低工资：24.00 元"
    voice = ui.app.voice
    assert voice.wait_rendered()
    _pump_until(ui, lambda: voice.last_text.startswith(expected), timeout_s=20)
    assert "月最低工资：2,740.00 元" in ui.texts()
    ui.screenshot("query-min-wage-elder-zh")

    ui.app.elder_mode = False
    ui.tap(ui.find("English"))
    healthy_peer.set_fault("down")
    ui.app.flows.browse.open_matter("EL-CANTEEN-QUERY")
    words = (
        "The query service is not answering right now, so nothing was found. Please try again "
        "in a few minutes, or ask at the counter."
    )
    _pump_until(ui, lambda: ui.find("query_notice").text == words, timeout_s=20)
    assert ui.app.flows.queries.answer is None
    assert ui.app.screens.get_screen("query").ids.query_print.opacity == 0  # nothing to print
    ui.screenshot("query-upstream-down-en")

    healthy_peer.set_fault("none")  # back again: the same query answers
    ui.app.flows.browse.open_matter("EL-CANTEEN-QUERY")
    _pump_until(ui, lambda: ui.app.flows.queries.answer is not None)
    assert "Entry 1" in ui.texts()
    # Four canteens do not fit one screen: the answer turns page by page, nothing scrolls.
    screen = ui.app.screens.get_screen("query")
    assert screen.page_count > 1
    for _ in range(screen.page_count - 1):
        ui.tap(ui.find("Next"))
    assert "Entry 4" in ui.texts() and "Entry 1" not in ui.texts()
    assert any(t.startswith("As of ") for t in ui.texts())  # the last line, on the last page
