"""The real card path: pcscd with a virtual card on reader 0, the PC/SC driver's thread, the
app's queue drain, and the greeting; pulling the card ends and wipes the visit."""

from __future__ import annotations

import datetime as dt
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest

from kiosk.devices.pcsc import PcscCardReader
from kiosk.devices.sscard import SocialSecurityCard
from kiosk.outbox import Kind
from simulators.vpcd_card import DEMO_HOLDER, SocialSecurityCardModel, VirtualCard

READER = "Virtual PCD 00 00"


@pytest.fixture
def reader() -> Iterator[PcscCardReader]:
    listening = subprocess.run(["ss", "-ltnH", "sport = :35963"], capture_output=True, text=True)
    if "LISTEN" not in listening.stdout:
        pytest.fail("pcscd with vsmartcard-vpcd is not running: use scripts/with-services.sh")
    card_reader = PcscCardReader(READER, SocialSecurityCard(today=dt.date(2026, 11, 28)))
    card_reader.start()
    yield card_reader
    card_reader.stop()


def _pump_until(ui: Any, condition: Any, timeout_s: float = 10.0) -> None:
    """Run the UI loop until ``condition()``; the card is read on the driver's thread, in real
    time, so this waits for that peer, never for a clock."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "the card event never reached the screen"
        ui.app.flows.identify.drain()
        ui.pump(1)


@pytest.mark.pcsc
def test_a_real_card_greets_by_masked_name_and_pulling_it_wipes(
    kiosk_ui: Any, reader: PcscCardReader
) -> None:
    ui = kiosk_ui
    ui.app.devices.card_readers = [reader]
    ui.tap(ui.find("医保就医记录册"))
    card = VirtualCard(SocialSecurityCardModel(DEMO_HOLDER), reader=0)
    card.insert()
    try:
        _pump_until(ui, lambda: ui.app.greeting_name != "")
        assert ui.find("greeting").text == "您好，王*英"
        assert "王秀英" not in " ".join(ui.texts())
        # The booklet goes on, and says this kiosk has no printer (test_booklet.py prints).
        assert ui.app.screens.current == "out_of_service"
        ui.screenshot("card-greeting-zh")
    finally:
        card.pull()
    _pump_until(ui, lambda: ui.app.visit is None)
    assert ui.app.screens.current == "home"
    assert ui.app.greeting_name == ""
    [visit] = [i for i in ui.app.outbox.items() if i.kind == Kind.VISIT]
    assert (visit.body["outcome"], visit.body["identified_by"]) == ("card_removed", "card")
