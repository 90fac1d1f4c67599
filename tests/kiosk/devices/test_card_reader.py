"""The card reader through the real PC/SC daemon: pyscard talks to pcscd, pcscd to the
emulated card on virtual reader 0, which the test inserts and pulls out."""

from __future__ import annotations

import datetime as dt
import queue
import subprocess
from collections.abc import Iterator

import pytest

from kiosk.devices import DeviceState
from kiosk.devices.base import CardError, CardEvent, CardInserted, CardRemoved
from kiosk.devices.pcsc import PcscCardReader
from kiosk.devices.sscard import SocialSecurityCard
from simulators.vpcd_card import (
    DEMO_HOLDER,
    CardFault,
    SocialSecurityCardModel,
    VirtualCard,
)

READER = "Virtual PCD 00 00"
EVENT_TIMEOUT_S = 10

FULL_READ = [
    ("00a404000f7378312e73682ec9e7bbe1b1a3d5cf", "6113"),
    ("00c0000013", "6f11840f7378312e73682ec9e7bbe1b1a3d5cf9000"),
    ("00a4020002ef05", "9000"),
    ("00b2010400", "6c12"),
    ("00b2010412", "0110" + b"310000D156000005".hex() + "9000"),
    ("00b207040b", "0709" + b"A01234567".hex() + "9000"),
    ("00a4000002ef06", "9000"),
    ("00b2010414", "0812" + b"11010519491231002X".hex() + "9000"),
    ("00b2020420", "091e" + "王秀英".encode("gbk").hex() + "00" * 24 + "9000"),
]


@pytest.fixture
def reader() -> Iterator[PcscCardReader]:
    listening = subprocess.run(["ss", "-ltnH", "sport = :35963"], capture_output=True, text=True)
    if "LISTEN" not in listening.stdout:
        pytest.fail("pcscd with vsmartcard-vpcd is not running: use scripts/with-services.sh")
    card_reader = PcscCardReader(READER, SocialSecurityCard(today=dt.date(2026, 11, 28)))
    card_reader.start()
    yield card_reader
    card_reader.stop()


def next_event(reader: PcscCardReader) -> CardEvent:
    try:
        return reader.events.get(timeout=EVENT_TIMEOUT_S)
    except queue.Empty:
        pytest.fail("no card event within 10 s")


def insert(
    reader: PcscCardReader, fault: CardFault = CardFault.NONE, pull_after: int | None = None
) -> tuple[VirtualCard, CardEvent]:
    card = VirtualCard(SocialSecurityCardModel(DEMO_HOLDER, fault), reader=0, pull_after=pull_after)
    card.insert()
    return card, next_event(reader)


def trace(card: VirtualCard) -> list[tuple[str, str]]:
    return [(c.hex(), r.hex()) for c, r in card.model.trace]


@pytest.mark.pcsc
def test_insert_reads_the_identity_then_pull_reports_removal(reader: PcscCardReader) -> None:
    card, event = insert(reader)
    try:
        assert isinstance(event, CardInserted)
        identity = event.identity
        assert identity.id_number == "11010519491231002X"
        assert identity.name == "王秀英"
        assert identity.card_number == "A01234567"
        assert identity.card_identification_code == "310000D156000005"
        assert identity.birth_date == dt.date(1949, 12, 31)
        assert identity.masked_id_number == "110***********002X"
        assert identity.masked_name == "王*英"
        assert "11010519491231002X" not in repr(identity)
        assert trace(card) == FULL_READ
        assert [(c.hex(), r.hex()) for c, r in reader.last_trace] == FULL_READ
        assert reader.health().state is DeviceState.READY
    finally:
        card.pull()
    assert isinstance(next_event(reader), CardRemoved)


