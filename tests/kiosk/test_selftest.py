"""``zhili-kiosk --config F selftest``: every configured device driven by its real driver against
its peer (the virtual social security card behind pcscd, the ID card module on a pty, the
network printer, a video file as camera) and the card holders identified by a live back office.
``TerminalBench`` is shared with the PyInstaller build test."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from types import TracebackType

import pytest

from kiosk.booklet import column_heads
from kiosk.cli import main
from kiosk.devices.layouts import booklet_body_columns
from kiosk.fonts import font_path
from simulators.camera import empty_video, qr_video
from simulators.escpos_decoder import pieces, texts
from simulators.idcard_module import IdCardModule, PtyLink
from simulators.printer_peer import PrinterPeer
from simulators.vpcd_card import DEMO_HOLDER, SocialSecurityCardModel, VirtualCard
from tests.conftest import ARTIFACTS, LiveServer
from tests.e2e.test_kiosk_enrollment import _seed

QR_PAYLOAD = "SUISHEN:DEMO:31010119491231"
# Virtual reader 1: the other card tests use reader 0 of the same (shared) daemon.
SS_READER = "Virtual PCD 00 01"
SS_READER_INDEX = 1


def require_pcscd() -> None:
    listening = subprocess.run(["ss", "-ltnH", "sport = :35964"], capture_output=True, text=True)
    if "LISTEN" not in listening.stdout:
        pytest.fail("pcscd with vsmartcard-vpcd is not running: use scripts/with-services.sh")


class TerminalBench:
    """The peers a terminal's devices are wired to and the kiosk config naming them: a test
    card in each reader (``cards``) and a QR code before the camera (``qr_payload``, None for
    an empty counter). ``social_security_reader`` False leaves that reader out of the config;
    ``server_url``/``enrollment_code`` None: no back office."""

    def __init__(
        self,
        folder: Path,
        server_url: str | None = None,
        enrollment_code: str | None = None,
        *,
        social_security_reader: bool = True,
        cards: bool = True,
        qr_payload: str | None = QR_PAYLOAD,
    ) -> None:
        self.folder = folder
        self.server_url = server_url
        self.enrollment_code = enrollment_code
        self.social_security_reader = social_security_reader
        self.cards = cards
        self.qr_payload = qr_payload
        self.module = IdCardModule()
        self.printer = PrinterPeer(preview_dir=folder / "printer", font_path=font_path())
        self._stack = ExitStack()
        self.config = folder / "kiosk.toml"

    def __enter__(self) -> TerminalBench:
        stack = self._stack
        stack.enter_context(self.printer)
        link = stack.enter_context(PtyLink(self.module).start())
        camera = self.folder / "camera"
        if self.qr_payload is None:
            video = empty_video(camera / "empty.avi")
        else:
            video = qr_video(camera / "qr.avi", self.qr_payload)
        lines = []
        if self.server_url is not None:
            lines.append(f'server_url = "{self.server_url}"')
        if self.enrollment_code is not None:
            lines.append(f'enrollment_code = "{self.enrollment_code}"')
        if self.cards:
            self.module.control("place")
        if self.social_security_reader:
            lines += ["[devices.card_reader]", 'driver = "pcsc"', f'reader = "{SS_READER}"']
            if self.cards:
                require_pcscd()
                card = VirtualCard(SocialSecurityCardModel(DEMO_HOLDER), reader=SS_READER_INDEX)
                card.insert()
                stack.callback(card.pull)
        lines += [
            "[devices.id_card_reader]",
            'driver = "serial"',
            f'port = "{link.url}"',
            "[devices.printer]",
            'driver = "escpos"',
            'backend = "network"',
            'host = "127.0.0.1"',
            f"port = {self.printer.port}",
            "[devices.qr_camera]",
            'driver = "opencv"',
            f'source = "{video}"',
            "realtime = false",
        ]
        self.config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stack.close()

    def printed_pages(self) -> list[list[str]]:
        """The text of every piece of paper the printer peer received, decoded from ESC/POS."""
        for _ in range(50):
            if any(job.printed for job in self.printer.jobs):
                break
            threading.Event().wait(0.1)
        paper = []
        for job in self.printer.jobs:
            assert job.closed.wait(5)
            assert job.unknown == []
            paper += [texts(piece) for piece in pieces(job.printed)]
        return paper


def assert_booklet_test_page(pages: list[list[str]], today: dt.date) -> None:
    assert len(pages) == 1
    page = pages[0]
    assert page[:5] == [
        "医保就医记录册",
        "第1页  自第1行起",
        "自检页 SELF-TEST  请勿粘贴",
        "-" * 48,
        column_heads(booklet_body_columns()),
    ]
    day = today.strftime("%y-%m-%d")
    kinds = [f" 1 {day} 门诊", f" 2 {day} 药店", f" 3 {day} 住院"]
    assert [line[:14] for line in page[5:]] == kinds
    assert "社区卫生中心" in page[5] and page[5].endswith("   0.00    0.00")
    assert page[7].endswith("1234.56  234.56")


def summary(output: str) -> dict[str, object]:
    last = output.strip().splitlines()[-1]
    answer: dict[str, object] = json.loads(last)
    return answer


EXPECTED_CHECKS = [
    {"name": "card_reader", "ok": True, "detail": "social security card 王*英 110***********002X"},
    {"name": "id_card_reader", "ok": True, "detail": "resident id card 王*英 110***********002X"},
    {"name": "qr_camera", "ok": True, "detail": "decoded a code of 27 characters: SUISHEN:…"},
    {
        "name": "identification (card_reader)",
        "ok": True,
        "detail": "the back office identified 王*英 110***********002X",
    },
    # The resident ID card cannot prove its read: it is identified on the terminal's token
    # (proof id_card), counted toward the terminal's limit on people per hour.
    {
        "name": "identification (id_card_reader)",
        "ok": True,
        "detail": "the back office identified 王*英 110***********002X",
    },
    {"name": "printer", "ok": True, "detail": "printed a booklet test page, 3 lines; status ready"},
]


@pytest.fixture
def live_terminal(live_server: LiveServer, tmp_path: Path) -> Iterator[TerminalBench]:
    code = _seed(live_server.database_url)
    with TerminalBench(tmp_path, live_server.url, code) as bench:
        yield bench


@pytest.mark.pcsc
def test_selftest_drives_every_device_against_its_peer(
    live_terminal: TerminalBench, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(live_terminal.config), "selftest", "--wait", "30"]) == 0
    output = capsys.readouterr().out
    assert summary(output) == {"ok": True, "checks": EXPECTED_CHECKS}, output
    assert "11010519491231002X" not in output and "王秀英" not in output
    assert_booklet_test_page(live_terminal.printed_pages(), dt.date.today())
    assert (live_terminal.config.parent / "var" / "kiosk" / "token.json").is_file()  # enrolled
    preview = live_terminal.printer.jobs[-1].preview
    assert preview is not None
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(preview, ARTIFACTS / "selftest-booklet-page.png")


def test_selftest_says_which_device_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with TerminalBench(tmp_path, social_security_reader=False) as bench:
        bench.module.control("expired")
        bench.printer.set_fault("paper_out")
        assert main(["--config", str(bench.config), "selftest", "--wait", "20"]) == 1
    output = capsys.readouterr().out
    assert summary(output)["checks"] == [
        {
            "name": "id_card_reader",
            "ok": False,
            "detail": "card_expired: This ID card has expired. Please use your social security "
            "card or Suishen code, or go to a counter.",
        },
        {"name": "qr_camera", "ok": True, "detail": "decoded a code of 27 characters: SUISHEN:…"},
        {"name": "printer", "ok": False, "detail": "status paper_out"},
    ]
    assert "id_card_reader                 FAILED  card_expired" in output


def test_selftest_names_a_reader_that_cannot_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(
        '[devices.id_card_reader]\ndriver = "serial"\nport = "/dev/ttyNOSUCHPORT9"\n',
        encoding="utf-8",
    )
    assert main(["--config", str(config), "selftest", "--wait", "1"]) == 1
    (check,) = summary(capsys.readouterr().out)["checks"]
    assert check["name"] == "id_card_reader" and check["ok"] is False
    assert check["detail"].startswith("fault: reader_unavailable: cannot open /dev/ttyNOSUCHPORT9")
