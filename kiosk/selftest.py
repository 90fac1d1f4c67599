"""``zhili-kiosk --config FILE selftest``: the installer's check of a terminal. Each device the
config names is driven by its real driver against what it is wired to: a test card read by each
card reader (and identified by the back office), a booklet test page printed, a QR code decoded.

Prints one line per check and a JSON summary; exits 0 when every check passed. Names and ID
numbers are printed masked, a QR code's content only by its first characters.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, TextIO

from kiosk.config import KioskConfig
from kiosk.devices.base import (
    AnswersChallenges,
    CameraFault,
    CardError,
    CardIdentity,
    CardInserted,
    CardReader,
    DeviceError,
    LinePosition,
    Printer,
    PrinterStatus,
    QrRejected,
    QrScanned,
    QrScanner,
    ResidentIdentity,
)
from kiosk.devices.health import DeviceState

if TYPE_CHECKING:
    from kiosk.backoffice_client import BackOfficeClient, CallFailed, Identification

DEFAULT_WAIT_S = 60.0
TEST_HOLDER = "自检页 SELF-TEST  请勿粘贴"
QR_SHOWN = 8  # characters of a decoded code that are printed
HTTP_WAIT_S = 15.0


@dataclass(frozen=True)
class Check:
    """One check's outcome; ``detail`` is safe to print (masked)."""

    name: str
    ok: bool
    detail: str


def describe(identity: CardIdentity) -> str:
    kind = identity.card_kind.replace("_", " ")
    return f"{kind} {identity.masked_name} {identity.masked_id_number}"


def sample_booklet_lines(today: dt.date) -> list[str]:
    """Three booklet lines laid out like real records (no one's data)."""
    from kiosk.booklet import record_text
    from kiosk.devices.layouts import booklet_body_columns

    records = [
        ("门诊", "江苏路街道社区卫生服务中心", "0.00", "0.00"),
        ("药店", "自检药房", "12.34", "5.67"),
        ("住院", "上海市第一人民医院（自检）", "1234.56", "234.56"),
    ]
    return [
        record_text(
            {
                "visit_date": today.isoformat(),
                "kind": kind,
                "institution": institution,
                "total_yuan": total,
                "self_yuan": own,
            },
            booklet_body_columns(),
        )
        for kind, institution, total, own in records
    ]


def check_printer(printer: Printer, today: dt.date) -> Check:
    from kiosk.booklet import column_heads
    from kiosk.devices.layouts import booklet_body_columns, booklet_job

    status = printer.status()
    if status not in (PrinterStatus.READY, PrinterStatus.PAPER_NEAR_END):
        return Check("printer", False, f"status {status.value}")
    job = booklet_job(
        LinePosition(1, 1),
        sample_booklet_lines(today),
        TEST_HOLDER,
        column_heads=column_heads(booklet_body_columns()),
    )
    try:
        result = printer.print_job(job)
    except DeviceError as exc:
        return Check("printer", False, f"{exc.reason_code}: {exc.detail}")
    lines = len(result.progress.printed)
    return Check(
        "printer",
        lines == len(job.positions),
        f"printed a booklet test page, {lines} lines; status {result.status_after.value}",
    )


def _card_outcome(name: str, event: object) -> Check | None:
    if isinstance(event, CardInserted):
        return Check(name, True, describe(event.identity))
    if isinstance(event, CardError):
        return Check(name, False, f"{event.reason_code}: {event.message_en}")
    return None


def _qr_outcome(event: object) -> Check | None:
    if isinstance(event, QrScanned):
        size, shown = len(event.payload), event.payload[:QR_SHOWN]
        return Check("qr_camera", True, f"decoded a code of {size} characters: {shown}…")
    if isinstance(event, QrRejected | CameraFault):
        return Check("qr_camera", False, f"{event.reason_code}: {event.message_en}")
    return None


