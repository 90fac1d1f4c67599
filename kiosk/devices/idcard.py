"""Resident ID card (居民身份证) reader: a reader module with its own security module (SAM) on a
serial line (USB-serial in practice), driven with pyserial; the card's text fields, checked.

The protocol (frames in ``idframe``) is documented only by vendors' manuals and public code; what
this driver assumes, to check against a module's manual before relying on it:

- Frames: ``AA AA AA 96 69``, 2-byte big-endian length of what follows (check byte included),
  command and parameter, data, check byte = XOR of length, command, parameter and data. Answers
  carry 3 status bytes where a request has command and parameter.
- Commands: reset SAM ``10 FF``, SAM status ``11 FF``, find card ``20 01``, select card
  ``20 02``, read basic information ``30 01``. Status ``00 00 90`` success, ``00 00 9F`` card
  found, ``00 00 80`` no card found, ``00 00 81`` select failed. Assumed from public code, not
  from a manual: ``00 00 41`` read failed (the card left the field mid-read gives this), and
  ``00 00 10`` "your request's check byte was wrong".
- Read basic information answers the text length (2 bytes, big-endian, 256), the photo length
  (2 bytes, 1024), 256 bytes of text and the photo. The photo is in the vendor's WLT format,
  which only the vendor's library decodes: it is carried opaque (``photo_wlt``), never decoded.
- Text: UCS-2 little-endian, fixed fields padded with spaces: name 30 bytes, sex code 2 (1 male,
  2 female), nation code 4 (GB 3304, e.g. 01), birth date 16 (YYYYMMDD), address 70, ID number
  36, issuing authority 30, valid from 16, valid to 16 (YYYYMMDD or 长期), reserved 36.
- A card that was read stays halted until it leaves the field: "find card" answers ``00 00
  80`` for it as for an empty reader. So one placement gives one read, and the driver cannot see
  the card leave: this reader puts ``CardInserted`` or ``CardError`` once per placement and never
  ``CardRemoved``. An ID card is shown, like a Suishen code, not held in a slot for the visit.
  A card that was found but could not be read is found again while it stays; the driver waits
  for the field to be empty before it tries again, so it says so once.
- 115200 baud, 8N1 (the common default; ``baudrate`` in the config otherwise).

The ID number must pass its GB 11643 check and agree with the birth date and sex fields; a card
whose valid-to date is before today (by the injectable ``clock``) is refused as expired. The
name and number are never logged; the identity's ``repr`` is masked.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

import serial

from kiosk.devices.base import (
    RESIDENT_ID_CARD,
    SEX_CODES,
    CardError,
    CardEvent,
    CardInserted,
    CardPulledOut,
    CardReadError,
    CorruptCardData,
    DeviceError,
    InvalidCardIdNumber,
    ReaderUnavailable,
    ResidentIdentity,
)
from kiosk.devices.health import DeviceHealth, DeviceState
from kiosk.devices.idframe import (
    FIND_CARD,
    READ_BASIC,
    RESET_SAM,
    SAM_STATUS,
    SELECT_CARD,
    Answer,
    FrameError,
    Status,
    decode_answer,
    encode_request,
    read_frame,
)
from kiosk.devices.idnumber import InvalidIdNumber, parse_id_number

logger = logging.getLogger(__name__)

CARD_KIND = RESIDENT_ID_CARD
TEXT_SIZE = 256
PHOTO_SIZE = 1024
LONG_TERM = "长期"
# (name, bytes) in the order the card holds them.
TEXT_FIELDS = (
    ("name", 30),
    ("sex", 2),
    ("nation", 4),
    ("birth", 16),
    ("address", 70),
    ("id_number", 36),
    ("authority", 30),
    ("valid_from", 16),
    ("valid_to", 16),
    ("reserved", 36),
)

DEFAULT_BAUDRATE = 115200
POLL_S = 0.3  # between two "find card" while the reader is empty
ANSWER_TIMEOUT_S = 1.0
READ_TIMEOUT_S = 3.0  # reading basic information takes a module about a second
RETRY_S = 2.0  # after the module stopped answering or the port went away
PORT_READ_S = 0.05  # pyserial's own read timeout; bounds how long stop() takes


class IdCardExpired(CardReadError):
    reason_code = "card_expired"
    # Short sentences and the ways that still work here (适老化: say what to do next).
    message_zh = "这张身份证已过期，不能在本机使用。请改用社保卡或随申码，或到服务窗口办理。"
    message_en = (
        "This ID card has expired. Please use your social security card or Suishen code, or go "
        "to a counter."
    )


class IdCardLifted(CardPulledOut):
    """The card left the reader before its information was read."""

    message_zh = "读卡时身份证被移开，请把身份证放回读卡区，等提示后再拿开"
    message_en = (
        "The ID card was lifted off the reader while it was being read. Please place it on the "
        "reader again and wait for the prompt."
    )


class IdCardNotRead(CardReadError):
    """The module's answer to the read was garbled or refused; the card itself may be fine."""

    message_zh = "身份证没有读成功，请把身份证拿开后重新放到读卡区"
    message_en = "The ID card was not read. Please lift it off the reader and place it again."


