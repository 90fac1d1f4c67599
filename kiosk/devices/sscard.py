"""The social security card (社会保障卡) layout: which APDUs read the identity, and how the
records are laid out. The only module that knows this card; another card is another layout.

Files under the SSSE application (LD/T 32.5-2015; see shared/REFERENCE.md):
EF05 record 1 = tag 01, card identification code (16 ASCII characters);
EF05 record 7 = tag 07, card number (9 ASCII characters);
EF06 record 1 = tag 08, social security number = citizen ID number (18 ASCII characters);
EF06 record 2 = tag 09, name (30 bytes of GBK, right-padded with 00).
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from kiosk.devices.apdu import ApduChannel, command, single_tlv
from kiosk.devices.base import CardIdentity, CorruptCardData, InvalidCardIdNumber
from kiosk.devices.idnumber import InvalidIdNumber, parse_id_number

SSSE_NAME = b"sx1.sh." + "社会保障".encode("gbk")
EF05 = b"\xef\x05"
EF06 = b"\xef\x06"
CARD_KIND = "social_security_card"


class CardLayout(Protocol):
    """Reads the identity from an inserted card over an APDU channel."""

    name: str

    def read_identity(self, channel: ApduChannel) -> CardIdentity: ...

    def answer_challenge(self, channel: ApduChannel, challenge: bytes) -> bytes:
        """The card's internal-authentication answer to ``challenge`` (after a read)."""
        ...


# The read sequence, in order; tests compare the card's APDU trace with it.
SELECT_SSSE = command(0x00, 0xA4, 0x04, 0x00, SSSE_NAME)
SELECT_EF05 = command(0x00, 0xA4, 0x02, 0x00, EF05)
READ_CARD_ID_CODE = command(0x00, 0xB2, 0x01, 0x04, le=0)  # Le unknown: the card says 6C12
READ_CARD_NUMBER = command(0x00, 0xB2, 0x07, 0x04, le=0x0B)
SELECT_EF06 = command(0x00, 0xA4, 0x00, 0x00, EF06)
READ_ID_NUMBER = command(0x00, 0xB2, 0x01, 0x04, le=0x14)
READ_NAME = command(0x00, 0xB2, 0x02, 0x04, le=0x20)
CHALLENGE_BYTES = 8
ANSWER_BYTES = 8


def internal_authenticate(challenge: bytes) -> bytes:
    """INTERNAL AUTHENTICATE: the card MACs the challenge with the records it holds, under its
    own key (see backoffice/suishen/cards.py for what the MAC covers)."""
    return command(0x00, 0x88, 0x00, 0x00, challenge, le=ANSWER_BYTES)


def _ascii_field(value: bytes, what: str, length: int) -> str:
    text = value.rstrip(b"\x00")
    if len(value) != length or not text or not text.isascii() or not text.isalnum():
        raise CorruptCardData(f"{what} is not {length} letters and digits")
    return text.decode("ascii")


def _name_field(value: bytes) -> str:
    raw = value.rstrip(b"\x00")
    try:
        name = raw.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise CorruptCardData("the name is not GBK text") from exc
    if not name or "\x00" in name or not name.isprintable() or len(value) != 30:
        raise CorruptCardData("the name field is empty or malformed")
    return name


class SocialSecurityCard:
    name = CARD_KIND

    def __init__(self, today: dt.date | None = None) -> None:
        self._today = today

    def read_identity(self, channel: ApduChannel) -> CardIdentity:
        channel.exchange(SELECT_SSSE)
        channel.exchange(SELECT_EF05)
        code = single_tlv(channel.exchange(READ_CARD_ID_CODE), 0x01)
        number = single_tlv(channel.exchange(READ_CARD_NUMBER), 0x07)
        channel.exchange(SELECT_EF06)
        id_value = single_tlv(channel.exchange(READ_ID_NUMBER), 0x08)
        name_value = single_tlv(channel.exchange(READ_NAME), 0x09)
        id_text = _ascii_field(id_value, "the ID number", 18)
        try:
            id_number = parse_id_number(id_text, self._today or dt.date.today())
        except InvalidIdNumber as exc:
            raise InvalidCardIdNumber(str(exc)) from exc
        return CardIdentity(
            card_kind=CARD_KIND,
            card_number=_ascii_field(number, "the card number", 9),
            id_number=id_number.value,
            name=_name_field(name_value),
            birth_date=id_number.birth_date,
            card_identification_code=_ascii_field(code, "the card identification code", 16),
        )

    def answer_challenge(self, channel: ApduChannel, challenge: bytes) -> bytes:
        if len(challenge) != CHALLENGE_BYTES:
            raise ValueError(f"a challenge is {CHALLENGE_BYTES} bytes")
        channel.exchange(SELECT_SSSE)
        answer = channel.exchange(internal_authenticate(challenge))
        if len(answer) != ANSWER_BYTES:
            raise CorruptCardData(f"the card's answer has {len(answer)} bytes, not 8")
        return answer
