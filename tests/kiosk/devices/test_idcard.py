"""The resident ID card reader driver against the module peer (simulators.idcard_module) on a
pseudo-terminal and on TCP: the frames on the wire, every text field, and each of the peer's
faults, through the real driver and pyserial."""

from __future__ import annotations

import datetime as dt
import logging
import queue
import time
from collections.abc import Callable, Iterator

import pytest

from kiosk.devices import DeviceState
from kiosk.devices.base import CardError, CardEvent, CardInserted, ResidentIdentity
from kiosk.devices.factory import DeviceConfigError, build_devices
from kiosk.devices.idcard import SerialIdCardReader
from simulators.idcard_module import DEMO_RESIDENT, IdCardModule, PtyLink, TcpLink

TODAY = dt.date(2026, 11, 28)
WAIT_S = 10

# Requests, as public code documents them: preamble, length 0003, command, parameter, XOR.
RESET_SAM = "aaaaaa9669000310ffec"
SAM_STATUS = "aaaaaa9669000311ffed"
FIND = "aaaaaa966900032001 22".replace(" ", "")
SELECT = "aaaaaa966900032002 21".replace(" ", "")
READ = "aaaaaa966900033001 32".replace(" ", "")
# Answers: preamble, length, 3 status bytes, data, XOR of length, status and data.
OK = "aaaaaa9669 0004 000090 94".replace(" ", "")
NO_CARD = "aaaaaa9669 0004 000080 84".replace(" ", "")
FOUND = "aaaaaa9669 0008 00009f 00000000 97".replace(" ", "")
SELECTED = "aaaaaa9669 000c 000090 0000000000000000 9c".replace(" ", "")
NOT_SELECTED = "aaaaaa9669 0004 000081 85".replace(" ", "")
READ_FAILED = "aaaaaa9669 0004 000041 45".replace(" ", "")

LIFTED = CardError(
    "card_removed",
    "读卡时身份证被移开，请把身份证放回读卡区，等提示后再拿开",
    "The ID card was lifted off the reader while it was being read. Please place it on the "
    "reader again and wait for the prompt.",
)
NOT_READ = CardError(
    "card_unreadable",
    "身份证没有读成功，请把身份证拿开后重新放到读卡区",
    "The ID card was not read. Please lift it off the reader and place it again.",
)
EXPIRED = CardError(
    "card_expired",
    "这张身份证已过期，不能在本机使用。请改用社保卡或随申码，或到服务窗口办理。",
    "This ID card has expired. Please use your social security card or Suishen code, or go to a "
    "counter.",
)


def ucs2_hex(text: str, size: int) -> str:
    return (text.encode("utf-16-le") + " ".encode("utf-16-le") * size)[:size].hex()


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {WAIT_S} s: {what}")
        time.sleep(0.01)


def make_reader(url: str, today: dt.date = TODAY) -> SerialIdCardReader:
    return SerialIdCardReader(
        url,
        clock=lambda: today,
        poll_s=0.02,
        answer_timeout_s=0.5,
        read_timeout_s=1.0,
        retry_s=0.1,
    )


class Bench:
    """The module peer on a pty and the driver reading from it."""

    def __init__(self, module: IdCardModule, reader: SerialIdCardReader) -> None:
        self.module = module
        self.reader = reader

    def trace(self, start: int = 0) -> list[tuple[str, str]]:
        return [(q.hex(), a.hex()) for q, a in list(self.module.trace)[start:]]

    def next_event(self) -> CardEvent:
        try:
            return self.reader.events.get(timeout=WAIT_S)
        except queue.Empty:
            pytest.fail(f"no card event within {WAIT_S} s")

    def place(self) -> tuple[int, CardEvent]:
        """Place the card; the trace index where its reading starts, and the event."""
        start = len(self.module.trace)
        self.module.control("place")
        return start, self.next_event()

    def remove(self) -> None:
        """Lift the card, and wait until the reader has seen the empty field."""
        start = len(self.module.trace)
        self.module.control("remove")
        wait_for(lambda: (FIND, NO_CARD) in self.trace(start), "the reader sees no card")

    def polls_after(self, start: int, count: int) -> None:
        wait_for(lambda: len(self.module.trace) >= start + count, f"{count} more requests")

    def card_trace(self, start: int) -> list[tuple[str, str]]:
        """The requests from the first find that found the card on."""
        trace = self.trace(start)
        first = trace.index((FIND, FOUND))
        return trace[first:]


@pytest.fixture
def bench() -> Iterator[Bench]:
    module = IdCardModule()
    with PtyLink(module).start() as link:
        reader = make_reader(link.url)
        reader.start()
        try:
            wait_for(lambda: reader.health().state is DeviceState.READY, "the reader is ready")
            yield Bench(module, reader)
        finally:
            reader.stop()


