"""Identification in the window: a card (in-process fake reader), a typed ID number, Suishen."""

from __future__ import annotations

import datetime as dt
import queue
from dataclasses import dataclass, field
from typing import Any

from kiosk.devices.base import (
    CardError,
    CardEvent,
    CardIdentity,
    CardInserted,
    CardRemoved,
    QrEvent,
    QrScanned,
    UnsupportedCard,
)
from kiosk.devices.health import DeviceHealth, DeviceState
from kiosk.outbox import Kind
from kiosk.visit import Proof


@dataclass
class FakeReader:
    """The CardReader interface, in process: a test puts events as the PC/SC thread would."""

    events: queue.Queue[CardEvent] = field(default_factory=queue.Queue)

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def health(self) -> DeviceHealth:
        return DeviceHealth(DeviceState.READY)


@dataclass
class FakeScanner:
    events: queue.Queue[QrEvent] = field(default_factory=queue.Queue)
    # What snapshot() gives: a JPEG, or None as from a camera without a frame.
    jpeg: bytes | None = None

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def health(self) -> DeviceHealth:
        return DeviceHealth(DeviceState.READY)

    def snapshot(self) -> bytes | None:
        return self.jpeg


CARD = CardIdentity(
    card_kind="social_security",
    card_number="SH0000001",
    id_number="11010519491231002X",
    name="张晓明",
    birth_date=dt.date(1949, 12, 31),
)


def _with_reader(ui: Any) -> FakeReader:
    reader = FakeReader()
    ui.app.devices.card_readers = [reader]
    return reader


def _deliver(ui: Any) -> None:
    ui.app.flows.identify.drain()
    ui.pump()


def test_medical_records_ask_for_a_card_and_a_card_greets_by_masked_name(kiosk_ui: Any) -> None:
    ui = kiosk_ui
    reader = _with_reader(ui)
    ui.tap(ui.find("医保就医记录册"))

    assert ui.app.screens.current == "identify"
    assert ui.find("identify_why").text == "办理“医保就医记录册”需要确认您的身份"
    ui.screenshot("identify-zh")

    reader.events.put(CardInserted(CARD))
    _deliver(ui)

    assert ui.find("greeting").text == "您好，张*明"
    assert ui.find("take_card").text == "取走卡片即结束本次服务"
    texts = " ".join(ui.texts())
    assert "张晓明" not in texts and "11010519491231002X" not in texts
    assert ui.app.visit.identity.proof == Proof.CARD
    # Identified with proof: the service that asked goes on (and says this kiosk has no
    # printer; test_booklet.py prints).
    assert ui.app.screens.current == "out_of_service"
    assert ui.find("lock_message").text == "本机没有可用的打印机。"
    ui.screenshot("greeting-zh")

    reader.events.put(CardRemoved())
    _deliver(ui)

    assert ui.app.visit is None
    assert ui.app.screens.current == "home"
    assert ui.app.root.ids.greeting.text == ""
    [visit] = [i for i in ui.app.outbox.items() if i.kind == Kind.VISIT]
    assert visit.body["outcome"] == "card_removed"
    assert visit.body["identified_by"] == "card"


def test_a_card_on_the_home_screen_greets_and_stays_home(kiosk_ui: Any) -> None:
    reader = _with_reader(kiosk_ui)
    reader.events.put(CardInserted(CARD))
    _deliver(kiosk_ui)
    assert kiosk_ui.app.screens.current == "home"
    assert kiosk_ui.find("greeting").text == "您好，张*明"


def test_an_unreadable_card_is_explained(kiosk_ui: Any) -> None:
    ui = kiosk_ui
    reader = _with_reader(ui)
    ui.tap(ui.find("医保就医记录册"))
    reader.events.put(CardError.from_error(UnsupportedCard()))
    _deliver(ui)
    assert ui.find("identify_notice").text == "这不是社会保障卡，请插入社保卡"
    assert ui.app.screens.current == "identify"


def test_a_typed_id_number_is_checked_as_typed_and_never_opens_records(kiosk_ui: Any) -> None:
    ui = kiosk_ui
    _with_reader(ui)
    ui.tap(ui.find("English"))
    ui.tap(ui.find("Medical record booklet"))
    ui.tap(ui.find("Type your ID number"))
    assert ui.app.screens.current == "keypad"
    keys = {b.key: b for b in ui.app.screens.get_screen("keypad").ids.keypad_keys.children}

    for digit in "11010519491332":
        ui.tap(keys[digit])
    assert ui.find("keypad_feedback").text == (
        "Characters 7 to 14 are not a real birth date; please check"
    )
    for _ in range(4):
        ui.tap(keys["delete"])
    for digit in "12310021":
        ui.tap(keys[digit])
    assert ui.find("keypad_display").text == "110105 19491231 0021"
    assert ui.find("keypad_feedback").text == (
        "This number fails its check; please compare it digit by digit"
    )
    assert ui.find("keypad_done").disabled is True
    ui.screenshot("keypad-bad-check-en")
    ui.tap(keys["delete"])
    ui.tap(keys["X"])
    assert ui.find("keypad_feedback").text == "The number is correct; tap OK"
    ui.screenshot("keypad-valid-en")

    ui.tap(ui.find("keypad_done"))

    assert ui.app.visit.identity.proof == Proof.TYPED
    assert ui.app.visit.identity.unlocks_personal_records is False
    assert ui.app.screens.current == "identify"
    assert ui.find("identify_notice").text.startswith("ID number 110***********002X noted.")
    assert "11010519491231002X" not in " ".join(ui.texts())
    # Medical records still ask for a card.
    ui.tap(ui.find("Back to home"))
    ui.tap(ui.find("Medical record booklet"))
    assert ui.app.screens.current == "identify"


def test_a_suishen_code_without_the_back_office_is_explained(kiosk_ui: Any) -> None:
    scanner = FakeScanner()
    kiosk_ui.app.devices.qr_scanner = scanner
    kiosk_ui.tap(kiosk_ui.find("医保就医记录册"))
    scanner.events.put(QrScanned("SSM1.demo.payload"))
    _deliver(kiosk_ui)
    assert kiosk_ui.find("identify_notice").text == (
        "网络中断，暂时无法验证随申码，请插入社保卡或稍后再试"
    )
    assert kiosk_ui.app.visit.identity is None


def test_idle_timeout_wipes_the_typed_number(kiosk_ui: Any) -> None:
    ui = kiosk_ui
    _with_reader(ui)
    ui.tap(ui.find("医保就医记录册"))
    ui.tap(ui.find("输入身份证号码"))
    keypad = ui.app.screens.get_screen("keypad")
    for key in "1101051949":
        keypad.press(key)
    ui.tick(90)
    assert keypad.typed == ""
    assert ui.app.screens.current == "home"
