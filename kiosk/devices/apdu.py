"""ISO 7816-4 APDUs: commands, responses, status words with 61xx/6Cxx handling, and TLV.

Pure code over a ``transmit(bytes) -> bytes`` callable, so every card layout and every reader
driver shares it and hypothesis can test it without a card.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kiosk.devices.base import CardReadError, CorruptCardData, UnsupportedCard

SW_OK = 0x9000
MAX_GET_RESPONSE = 16  # a card that keeps saying 61xx is broken; do not loop forever
Transmit = Callable[[bytes], bytes]


class MalformedResponse(CorruptCardData):
    """The card's answer is not a response APDU (shorter than the two status bytes)."""


class StatusWordError(CardReadError):
    """The card refused a command; ``sw`` is the status word."""

    def __init__(self, sw: int, command: bytes) -> None:
        super().__init__(f"status word {sw:04X} for command {command[:4].hex().upper()}")
        self.sw = sw


class FileNotFound(StatusWordError, UnsupportedCard):
    """6A82: no such application or file; on a card of another kind this is the first answer."""

    reason_code = UnsupportedCard.reason_code
    message_zh = UnsupportedCard.message_zh
    message_en = UnsupportedCard.message_en


class RecordNotFound(StatusWordError, CorruptCardData):
    """6A83: the record the layout promises is missing."""

    reason_code = CorruptCardData.reason_code
    message_zh = CorruptCardData.message_zh
    message_en = CorruptCardData.message_en


class TlvError(CorruptCardData):
    """A record's TLV is truncated or does not carry the tag it should."""


def command(
    cla: int, ins: int, p1: int, p2: int, data: bytes = b"", le: int | None = None
) -> bytes:
    """A short APDU (case 1-4). ``le`` 0..256, where 256 is sent as 00."""
    for name, value in (("cla", cla), ("ins", ins), ("p1", p1), ("p2", p2)):
        if not 0 <= value <= 0xFF:
            raise ValueError(f"{name} must be one byte, got {value}")
    if len(data) > 255:
        raise ValueError("short APDUs carry at most 255 data bytes")
    apdu = bytes((cla, ins, p1, p2))
    if data:
        apdu += bytes((len(data),)) + data
    if le is not None:
        if not 0 <= le <= 256:
            raise ValueError(f"le must be 0..256, got {le}")
        apdu += bytes((le % 256,))
    return apdu


@dataclass(frozen=True)
class Response:
    data: bytes
    sw: int

    @property
    def sw1(self) -> int:
        return self.sw >> 8

    @property
    def sw2(self) -> int:
        return self.sw & 0xFF


def parse_response(raw: bytes) -> Response:
    if len(raw) < 2:
        raise MalformedResponse(f"a response APDU has at least 2 bytes, got {len(raw)}")
    return Response(data=bytes(raw[:-2]), sw=(raw[-2] << 8) | raw[-1])


def status_error(sw: int, apdu: bytes) -> StatusWordError:
    if sw == 0x6A82:
        return FileNotFound(sw, apdu)
    if sw == 0x6A83:
        return RecordNotFound(sw, apdu)
    return StatusWordError(sw, apdu)


class ApduChannel:
    """Sends commands and returns the data of a 9000 answer, following the card's hints:
    61xx (more data: GET RESPONSE with Le=xx) and 6Cxx (wrong Le: send again with Le=xx).
    ``trace`` records every (command, raw response) pair for diagnostics and tests."""

    def __init__(self, transmit: Transmit) -> None:
        self._transmit = transmit
        self.trace: list[tuple[bytes, bytes]] = []

    def _send(self, apdu: bytes) -> Response:
        raw = self._transmit(apdu)
        self.trace.append((apdu, raw))
        return parse_response(raw)

    def exchange(self, apdu: bytes) -> bytes:
        response = self._send(apdu)
        if response.sw1 == 0x6C:
            # The card names the right Le; the command is repeated once with it.
            if len(apdu) < 4:
                raise MalformedResponse("6Cxx answer to a command without a header")
            response = self._send(_with_le(apdu, response.sw2))
        data = response.data
        for _ in range(MAX_GET_RESPONSE):
            if response.sw1 != 0x61:
                break
            response = self._send(command(apdu[0], 0xC0, 0x00, 0x00, le=response.sw2 or 256))
            data += response.data
        else:
            raise MalformedResponse("the card kept answering 61xx")
        if response.sw != SW_OK:
            raise status_error(response.sw, apdu)
        return data


def _with_le(apdu: bytes, le: int) -> bytes:
    """The same command with its Le replaced (or added)."""
    header, body = apdu[:4], apdu[4:]
    if not body:  # case 1
        return header + bytes((le,))
    lc = body[0]
    if len(body) == 1:  # case 2: the one byte is Le
        return header + bytes((le,))
    data = body[1 : 1 + lc]
    return header + bytes((lc,)) + data + bytes((le,))


def read_tlv(data: bytes, offset: int = 0) -> tuple[int, bytes, int]:
    """One BER-style TLV item at ``offset``: (tag, value, offset after it). Tags of one or more
    bytes; lengths in short form or 81/82 long form."""
    i = offset
    if i >= len(data):
        raise TlvError("TLV item is missing")
    tag = data[i]
    i += 1
    if tag & 0x1F == 0x1F:  # multi-byte tag: continue while bit 8 is set
        while True:
            if i >= len(data):
                raise TlvError("TLV tag is truncated")
            tag = (tag << 8) | data[i]
            i += 1
            if not data[i - 1] & 0x80:
                break
    if i >= len(data):
        raise TlvError("TLV length is missing")
    length = data[i]
    i += 1
    if length & 0x80:
        count = length & 0x7F
        if count not in (1, 2) or i + count > len(data):
            raise TlvError("TLV long-form length is malformed")
        length = int.from_bytes(data[i : i + count], "big")
        i += count
    if i + length > len(data):
        raise TlvError(f"TLV value of tag {tag:02X} is truncated")
    return tag, bytes(data[i : i + length]), i + length


def parse_tlv(data: bytes) -> list[tuple[int, bytes]]:
    """All TLV items of ``data``, in order."""
    items: list[tuple[int, bytes]] = []
    offset = 0
    while offset < len(data):
        tag, value, offset = read_tlv(data, offset)
        items.append((tag, value))
    return items


def encode_tlv(tag: int, value: bytes) -> bytes:
    """The inverse of ``parse_tlv`` for one item (one-byte tags whose low bits are not 1F)."""
    if not 0 <= tag <= 0xFF or tag & 0x1F == 0x1F:
        raise ValueError("only one-byte tags are encoded here")
    if len(value) < 0x80:
        length = bytes((len(value),))
    elif len(value) <= 0xFF:
        length = b"\x81" + bytes((len(value),))
    else:
        length = b"\x82" + len(value).to_bytes(2, "big")
    return bytes((tag,)) + length + value


def single_tlv(record: bytes, tag: int) -> bytes:
    """The value of a record that holds one item with ``tag``; what follows it may only be
    padding (00 or FF bytes), as cards pad records to a fixed size."""
    found, value, end = read_tlv(record)
    if found != tag:
        raise TlvError(f"record holds tag {found:02X}, expected {tag:02X}")
    if record[end:].strip(b"\x00\xff"):
        raise TlvError(f"unexpected bytes after tag {tag:02X}")
    return value