class IdCardStuck(IdCardNotRead):
    """The module finds the card but cannot read it; it must leave before the next try."""


def _text_fields(text: bytes) -> dict[str, str]:
    if len(text) != TEXT_SIZE:
        raise CorruptCardData(f"the card's text is {len(text)} bytes, not {TEXT_SIZE}")
    fields: dict[str, str] = {}
    offset = 0
    for name, size in TEXT_FIELDS:
        raw = text[offset : offset + size]
        offset += size
        try:
            value = raw.decode("utf-16-le")
        except UnicodeDecodeError as exc:
            raise CorruptCardData(f"the {name} field is not UCS-2 text") from exc
        value = value.rstrip(" \x00")
        if not (value == "" or value.isprintable()):
            raise CorruptCardData(f"the {name} field holds control characters")
        fields[name] = value
    return fields


def _date(value: str, what: str) -> dt.date:
    if len(value) != 8 or not value.isascii() or not value.isdigit():
        raise CorruptCardData(f"the {what} is not YYYYMMDD")
    try:
        return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError as exc:
        raise CorruptCardData(f"the {what} is not a date") from exc


def parse_basic_information(data: bytes, today: dt.date) -> ResidentIdentity:
    """The answer data of read basic information (lengths, text, photo), checked; raises
    CorruptCardData, InvalidCardIdNumber or IdCardExpired. Messages never hold the fields."""
    if len(data) < 4:
        raise CorruptCardData("the basic information is shorter than its two lengths")
    text_size = int.from_bytes(data[:2], "big")
    photo_size = int.from_bytes(data[2:4], "big")
    if text_size != TEXT_SIZE or len(data) != 4 + text_size + photo_size:
        raise CorruptCardData(
            f"the basic information says {text_size} + {photo_size} bytes and holds {len(data) - 4}"
        )
    fields = _text_fields(data[4 : 4 + text_size])
    if not fields["name"]:
        raise CorruptCardData("the name field is empty")
    if fields["sex"] not in SEX_CODES:
        raise CorruptCardData("the sex code is not 1 or 2")
    if len(fields["nation"]) != 2 or not fields["nation"].isdigit():
        raise CorruptCardData("the nation code is not two digits")
    birth = _date(fields["birth"], "birth date")
    try:
        number = parse_id_number(fields["id_number"], today)
    except InvalidIdNumber as exc:
        raise InvalidCardIdNumber(str(exc)) from exc
    if number.birth_date != birth or number.male != (fields["sex"] == "1"):
        raise CorruptCardData("the ID number disagrees with the birth date or the sex field")
    valid_from = _date(fields["valid_from"], "valid-from date")
    long_term = fields["valid_to"] == LONG_TERM
    valid_to = None if long_term else _date(fields["valid_to"], "valid-to date")
    if valid_to is not None and valid_to < valid_from:
        raise CorruptCardData("the card's validity ends before it begins")
    identity = ResidentIdentity(
        card_kind=CARD_KIND,
        card_number="",
        id_number=number.value,
        name=fields["name"],
        birth_date=birth,
        sex_code=fields["sex"],
        nation_code=fields["nation"],
        address=fields["address"],
        issuing_authority=fields["authority"],
        valid_from=valid_from,
        valid_to=valid_to,
        photo_wlt=data[4 + text_size :],
    )
    if identity.expired(today):
        raise IdCardExpired("the valid-to date is before today")
    return identity


