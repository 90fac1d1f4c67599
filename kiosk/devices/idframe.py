"""Frames of the resident ID card reader module's serial protocol: requests, answers, status.

A request is ``AA AA AA 96 69``, a 2-byte big-endian length of what follows (check byte
included), the command and parameter bytes, the data, and a check byte: the XOR of the length,
command, parameter and data bytes. An answer has the same preamble and length, then 3 status
bytes (``00 00 90`` success) in place of command and parameter. Pure code over bytes; the reader
driver (``idcard``) does the I/O. Sources and what is assumed: see ``idcard``'s docstring.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum

from kiosk.devices.base import DeviceError, ReaderUnavailable

PREAMBLE = bytes.fromhex("AAAAAA9669")
HEADER_SIZE = len(PREAMBLE) + 2  # preamble and length
# The longest answer a module sends (basic information with photo and fingerprints is 2321 data
# bytes); a larger length is line noise, not a frame.
MAX_LENGTH = 4096
# Once an answer has begun, a silence this long ends it (bytes of one frame follow each other).
GAP_S = 0.3

RESET_SAM = bytes.fromhex("10FF")
SAM_STATUS = bytes.fromhex("11FF")
FIND_CARD = bytes.fromhex("2001")
SELECT_CARD = bytes.fromhex("2002")
READ_BASIC = bytes.fromhex("3001")


class Status(IntEnum):
    """The third status byte of an answer (the first two are 00)."""

    OK = 0x90
    CARD_FOUND = 0x9F
    NO_CARD = 0x80
    NOT_SELECTED = 0x81
    READ_FAILED = 0x41  # assumed: "读证/卡操作失败", e.g. the card left the field mid-read
    BAD_CHECK = 0x10  # assumed: the module received a request whose check byte is wrong
    BAD_LENGTH = 0x11  # assumed
    BAD_COMMAND = 0x21  # assumed


class FrameError(DeviceError):
    """Bytes from the module that are not a well-formed answer (noise, a wrong check byte)."""

    reason_code = "reader_frame_error"


class NoAnswer(ReaderUnavailable):
    """The module sent nothing at all within the time allowed."""


def check_byte(data: bytes) -> int:
    value = 0
    for byte in data:
        value ^= byte
    return value


def encode_request(command: bytes, data: bytes = b"") -> bytes:
    """A request frame for ``command`` (2 bytes: command and parameter)."""
    if len(command) != 2:
        raise ValueError("a command is 2 bytes: command and parameter")
    body = (len(command) + len(data) + 1).to_bytes(2, "big") + command + data
    return PREAMBLE + body + bytes((check_byte(body),))


@dataclass(frozen=True)
class Answer:
    """An answer's 3 status bytes and its data (the data may hold personal data: no repr)."""

    status: bytes
    data: bytes = field(repr=False)

    @property
    def code(self) -> int | None:
        """The status code when the first two status bytes are 00 (they always are in
        practice); None otherwise."""
        return self.status[2] if self.status[:2] == b"\x00\x00" else None

    @property
    def ok(self) -> bool:
        return self.code == Status.OK


def decode_answer(frame: bytes) -> Answer:
    """Check and split one whole answer frame; raises FrameError."""
    if not frame.startswith(PREAMBLE) or len(frame) < HEADER_SIZE:
        raise FrameError("the answer does not start with the preamble")
    length = int.from_bytes(frame[5:7], "big")
    if length < 4 or len(frame) != HEADER_SIZE + length:
        raise FrameError(f"the answer's length field says {length}, the frame has {len(frame)}")
    if check_byte(frame[5:-1]) != frame[-1]:
        raise FrameError("the answer's check byte does not match")
    return Answer(status=frame[7:10], data=frame[10:-1])


def read_frame(
    read: Callable[[int], bytes],
    timeout_s: float,
    gap_s: float = GAP_S,
    monotonic: Callable[[], float] = time.monotonic,
) -> bytes:
    """One answer frame from ``read(n)`` (which returns at most n bytes, or b"" after its own
    short timeout). Bytes before the preamble are dropped. Raises NoAnswer when nothing came
    within ``timeout_s``; FrameError when bytes came but no whole frame, by ``timeout_s`` or
    after a silence of ``gap_s`` once bytes began to arrive."""
    deadline = monotonic() + timeout_s
    buffer = bytearray()
    received = 0
    last_byte_at = 0.0
    while True:
        start = buffer.find(PREAMBLE)
        if start < 0:
            # Noise: keep only a tail that may be the start of a preamble split across reads.
            del buffer[: max(0, len(buffer) - len(PREAMBLE) + 1)]
            wanted = HEADER_SIZE
        elif len(buffer) < start + HEADER_SIZE:
            wanted = start + HEADER_SIZE - len(buffer)
        else:
            length = int.from_bytes(buffer[start + 5 : start + 7], "big")
            if not 4 <= length <= MAX_LENGTH:
                raise FrameError(f"the answer's length field says {length}")
            end = start + HEADER_SIZE + length
            if len(buffer) >= end:
                return bytes(buffer[start:end])
            wanted = end - len(buffer)
        now = monotonic()
        if now >= deadline or (received and now - last_byte_at >= gap_s):
            if not received:
                raise NoAnswer("the ID card reader module does not answer")
            raise FrameError(f"the module's answer is garbled ({received} bytes, no whole frame)")
        chunk = read(wanted)
        if chunk:
            received += len(chunk)
            last_byte_at = monotonic()
            buffer += chunk
