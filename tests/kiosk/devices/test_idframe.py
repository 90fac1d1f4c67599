"""The ID card module's frames and the card's text layout as pure code: the driver's decoder
against the peer's own encoder, with hypothesis."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.devices.base import CorruptCardData, InvalidCardIdNumber
from kiosk.devices.idcard import IdCardExpired, parse_basic_information
from kiosk.devices.idframe import (
    FIND_CARD,
    READ_BASIC,
    RESET_SAM,
    FrameError,
    NoAnswer,
    decode_answer,
    encode_request,
    read_frame,
)
from kiosk.devices.idnumber import check_character
from simulators.idcard_module import DEMO_RESIDENT, RequestSplitter, ResidentCard, frame

TODAY = dt.date(2026, 11, 28)


def chunked(data: bytes, size: int) -> Callable[[int], bytes]:
    """A ``read(n)`` over ``data`` that hands out at most ``size`` bytes a call, then b""."""
    position = 0

    def read(n: int) -> bytes:
        nonlocal position
        chunk = data[position : position + min(n, size)]
        position += len(chunk)
        return chunk

    return read


class FakeClock:
    """Time moves 10 ms per look, so a read that gets nothing times out without sleeping."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 0.01
        return self.now


def test_requests_match_the_documented_bytes() -> None:
    assert encode_request(RESET_SAM).hex() == "aaaaaa9669000310ffec"
    assert encode_request(FIND_CARD).hex() == "aaaaaa96690003200122"
    assert encode_request(READ_BASIC).hex() == "aaaaaa96690003300132"
    assert encode_request(b"\x30\x10", b"\x01\x02").hex() == "aaaaaa966900053010010226"


def test_the_peer_reads_the_driver_requests() -> None:
    splitter = RequestSplitter()
    stream = b"\x00\xff" + encode_request(FIND_CARD) + encode_request(READ_BASIC)[:6]
    assert splitter.feed(stream) == [encode_request(FIND_CARD)]
    assert splitter.feed(encode_request(READ_BASIC)[6:]) == [encode_request(READ_BASIC)]


@given(
    status=st.binary(min_size=3, max_size=3),
    data=st.binary(max_size=1500),
    noise=st.binary(max_size=40).filter(lambda b: b"\xaa" not in b),
    size=st.integers(1, 64),
)
def test_answers_survive_noise_and_any_chunking(
    status: bytes, data: bytes, noise: bytes, size: int
) -> None:
    answer = frame(status, data)
    got = read_frame(chunked(noise + answer + b"\xaa\xaa", size), 1.0, monotonic=FakeClock())
    assert got == answer
    decoded = decode_answer(got)
    assert (decoded.status, decoded.data) == (status, data)


@given(data=st.binary(max_size=300), position=st.integers(5), bit=st.integers(0, 7))
def test_any_single_bit_error_is_caught(data: bytes, position: int, bit: int) -> None:
    answer = bytearray(frame(b"\x00\x00\x90", data))
    position = 7 + position % (len(answer) - 7)  # anywhere after the length
    answer[position] ^= 1 << bit
    with pytest.raises(FrameError):
        decode_answer(bytes(answer))


def test_silence_and_noise_are_told_apart() -> None:
    with pytest.raises(NoAnswer):
        read_frame(chunked(b"", 8), 1.0, monotonic=FakeClock())
    with pytest.raises(FrameError, match="garbled"):
        read_frame(chunked(b"\x12\x34" * 100, 8), 1.0, monotonic=FakeClock())
    # A frame cut short by the line: the rest never comes.
    with pytest.raises(FrameError, match="garbled"):
        read_frame(chunked(frame(b"\x00\x00\x90", bytes(50))[:-10], 8), 1.0, monotonic=FakeClock())
    with pytest.raises(FrameError, match="length field says 65535"):
        read_frame(chunked(bytes.fromhex("aaaaaa9669ffff"), 8), 1.0, monotonic=FakeClock())