@pytest.mark.pcsc
def test_card_pulled_out_mid_read(reader: PcscCardReader) -> None:
    card, event = insert(reader, pull_after=5)
    assert event == CardError(
        "card_removed",
        "读卡时卡片被拔出，请重新插卡并等待提示",
        "The card was taken out while it was being read. Please insert it again and wait.",
    )
    assert trace(card) == FULL_READ[:5]
    assert isinstance(next_event(reader), CardRemoved)
    # The next card reads normally.
    card, event = insert(reader)
    card.pull()
    assert isinstance(event, CardInserted)
    assert isinstance(next_event(reader), CardRemoved)


@pytest.mark.parametrize(
    ("fault", "reason", "commands"),
    [
        (CardFault.CORRUPT_RECORD, "card_data_corrupt", 9),
        (CardFault.BAD_ID_NUMBER, "card_id_invalid", 9),
        (CardFault.OTHER_KIND, "unsupported_card", 1),
        (CardFault.UNREADABLE, "card_unreadable", 1),
        (CardFault.MALFORMED_RESPONSE, "card_data_corrupt", 9),
    ],
)
@pytest.mark.pcsc
def test_faulty_cards_end_in_a_typed_error(
    reader: PcscCardReader, fault: CardFault, reason: str, commands: int
) -> None:
    card, event = insert(reader, fault)
    try:
        assert isinstance(event, CardError)
        assert event.reason_code == reason
        assert event.message_zh and event.message_en
        assert len(card.model.trace) == commands
    finally:
        card.pull()
    assert isinstance(next_event(reader), CardRemoved)


@pytest.mark.pcsc
def test_corrupt_record_trace_shows_the_truncated_answer(reader: PcscCardReader) -> None:
    card, _event = insert(reader, CardFault.CORRUPT_RECORD)
    card.pull()
    assert trace(card)[7:] == [
        ("00b2010414", "6c0c"),
        ("00b201040c", "0812" + b"1101051949".hex() + "9000"),
    ]
    assert isinstance(next_event(reader), CardRemoved)


@pytest.mark.pcsc
def test_unknown_reader_is_a_fault_in_health() -> None:
    card_reader = PcscCardReader("No Such Reader 99", SocialSecurityCard())
    card_reader.start()
    try:
        for _ in range(50):
            if card_reader.health().state is DeviceState.FAULT:
                break
            card_reader._stop.wait(0.1)
        health = card_reader.health()
        assert health.state is DeviceState.FAULT
        assert health.reason is not None and health.reason.startswith("reader_unavailable")
    finally:
        card_reader.stop()


@pytest.mark.pcsc
@pytest.mark.parametrize("fault", [CardFault.NONE, CardFault.FOREIGN_KEY])
def test_the_card_answers_the_back_offices_challenge_while_it_is_in(
    reader: PcscCardReader, fault: CardFault
) -> None:
    """After the read, in the same card session: SELECT the application, then INTERNAL
    AUTHENTICATE with the challenge; the back office's card verifier (the HTTP adapter, asking
    the card issuer peer) accepts the genuine card's answer over what was read, and not a copy's."""
    from backoffice.settings import Settings
    from backoffice.suishen.cards import card_message
    from backoffice.suishen.upstream import http_card_verifier
    from tests.upstreams import adapter_settings

    challenge = bytes.fromhex("0102030405060708")
    reader.challenges = lambda: challenge
    card, event = insert(reader, fault)
    try:
        assert isinstance(event, CardInserted) and event.answer is not None
        assert event.answer.challenge == challenge.hex()
        read = event.identity
        assert trace(card)[: len(FULL_READ)] == FULL_READ
        commands = [command for command, _ in trace(card)[len(FULL_READ) :]]
        assert commands == [FULL_READ[0][0], FULL_READ[1][0], "00880000080102030405060708" + "08"]
        message = card_message(challenge, read.card_number, read.id_number, read.name)
        verifier = http_card_verifier(Settings(**adapter_settings()))
        genuine = verifier.verify(read.card_number, message, bytes.fromhex(event.answer.answer))
        assert genuine is (fault == CardFault.NONE)
    finally:
        card.pull()
    assert isinstance(next_event(reader), CardRemoved)
