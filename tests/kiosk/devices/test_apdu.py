"""APDUs and TLV: the 61xx/6Cxx retries, status words and malformed answers, over the emulated
card's APDU handler and over arbitrary bytes."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.devices.apdu import (
    ApduChannel,
    FileNotFound,
    MalformedResponse,
    StatusWordError,
    TlvError,
    command,
    encode_tlv,
    parse_response,
    parse_tlv,
    single_tlv,
)
from kiosk.devices.base import CardReadError, DeviceError
from kiosk.devices.sscard import READ_CARD_ID_CODE, SELECT_EF05, SELECT_SSSE, SSSE_NAME
from simulators.vpcd_card import DEMO_HOLDER, SocialSecurityCardModel


def test_command_encoding() -> None:
    assert command(0x00, 0xA4, 0x02, 0x00, b"\xef\x05").hex() == "00a4020002ef05"
    assert command(0x00, 0xB2, 0x01, 0x04, le=0x14).hex() == "00b2010414"
    assert command(0x00, 0xB2, 0x01, 0x04, le=256).hex() == "00b2010400"
    with pytest.raises(ValueError):
        command(0x100, 0, 0, 0)


def test_61xx_is_followed_by_get_response() -> None:
    card = SocialSecurityCardModel(DEMO_HOLDER)
    channel = ApduChannel(card.respond)
    fci = channel.exchange(SELECT_SSSE)
    assert fci == encode_tlv(0x6F, encode_tlv(0x84, SSSE_NAME))
    assert [(c.hex(), r.hex()[-4:]) for c, r in channel.trace] == [
        (SELECT_SSSE.hex(), "6113"),
        ("00c0000013", "9000"),
    ]


def test_6cxx_resends_with_the_length_the_card_names() -> None:
    card = SocialSecurityCardModel(DEMO_HOLDER)
    channel = ApduChannel(card.respond)
    channel.exchange(SELECT_SSSE)
    channel.exchange(SELECT_EF05)
    record = channel.exchange(READ_CARD_ID_CODE)
    assert single_tlv(record, 0x01) == b"310000D156000005"
    assert [c.hex() for c, _ in channel.trace[-2:]] == ["00b2010400", "00b2010412"]


def test_status_words_become_typed_errors() -> None:
    card = SocialSecurityCardModel(DEMO_HOLDER)
    channel = ApduChannel(card.respond)
    with pytest.raises(FileNotFound) as caught:
        channel.exchange(command(0x00, 0xA4, 0x04, 0x00, b"not ssse"))
    assert caught.value.reason_code == "unsupported_card"
    with pytest.raises(StatusWordError) as unknown:
        channel.exchange(command(0x00, 0x99, 0, 0))
    assert unknown.value.sw == 0x6D00


def test_a_card_stuck_on_61xx_is_an_error_not_a_loop() -> None:
    channel = ApduChannel(lambda apdu: b"\x61\x01")
    with pytest.raises(MalformedResponse):
        channel.exchange(SELECT_SSSE)
    assert len(channel.trace) == 17


def test_short_response_is_malformed() -> None:
    with pytest.raises(MalformedResponse):
        parse_response(b"\x90")


@given(
    st.lists(
        st.tuples(st.integers(0, 0xFE).filter(lambda t: t & 0x1F != 0x1F), st.binary(max_size=300))
    )
)
def test_tlv_round_trip(items: list[tuple[int, bytes]]) -> None:  # fmt: skip
    data = b"".join(encode_tlv(tag, value) for tag, value in items)
    assert parse_tlv(data) == items


@given(st.binary(max_size=64))
def test_tlv_parser_only_raises_tlv_errors(data: bytes) -> None:
    try:
        items = parse_tlv(data)
    except TlvError:
        return
    assert sum(len(v) for _, v in items) <= len(data)


@given(st.binary(max_size=40))
def test_truncated_records_are_rejected(value: bytes) -> None:
    record = encode_tlv(0x08, value)
    for cut in range(len(record)):
        with pytest.raises(TlvError):
            single_tlv(record[:cut], 0x08)


@given(st.lists(st.binary(max_size=24), min_size=1, max_size=20))
def test_any_card_answers_end_in_data_or_a_card_error(answers: list[bytes]) -> None:
    replies = iter(answers)

    def transmit(apdu: bytes) -> bytes:
        return next(replies, b"\x6f\x00")

    channel = ApduChannel(transmit)
    try:
        channel.exchange(SELECT_SSSE)
    except DeviceError as exc:
        assert isinstance(exc, CardReadError)
        assert exc.message_zh and exc.message_en