def test_a_placed_card_is_read_once_with_every_field(bench: Bench) -> None:
    assert bench.trace()[:2] == [(RESET_SAM, OK), (SAM_STATUS, OK)]
    start, event = bench.place()
    bench.polls_after(len(bench.module.trace), 3)  # the card stays on the reader
    assert isinstance(event, CardInserted)
    identity = event.identity
    assert isinstance(identity, ResidentIdentity)
    assert identity.card_kind == "resident_id_card"
    assert identity.name == "王秀英"
    assert identity.sex_code == "2" and identity.sex == "female"
    assert identity.nation_code == "01"
    assert identity.birth_date == dt.date(1949, 12, 31)
    assert identity.address == "上海市长宁区江苏路街道愚园路1088弄12号"
    assert identity.id_number == "11010519491231002X"
    assert identity.issuing_authority == "上海市公安局长宁分局"
    assert identity.valid_from == dt.date(2015, 1, 6)
    assert identity.valid_to is None  # 长期
    assert identity.photo_wlt == DEMO_RESIDENT.photo and len(identity.photo_wlt) == 1024
    assert identity.masked_name == "王*英"
    assert identity.masked_id_number == "110***********002X"
    assert "王秀英" not in repr(identity) and "002X" not in repr(identity)

    text = "".join(
        (
            ucs2_hex("王秀英", 30),
            ucs2_hex("2", 2),
            ucs2_hex("01", 4),
            ucs2_hex("19491231", 16),
            ucs2_hex("上海市长宁区江苏路街道愚园路1088弄12号", 70),
            ucs2_hex("11010519491231002X", 36),
            ucs2_hex("上海市公安局长宁分局", 30),
            ucs2_hex("20150106", 16),
            ucs2_hex("长期", 16),
            ucs2_hex("", 36),
        )
    )
    assert len(text) == 512
    body = bytes.fromhex("0508000090" + "0100" + "0400" + text) + DEMO_RESIDENT.photo
    check = 0
    for byte in body:
        check ^= byte
    read_answer = "aaaaaa9669" + body.hex() + f"{check:02x}"
    trace = bench.card_trace(start)
    # Found, selected, read; then the card, still on the reader, is not found again.
    assert trace[:4] == [(FIND, FOUND), (SELECT, SELECTED), (READ, read_answer), (FIND, NO_CARD)]
    assert set(trace[3:]) == {(FIND, NO_CARD)}
    assert bench.reader.events.empty()
    assert bench.reader.health().state is DeviceState.READY


def test_the_card_is_read_again_only_after_it_was_placed_again(bench: Bench) -> None:
    _, first = bench.place()
    bench.remove()
    _, second = bench.place()
    assert isinstance(first, CardInserted) and isinstance(second, CardInserted)


def test_no_card_the_reader_polls_quietly(bench: Bench) -> None:
    start = len(bench.module.trace)
    bench.polls_after(start, 5)
    assert set(bench.trace(start)) == {(FIND, NO_CARD)}
    assert bench.reader.events.empty()
    assert bench.reader.health().state is DeviceState.READY


def test_card_lifted_during_the_read(bench: Bench) -> None:
    bench.module.control("remove_after", 2)  # found and selected, gone before the read
    start, event = bench.place()
    assert event == LIFTED
    assert bench.card_trace(start)[:4] == [
        (FIND, FOUND),
        (SELECT, SELECTED),
        (READ, READ_FAILED),
        (FIND, NO_CARD),  # the driver looked: the card is gone
    ]
    _, again = bench.place()
    assert isinstance(again, CardInserted)


def test_card_lifted_before_it_was_selected(bench: Bench) -> None:
    bench.module.control("remove_after", 1)
    start, event = bench.place()
    assert event == LIFTED
    assert bench.card_trace(start)[:2] == [(FIND, FOUND), (SELECT, NOT_SELECTED)]


def test_garbled_answer(bench: Bench) -> None:
    bench.module.control("garbled_frame")
    start, event = bench.place()
    assert event == NOT_READ
    request, answer = bench.card_trace(start)[2]
    assert request == READ and len(answer) == 2 * 1295 and "aaaaaa9669" not in answer
    bench.module.control("none")
    _, again = bench.place()
    assert isinstance(again, CardInserted)


def test_answer_with_a_wrong_check_byte(bench: Bench) -> None:
    bench.module.control("bad_check_byte")
    start, event = bench.place()
    assert event == NOT_READ
    request, answer = bench.card_trace(start)[2]
    assert request == READ and answer.startswith("aaaaaa96690508000090")
    body = bytes.fromhex(answer)[5:]
    check = 0
    for byte in body[:-1]:
        check ^= byte
    assert body[-1] == check ^ 0xFF


def test_expired_card_is_refused_in_plain_words(bench: Bench) -> None:
    bench.module.control("expired")
    start, event = bench.place()
    assert event == EXPIRED
    assert bench.card_trace(start)[2][0] == READ
    assert ucs2_hex("20200101", 16) in bench.card_trace(start)[2][1]


