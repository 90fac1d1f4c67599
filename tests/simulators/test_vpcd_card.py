"""The virtual card's own encoding against the kiosk driver's reading of it: the simulator writes
the card's files from the specification, so agreement is checked here, not shared code."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kiosk.devices import sscard
from kiosk.devices.apdu import read_tlv
from simulators.vpcd_card import DEMO_HOLDER, EF05, EF06, SSSE_NAME, SocialSecurityCardModel, tlv


def test_the_card_names_its_application_and_files_as_the_driver_selects_them() -> None:
    assert (SSSE_NAME, EF05, EF06) == (sscard.SSSE_NAME, sscard.EF05, sscard.EF06)


@given(
    tag=st.integers(0, 0xFF).filter(lambda t: t & 0x1F != 0x1F),
    value=st.binary(max_size=600),
)
def test_every_length_form_the_card_writes_the_driver_reads_back(tag: int, value: bytes) -> None:
    encoded = tlv(tag, value)
    assert read_tlv(encoded) == (tag, value, len(encoded))


def test_the_holders_records_hold_what_the_card_says() -> None:
    records = SocialSecurityCardModel(DEMO_HOLDER).records()
    assert records[EF06][1] == bytes.fromhex("0812") + b"11010519491231002X"
    name = records[EF06][2]
    assert name[:2] == bytes.fromhex("091e")
    assert name[2:].rstrip(b"\x00").decode("gbk") == "王秀英"
