"""The ESC/POS driver through python-escpos's Network backend against the printer peer: every
layout decoded back from the bytes, previews saved, every printer fault mid-job."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.devices import DeviceState
from kiosk.devices.base import (
    LinePosition,
    PaperOut,
    PrinterOffline,
    PrinterStatus,
    PrinterUnreachable,
)
from kiosk.devices.escpos_printer import EscposPrinter
from kiosk.devices.factory import build_printer
from kiosk.devices.layouts import booklet_job, guide_slip_job, next_position
from kiosk.fonts import font_path
from simulators.escpos_decoder import Raster, TextLine, decode, pieces, texts
from simulators.printer_peer import PrinterPeer, ReceivedJob

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "devices"
HOLDER = "王*英  110***********002X"  # masked, as the kiosk holds it
VISITS = [
    "2026-10-08 瑞金医院 门诊 自付35.20元",
    "10-15 仁济医院（东院）急诊：自付“128.00”元",
    "2026-10-21 江苏路街道社区卫生服务中心 配药",
    "2026-11-02 华山医院 门诊，统筹支付：56.00元",
    "2026-11-09 瑞金医院 复诊；自付12.50元！",
]


@pytest.fixture
def peer(request: pytest.FixtureRequest) -> Iterator[PrinterPeer]:
    folder = ARTIFACTS / request.node.name.replace("[", "-").rstrip("]")
    for old in folder.glob("*.png"):
        old.unlink()
    with PrinterPeer(preview_dir=folder, font_path=font_path()) as printer_peer:
        yield printer_peer


def printer_for(peer: PrinterPeer, chinese: str = "text") -> EscposPrinter:
    config = {"driver": "escpos", "backend": "network", "host": "127.0.0.1", "port": peer.port}
    printer = build_printer({**config, "chinese": chinese, "timeout_s": 2})
    assert isinstance(printer, EscposPrinter)
    return printer


def last_job(peer: PrinterPeer) -> ReceivedJob:
    for _ in range(50):
        if peer.jobs:
            break
        threading.Event().wait(0.1)  # the peer accepts on its own thread
    job = peer.jobs[-1]
    assert job.closed.wait(5)
    assert job.unknown == []
    return job


def test_booklet_pages_decode_back_to_the_layout(peer: PrinterPeer) -> None:
    printer = printer_for(peer)
    job = booklet_job(LinePosition(3, 18), VISITS, HOLDER, page_lines=20)
    result = printer.print_job(job)
    assert result.progress.printed == (
        LinePosition(3, 18),
        LinePosition(3, 19),
        LinePosition(3, 20),
        LinePosition(4, 1),
        LinePosition(4, 2),
    )
    assert result.progress.pages_done == 2
    received = last_job(peer)
    paper = pieces(received.printed)
    assert [texts(p) for p in paper] == [
        [
            "医保就医记录册",
            "第3页  自第18行起",
            "王*英  110***********002X",
            "-" * 48,
            "18 2026-10-08 瑞金医院 门诊 自付35.20元",
            "19 10-15 仁济医院（东院）急诊：自付“128.00”元",
            "20 2026-10-21 江苏路街道社区卫生服务中心 配药",
        ],
        [
            "医保就医记录册",
            "第4页  自第1行起",
            "王*英  110***********002X",
            "-" * 48,
            " 1 2026-11-02 华山医院 门诊，统筹支付：56.00元",
            " 2 2026-11-09 瑞金医院 复诊；自付12.50元！",
        ],
    ]
    lines = [e for e in received.printed if isinstance(e, TextLine)]
    assert all(line.chinese_mode for line in lines)
    assert lines[0].style.double_height and lines[1].style.bold
    assert {line.spacing for line in lines} == {64}  # the booklet's line pitch
    # Status asked before the job and after each line and each cut (DLE EOT 1 and 4).
    assert received.status_requests[:2] == [1, 4]
    assert len(received.status_requests) == 2 * (1 + 13 + 2)
    assert "11010519491231002X" not in received.raw.decode("gb18030")
    assert received.preview is not None and received.preview.is_file()
    assert printer.health().state is DeviceState.READY


def test_page_lines_is_configurable(peer: PrinterPeer) -> None:
    job = booklet_job(LinePosition(1, 1), VISITS, HOLDER, page_lines=2)
    printer_for(peer).print_job(job)
    paper = pieces(last_job(peer).printed)
    assert [texts(p)[1] for p in paper] == [
        "第1页  自第1行起",
        "第2页  自第1行起",
        "第3页  自第1行起",
    ]


def test_guide_slip(peer: PrinterPeer) -> None:
    job = guide_slip_job(
        "居住证办理（首次申领）",
        [
            ("办理地点", ["静安区江苏路街道社区事务受理服务中心 2 号窗口"]),
            ("所需材料", ["1. 身份证原件；", "2. 居住登记凭证（或租赁合同）；", "3. 近期一寸照片"]),
            ("办理时限", ["材料齐全的，15 个工作日内办结。"]),
        ],
    )
    printer_for(peer).print_job(job)
    paper = pieces(last_job(peer).printed)
    assert len(paper) == 1
    assert texts(paper[0])[:3] == ["居住证办理（首次申领）", "-" * 48, "办理地点"]
    assert "2. 居住登记凭证（或租赁合同）；" in texts(paper[0])
    assert texts(paper[0])[-1] == "智理自助终端 · 办事指南仅供参考，以窗口受理为准"


def test_raster_mode_sends_one_image_per_line(peer: PrinterPeer) -> None:
    job = booklet_job(LinePosition(5, 1), VISITS[:2], HOLDER)
    printer_for(peer, chinese="raster").print_job(job)
    received = last_job(peer)
    images = [e for e in received.printed if isinstance(e, Raster)]
    assert not [e for e in received.printed if isinstance(e, TextLine) and e.text]
    assert len(images) == 6  # 4 header lines and 2 booklet lines
    assert images[4].image.size == (576, 64)
    # Ink where the text is: a blank line would be all white.
    assert images[4].image.getextrema() == (0, 255)


def test_paper_out_mid_job_then_resume_prints_every_line_once(peer: PrinterPeer) -> None:
    printer = printer_for(peer)
    lines = [f"2026-10-{day:02d} 门诊 自付{day}.00元" for day in range(1, 13)]
    start = LinePosition(2, 15)
    peer.set_fault("paper_out_after", 4 + 6 + 4 + 4 + 2)  # page 2 whole (and its cut), 2 lines
    with pytest.raises(PaperOut) as caught:
        printer.print_job(booklet_job(start, lines, HOLDER))
    progress = caught.value.progress
    assert caught.value.message_zh == "打印机缺纸，请联系工作人员加纸"
    page_2 = [LinePosition(2, n) for n in range(15, 21)]
    assert progress.printed == (*page_2, LinePosition(3, 1), LinePosition(3, 2))
    assert printer.health() == printer.health().__class__(DeviceState.FAULT, "paper_out")
    first = last_job(peer)
    printed_first = [t for p in pieces(first.printed) for t in texts(p)]
    assert printed_first[-1] == " 2 2026-10-08 门诊 自付8.00元"

    # Refilled: the kiosk resumes after the last confirmed line.
    peer.set_fault("ready")
    assert printer.status() is PrinterStatus.READY
    assert progress.last_printed is not None
    resume_at = next_position(progress.last_printed)
    rest = lines[len(progress.printed) :]
    result = printer.print_job(booklet_job(resume_at, rest, HOLDER))
    second = last_job(peer)
    assert texts(pieces(second.printed)[0])[1] == "第3页  自第3行起"
    assert progress.printed + result.progress.printed == booklet_job(start, lines, HOLDER).positions


@pytest.mark.parametrize(
    ("fault", "error", "status", "reason"),
    [
        ("paper_out", PaperOut, PrinterStatus.PAPER_OUT, "paper_out"),
        ("offline", PrinterOffline, PrinterStatus.OFFLINE, "offline"),
        ("cover_open", PrinterOffline, PrinterStatus.COVER_OPEN, "cover_open"),
    ],
)
def test_status_checked_before_the_job(
    peer: PrinterPeer, fault: str, error: type[Exception], status: PrinterStatus, reason: str
) -> None:
    printer = printer_for(peer)
    peer.set_fault(fault)
    assert printer.status() is status
    assert printer.health().state is DeviceState.FAULT and printer.health().reason == reason
    with pytest.raises(error) as caught:
        printer.print_job(booklet_job(LinePosition(1, 1), VISITS, HOLDER))
    assert caught.value.progress.printed == ()
    received = last_job(peer)
    assert received.printed == [] and received.dropped == []


def test_paper_out_early_confirms_only_the_lines_printed(peer: PrinterPeer) -> None:
    printer = printer_for(peer)
    # The roll ends after the 4 header lines and 2 booklet lines.
    peer.set_fault("paper_out_after", 6)
    with pytest.raises(PaperOut) as caught:
        printer.print_job(booklet_job(LinePosition(1, 1), VISITS, HOLDER))
    assert caught.value.progress.printed == (LinePosition(1, 1), LinePosition(1, 2))


def test_paper_near_end_prints_and_warns(peer: PrinterPeer) -> None:
    printer = printer_for(peer)
    peer.set_fault("near_end")
    result = printer.print_job(booklet_job(LinePosition(1, 1), VISITS[:1], HOLDER))
    assert result.status_after is PrinterStatus.PAPER_NEAR_END
    assert result.progress.printed == (LinePosition(1, 1),)
    assert printer.health() == printer.health().__class__(DeviceState.READY, "paper_near_end")


def test_connection_lost_mid_job(peer: PrinterPeer) -> None:
    printer = printer_for(peer)
    peer.set_fault("drop_after", 300)
    with pytest.raises(PrinterUnreachable) as caught:
        printer.print_job(booklet_job(LinePosition(1, 1), VISITS, HOLDER))
    printed = caught.value.progress.printed
    received = last_job(peer)
    confirmed_texts = {f"{p.line:>2} {VISITS[p.line - 1]}" for p in printed}
    decoded = {t for p in pieces(received.printed) for t in texts(p)}
    assert confirmed_texts <= decoded
    assert caught.value.message_en.startswith("The kiosk cannot reach the printer")


def test_unreachable_printer() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    printer = build_printer(
        {"driver": "escpos", "backend": "network", "host": "127.0.0.1", "port": port}
    )
    assert printer.status() is PrinterStatus.UNREACHABLE
    assert printer.health().reason == "unreachable"
    with pytest.raises(PrinterUnreachable):
        printer.print_job(booklet_job(LinePosition(1, 1), VISITS, HOLDER))


def test_python_escpos_default_text_would_lose_full_width_punctuation(peer: PrinterPeer) -> None:
    # Why the driver encodes itself: python-escpos's own text() sends these as '?' and
    # single-byte code page quotes, and never switches the printer to Chinese mode.
    from escpos.printer import Network

    device = Network("127.0.0.1", port=peer.port, timeout=2)
    device.text("，。：“”\n")
    device.close()
    (line,) = [e for e in last_job(peer).printed if isinstance(e, TextLine)]
    assert line.text == "???“”"
    assert not line.chinese_mode


def test_cover_opened_mid_job(peer: PrinterPeer) -> None:
    printer = printer_for(peer)
    peer.set_fault("cover_open_after", 4 + 3)
    with pytest.raises(PrinterOffline) as caught:
        printer.print_job(booklet_job(LinePosition(6, 1), VISITS, HOLDER))
    assert caught.value.progress.printed == (
        LinePosition(6, 1),
        LinePosition(6, 2),
        LinePosition(6, 3),
    )
    assert caught.value.reason_code == "printer_offline"
    assert printer.health().reason == "cover_open"  # DLE EOT 2 says why it is offline


def test_printer_that_stops_answering_is_unreachable(peer: PrinterPeer) -> None:
    config = {"driver": "escpos", "backend": "network", "host": "127.0.0.1", "port": peer.port}
    printer = build_printer({**config, "timeout_s": 0.3})
    peer.set_fault("silent")
    assert printer.status() is PrinterStatus.UNREACHABLE
    with pytest.raises(PrinterUnreachable) as caught:
        printer.print_job(booklet_job(LinePosition(1, 1), VISITS, HOLDER))
    assert caught.value.progress.printed == ()
    assert last_job(peer).printed == []


def test_serial_backend_on_a_pseudo_terminal(peer: PrinterPeer) -> None:
    master, slave = os.openpty()
    try:
        thread = peer.serve_serial(master)
        printer = build_printer(
            {"driver": "escpos", "backend": "serial", "device": os.ttyname(slave), "timeout_s": 2}
        )
        result = printer.print_job(booklet_job(LinePosition(2, 20), VISITS[:2], HOLDER))
        assert result.progress.printed == (LinePosition(2, 20), LinePosition(3, 1))
        os.close(slave)
        slave = -1
        thread.join(5)
        received = last_job(peer)
        assert [texts(p)[1] for p in pieces(received.printed)] == [
            "第2页  自第20行起",
            "第3页  自第1行起",
        ]
    finally:
        os.close(master)
        if slave >= 0:
            os.close(slave)


def test_file_backend_writes_the_same_bytes(tmp_path: Path) -> None:
    target = tmp_path / "lp0"
    target.touch()
    printer = build_printer({"driver": "escpos", "backend": "file", "device": str(target)})
    result = printer.print_job(booklet_job(LinePosition(1, 1), VISITS[:1], HOLDER))
    assert result.progress.printed == (LinePosition(1, 1),)
    paper = pieces(decode(target.read_bytes()))
    assert texts(paper[0])[4] == " 1 2026-10-08 瑞金医院 门诊 自付35.20元"