# --- the card's text ------------------------------------------------------------------------------

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)


@st.composite
def resident_cards(draw: st.DrawFn) -> ResidentCard:
    birth = draw(st.dates(dt.date(1900, 1, 1), dt.date(2020, 12, 31)))
    male = draw(st.booleans())
    body = f"310105{birth:%Y%m%d}{draw(st.integers(0, 49)) * 2 + (1 if male else 0):03d}"
    valid_from = draw(st.dates(birth, dt.date(2026, 1, 1)))
    valid_to = draw(st.one_of(st.just("长期"), st.just(f"{valid_from.year + 20}{valid_from:%m%d}")))
    if valid_to != "长期" and valid_from.month == 2 and valid_from.day == 29:
        valid_to = f"{valid_from.year + 20}0228"
    return ResidentCard(
        name=draw(st.text(CJK, min_size=1, max_size=15)),
        sex="1" if male else "2",
        nation=f"{draw(st.integers(1, 56)):02d}",
        birth=f"{birth:%Y%m%d}",
        address=draw(st.text(st.one_of(CJK, st.sampled_from("0123456789号弄-")), max_size=35)),
        id_number=body + check_character(body),
        authority=draw(st.text(CJK, min_size=1, max_size=15)),
        valid_from=f"{valid_from:%Y%m%d}",
        valid_to=valid_to,
        photo=draw(st.binary(min_size=1024, max_size=1024)),
    )


@given(card=resident_cards())
def test_every_text_field_decodes_as_the_peer_encoded_it(card: ResidentCard) -> None:
    today = dt.date(int(card.birth[:4]), int(card.birth[4:6]), int(card.birth[6:]))
    identity = parse_basic_information(card.basic_information(), today)
    assert identity.name == card.name
    assert identity.sex_code == card.sex
    assert identity.nation_code == card.nation
    assert f"{identity.birth_date:%Y%m%d}" == card.birth
    assert identity.address == card.address
    assert identity.id_number == card.id_number
    assert identity.issuing_authority == card.authority
    assert f"{identity.valid_from:%Y%m%d}" == card.valid_from
    valid_to = "长期" if identity.valid_to is None else f"{identity.valid_to:%Y%m%d}"
    assert valid_to == card.valid_to
    assert identity.photo_wlt == card.photo


def data_of(**changes: str) -> bytes:
    return dataclasses.replace(DEMO_RESIDENT, **changes).basic_information()


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (data_of()[:-1], CorruptCardData, "says 256 \\+ 1024 bytes and holds 1279"),
        (data_of(sex="3"), CorruptCardData, "sex code"),
        (data_of(nation="X"), CorruptCardData, "nation code"),
        (data_of(birth="19491331"), CorruptCardData, "birth date is not a date"),
        (data_of(id_number="110105194912310021"), InvalidCardIdNumber, "check character"),
        (data_of(birth="19491230"), CorruptCardData, "disagrees"),
        (data_of(sex="1"), CorruptCardData, "disagrees"),
        (data_of(valid_to="2015-1-1"), CorruptCardData, "valid-to date is not YYYYMMDD"),
        (data_of(valid_from="20150106", valid_to="20100106"), CorruptCardData, "ends before"),
        (data_of(name=""), CorruptCardData, "name field is empty"),
        (data_of(address="愚园路\x07"), CorruptCardData, "address field holds control"),
        (data_of(valid_to="20261127"), IdCardExpired, "valid-to date is before today"),
    ],
)
def test_bad_card_data_is_refused(data: bytes, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        parse_basic_information(data, TODAY)


def test_a_card_is_valid_through_its_last_day() -> None:
    identity = parse_basic_information(data_of(valid_to="20261128"), TODAY)
    assert identity.valid_to == TODAY and not identity.expired(TODAY)
    assert identity.expired(TODAY + dt.timedelta(days=1))