def test_expiry_follows_the_clock() -> None:
    """A card valid to 2020-01-01 is accepted on that day and refused the day after."""
    module = IdCardModule()
    module.control("expired")
    with PtyLink(module).start() as link:
        for today, accepted in ((dt.date(2020, 1, 1), True), (dt.date(2020, 1, 2), False)):
            reader = make_reader(link.url, today)
            reader.start()
            try:
                module.control("place")
                event = reader.events.get(timeout=WAIT_S)
                assert isinstance(event, CardInserted) is accepted
                if accepted:
                    assert isinstance(event.identity, ResidentIdentity)
                    assert event.identity.valid_to == dt.date(2020, 1, 1)
                else:
                    assert event == EXPIRED
            finally:
                reader.stop()
                module.control("remove")


def test_unreadable_card_gives_one_message_until_it_leaves(bench: Bench) -> None:
    bench.module.control("unreadable")
    start, event = bench.place()
    assert event == NOT_READ
    bench.polls_after(len(bench.module.trace), 5)
    trace = bench.card_trace(start)
    assert trace[:4] == [(FIND, FOUND), (SELECT, SELECTED), (READ, READ_FAILED), (FIND, FOUND)]
    assert set(trace[3:]) == {(FIND, FOUND)}  # still there; no second read, no second message
    assert bench.reader.events.empty()
    bench.module.control("none")
    bench.remove()
    _, again = bench.place()
    assert isinstance(again, CardInserted)


def test_module_not_answering_is_a_fault_until_it_answers_again(bench: Bench) -> None:
    bench.module.control("silent")
    wait_for(lambda: bench.reader.health().state is DeviceState.FAULT, "a fault")
    assert bench.reader.health().reason == (
        "reader_unavailable: the ID card reader module does not answer"
    )
    assert bench.reader.events.empty()  # nobody was waiting with a card
    start = len(bench.module.trace)
    bench.module.control("none")
    wait_for(lambda: bench.reader.health().state is DeviceState.READY, "ready again")
    # It reset the module again before looking for cards.
    assert bench.trace(start)[:2] == [(RESET_SAM, OK), (SAM_STATUS, OK)]
    _, event = bench.place()
    assert isinstance(event, CardInserted)


class SilentAtRead(IdCardModule):
    """A module that finds and selects the card, then hangs when asked to read it."""

    def _answer(self, request: bytes) -> bytes:
        return b"" if request.hex() == READ else super()._answer(request)


def test_module_silent_in_the_middle_of_a_read() -> None:
    module = SilentAtRead()
    with PtyLink(module).start() as link:
        reader = make_reader(link.url)
        reader.start()
        try:
            module.control("place")
            event = reader.events.get(timeout=WAIT_S)
            # The person with the card is told, and the reader shows as failed.
            assert event == CardError(
                "reader_unavailable",
                "读卡器不可用，请联系工作人员",
                "The card reader is not available. Please ask a member of staff.",
            )
            wait_for(lambda: reader.health().state is DeviceState.FAULT, "a fault")
        finally:
            reader.stop()


def test_a_port_that_does_not_exist_is_a_fault() -> None:
    reader = make_reader("/dev/ttyNOSUCHPORT9")
    reader.start()
    try:
        wait_for(lambda: reader.health().state is DeviceState.FAULT, "a fault")
        assert (reader.health().reason or "").startswith(
            "reader_unavailable: cannot open /dev/ttyNOSUCHPORT9"
        )
    finally:
        reader.stop()


def test_names_and_numbers_never_reach_the_log(
    bench: Bench, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for fault in ("none", "expired", "bad_check_byte", "garbled_frame"):
        bench.module.control(fault)
        bench.place()
    assert "ID card read: 110***********002X" in caplog.text
    for secret in ("王秀英", "11010519491231002X", "愚园路", "19491231"):
        assert secret not in caplog.text


def test_the_demo_link_over_tcp_built_from_config() -> None:
    module = IdCardModule()
    with TcpLink(module).start() as link:
        devices = build_devices({"id_card_reader": {"driver": "serial", "port": link.url}})
        reader = devices.id_card_reader
        assert isinstance(reader, SerialIdCardReader) and reader.baudrate == 115200
        reader.start()
        try:
            wait_for(lambda: reader.health().state is DeviceState.READY, "ready")
            assert devices.health()["id_card_reader"].state is DeviceState.READY
            module.control("place")
            event = reader.events.get(timeout=WAIT_S)
            assert isinstance(event, CardInserted)
            assert event.identity.masked_name == "王*英"
        finally:
            reader.stop()


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"driver": "pcsc", "port": "/dev/ttyUSB0"}, "devices.id_card_reader.driver must be"),
        ({"driver": "serial"}, "devices.id_card_reader.port is missing"),
        (
            {"driver": "serial", "port": "/dev/ttyUSB0", "baudrate": "fast"},
            "devices.id_card_reader.baudrate must be a rate",
        ),
    ],
)
def test_bad_config_names_the_key(section: dict[str, object], message: str) -> None:
    with pytest.raises(DeviceConfigError, match=message):
        build_devices({"id_card_reader": section})