def watch(
    readers: dict[str, CardReader],
    scanner: QrScanner | None,
    wait_s: float,
    monotonic: Callable[[], float] = time.monotonic,
) -> tuple[list[Check], dict[str, CardInserted]]:
    """Start the card readers and the camera together and wait, up to ``wait_s``, for one card
    on each reader and one code before the camera."""
    devices: dict[str, CardReader | QrScanner] = dict(readers)
    if scanner is not None:
        devices["qr_camera"] = scanner
    pending = dict(devices)
    for device in devices.values():
        device.start()
    checks: dict[str, Check] = {}
    cards: dict[str, CardInserted] = {}
    deadline = monotonic() + wait_s
    try:
        while pending and monotonic() < deadline:
            for name, device in list(pending.items()):
                while not device.events.empty():
                    event = device.events.get_nowait()
                    if name == "qr_camera":
                        check = _qr_outcome(event)
                    else:
                        check = _card_outcome(name, event)
                        if isinstance(event, CardInserted):
                            cards[name] = event
                    if check is not None:
                        checks[name] = check
                        del pending[name]
                        break
            time.sleep(0.05)
        # A device that never got going says why (a port it cannot open, no daemon).
        for name, device in pending.items():
            health = device.health()
            if health.state == DeviceState.FAULT:
                checks[name] = Check(name, False, f"fault: {health.reason}")
    finally:
        for device in devices.values():
            device.stop()
    for name in pending:
        what = "no code was shown" if name == "qr_camera" else "no card was read"
        checks.setdefault(name, Check(name, False, f"{what} within {wait_s:.0f} s"))
    return [checks[name] for name in (*readers, "qr_camera") if name in checks], cards


def _client(config: KioskConfig) -> tuple[BackOfficeClient | None, str]:
    """A back-office client with the terminal's own token (enrolling first when the terminal
    has a code and no token yet), or None and why not."""
    from kiosk.agent import FleetAgent, KioskStatus
    from kiosk.background import Background
    from kiosk.backoffice_client import BackOfficeClient

    agent = FleetAgent(config, lambda: KioskStatus("selftest", config.language, False))
    if agent.terminal_code is None and not agent.enroll_once():
        return None, f"not enrolled: {agent.last_error}"
    # No UI thread here: answers are handed over on the calling thread.
    return BackOfficeClient(lambda: agent.send, Background(lambda call: call())), ""


def check_identification(
    client: BackOfficeClient | None,
    why_not: str,
    name: str,
    card: CardInserted,
) -> Check:
    """The back office identifies the card's holder from the card's answer to its challenge."""
    from kiosk.backoffice_client import Identification

    check_name = f"identification ({name})"
    if client is None:
        return Check(check_name, False, why_not)
    answers: list[Identification | CallFailed] = []
    done = threading.Event()

    def finished(answer: Identification | CallFailed) -> None:
        answers.append(answer)
        done.set()

    identity = card.identity
    if isinstance(identity, ResidentIdentity):  # taken on the terminal's token, as the app does
        client.identify_id_card(identity.id_number, identity.name, identity.valid_to, finished)
    else:
        client.identify_card(identity, card.answer, finished)
    if not done.wait(HTTP_WAIT_S):
        return Check(check_name, False, "the back office did not answer")
    answer = answers[0]
    if not isinstance(answer, Identification):
        return Check(check_name, False, answer.detail)
    return Check(
        check_name,
        True,
        f"the back office identified {answer.masked_name} {answer.masked_id or ''}".rstrip(),
    )


def run_selftest(config: KioskConfig, wait_s: float, out: TextIO) -> int:
    """Check every configured device; 0 when all passed, 1 otherwise."""
    from kiosk.devices.factory import DeviceConfigError, build_devices

    try:
        devices = build_devices(config.devices)
    except DeviceConfigError as exc:
        print(f"devices: {exc}", file=out)
        return 2
    readers = {
        name: reader
        for name, reader in (
            ("card_reader", devices.card_reader),
            ("id_card_reader", devices.id_card_reader),
        )
        if reader is not None
    }
    if not readers and devices.qr_camera is None and devices.printer is None:
        print("no devices in the config's [devices] table", file=out)
        return 1
    if readers or devices.qr_camera is not None:
        print(
            f"place a test card on each reader and show a QR code within {wait_s:.0f} s",
            file=out,
            flush=True,
        )
    client, why_not = _client(config) if readers else (None, "")
    for reader in readers.values():
        if client is not None and isinstance(reader, AnswersChallenges):
            reader.challenges = client.card_challenge
    checks, cards = watch(readers, devices.qr_camera, wait_s)
    for name in readers:
        if name in cards:
            checks.append(check_identification(client, why_not, name, cards[name]))
    if devices.printer is not None:
        checks.append(check_printer(devices.printer, dt.date.today()))
    for check in checks:
        print(f"{check.name:<30} {'ok' if check.ok else 'FAILED':<7} {check.detail}", file=out)
    passed = all(check.ok for check in checks)
    summary = {"ok": passed, "checks": [asdict(check) for check in checks]}
    print(json.dumps(summary, ensure_ascii=False), file=out, flush=True)
    return 0 if passed else 1