class SerialIdCardReader:
    """The resident ID card reader on ``port``: a device path (``/dev/ttyUSB0``, a pty) or any
    pyserial URL (``socket://127.0.0.1:9192`` for the demo's module peer).

    A ``CardReader``: ``events`` gets ``CardInserted(ResidentIdentity)`` or ``CardError`` once
    per placement (never ``CardRemoved``, see the module docstring). A module that stops
    answering turns ``health()`` to FAULT; the driver reopens the port and resets the module every
    ``retry_s`` until it answers again.
    """

    card_kind = RESIDENT_ID_CARD  # what the identify screen tells people to show

    def __init__(
        self,
        port: str,
        *,
        baudrate: int = DEFAULT_BAUDRATE,
        clock: Callable[[], dt.date] = dt.date.today,
        poll_s: float = POLL_S,
        answer_timeout_s: float = ANSWER_TIMEOUT_S,
        read_timeout_s: float = READ_TIMEOUT_S,
        retry_s: float = RETRY_S,
    ) -> None:
        self.port = port
        self.baudrate = baudrate
        self.clock = clock
        self.poll_s = poll_s
        self.answer_timeout_s = answer_timeout_s
        self.read_timeout_s = read_timeout_s
        self.retry_s = retry_s
        self.events: queue.Queue[CardEvent] = queue.Queue()
        self._health = DeviceHealth(DeviceState.ABSENT, "not started")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="id-card-reader", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.read_timeout_s + self.poll_s + 1)
            self._thread = None
        self._health = DeviceHealth(DeviceState.ABSENT, "stopped")

    def health(self) -> DeviceHealth:
        return self._health

    # --- thread -------------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with self._open() as port:
                    self._prepare(port)
                    self._health = DeviceHealth(DeviceState.READY)
                    self._poll(port)
            except ReaderUnavailable as exc:
                self._health = DeviceHealth(DeviceState.FAULT, f"{exc.reason_code}: {exc.detail}")
                logger.warning("ID card reader: %s", exc.detail)
                self._stop.wait(self.retry_s)

    def _open(self) -> Any:
        try:
            return serial.serial_for_url(self.port, baudrate=self.baudrate, timeout=PORT_READ_S)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise ReaderUnavailable(f"cannot open {self.port}: {exc}") from exc

    def _exchange(self, port: Any, command: bytes, timeout_s: float | None = None) -> Answer:
        """One request and its answer; FrameError and NoAnswer (a ReaderUnavailable) pass up."""
        try:
            port.reset_input_buffer()  # leftovers of a garbled answer
            port.write(encode_request(command))
            frame = read_frame(port.read, timeout_s or self.answer_timeout_s)
        except (serial.SerialException, OSError) as exc:
            raise ReaderUnavailable(f"{self.port}: {exc}") from exc
        return decode_answer(frame)

    def _prepare(self, port: Any) -> None:
        """Reset the security module and ask its status: a module that says anything but
        success is not usable."""
        for command, what in ((RESET_SAM, "reset"), (SAM_STATUS, "status")):
            try:
                answer = self._exchange(port, command)
            except FrameError as exc:
                raise ReaderUnavailable(f"SAM {what}: {exc.detail}") from exc
            if not answer.ok:
                raise ReaderUnavailable(f"SAM {what} answered {answer.status.hex()}")

    def _find(self, port: Any) -> bool:
        """Is a card (newly) in the field? Raises ReaderUnavailable for any other answer."""
        try:
            answer = self._exchange(port, FIND_CARD)
        except FrameError as exc:
            raise ReaderUnavailable(f"find card: {exc.detail}") from exc
        if answer.code == Status.CARD_FOUND:
            return True
        if answer.code == Status.NO_CARD:
            return False
        raise ReaderUnavailable(f"find card answered {answer.status.hex()}")

    def _poll(self, port: Any) -> None:
        while not self._stop.is_set():
            if not self._find(port):
                self._stop.wait(self.poll_s)
                continue
            event, stuck = self._read_card(port)
            self.events.put(event)
            if stuck:
                self._wait_until_gone(port)

    def _wait_until_gone(self, port: Any) -> None:
        """A card the module found but cannot read stays findable (it is not halted): wait for
        it to leave, so that one placement gives one message, not one every poll."""
        while not self._stop.is_set() and self._find(port):
            self._stop.wait(self.poll_s)

    def _read_card(self, port: Any) -> tuple[CardEvent, bool]:
        """The event for the card just found, and whether it stays in the field unread."""
        self._health = DeviceHealth(DeviceState.BUSY, "reading a card")
        try:
            selected = self._exchange(port, SELECT_CARD)
            if not selected.ok:
                raise IdCardLifted(f"select card answered {selected.status.hex()}")
            answer = self._exchange(port, READ_BASIC, self.read_timeout_s)
            if not answer.ok:
                if answer.code == Status.READ_FAILED and not self._find(port):
                    raise IdCardLifted("the read failed and the card is gone")
                raise IdCardStuck(f"read basic information answered {answer.status.hex()}")
            identity = parse_basic_information(answer.data, self.clock())
        except FrameError as exc:
            error: DeviceError = IdCardNotRead(exc.detail)
        except ReaderUnavailable as exc:
            # The person is waiting with the card: say so, then let _run mark the fault.
            self.events.put(CardError.from_error(exc))
            raise
        except CardReadError as exc:
            error = exc
        else:
            logger.info("ID card read: %s", identity.masked_id_number)
            return CardInserted(identity), False
        finally:
            self._health = DeviceHealth(DeviceState.READY)
        logger.warning("ID card not read: %s (%s)", error.reason_code, error.detail)
        return CardError.from_error(error), isinstance(error, IdCardStuck)
