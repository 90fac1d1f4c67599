"""A resident ID card reader module (with its security module) on a serial line: the peer the
real driver (``kiosk.devices.idcard``) talks to, on a pseudo-terminal or, for the demo, a TCP
port (``socket://`` in pyserial).

Its own encoder, written from the protocol as ../shared/REFERENCE.md describes it, not from the
driver: frames ``AA AA AA 96 69`` + 2-byte big-endian length + command, parameter (answers: 3
status bytes) + data + XOR check byte. Commands: reset SAM ``10 FF``, SAM status ``11 FF``, find
card ``20 01``, select card ``20 02``, read basic information ``30 01``. A card that was read
stays halted until it leaves the field: find card answers ``00 00 80`` for it until it is
removed and placed again.

Controls and faults (``control``; ``python -m simulators fault``): ``place`` a card, ``remove``
it (no card), ``remove_after`` n card commands (the card is lifted mid-read), ``garbled_frame``
and ``bad_check_byte`` (the answer to a read is noise, or has a wrong check byte),
``silent`` (the module answers nothing), ``expired`` (the card's validity ended in 2020),
``unreadable`` (the card is found but every read fails: a damaged chip), ``none`` (every fault
cleared; the card stays where it is).
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import threading
import tty
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from types import TracebackType

PREAMBLE = bytes.fromhex("AAAAAA9669")
MAX_REQUEST_LENGTH = 1024

ST_OK = bytes.fromhex("000090")
ST_FOUND = bytes.fromhex("00009F")
ST_NO_CARD = bytes.fromhex("000080")
ST_NOT_SELECTED = bytes.fromhex("000081")
ST_READ_FAILED = bytes.fromhex("000041")
ST_BAD_CHECK = bytes.fromhex("000010")
ST_BAD_COMMAND = bytes.fromhex("000021")

FAULTS = ("none", "garbled_frame", "bad_check_byte", "silent", "expired", "unreadable")
CONTROLS = ("place", "remove", "remove_after", *FAULTS)


def xor(data: bytes) -> int:
    value = 0
    for byte in data:
        value ^= byte
    return value


def frame(status: bytes, data: bytes = b"") -> bytes:
    """An answer frame: preamble, length, 3 status bytes, data, check byte."""
    body = (len(status) + len(data) + 1).to_bytes(2, "big") + status + data
    return PREAMBLE + body + bytes((xor(body),))


def ucs2(value: str, size: int) -> bytes:
    """``value`` as UCS-2LE, padded with spaces to ``size`` bytes."""
    raw = value.encode("utf-16-le")
    if len(raw) > size or size % 2:
        raise ValueError(f"{value!r} does not fit {size} bytes")
    return raw + " ".encode("utf-16-le") * ((size - len(raw)) // 2)


@dataclass(frozen=True)
class ResidentCard:
    """The card's fields as printed on it; dates as YYYYMMDD, ``valid_to`` may be 长期."""

    name: str
    sex: str
    nation: str
    birth: str
    address: str
    id_number: str
    authority: str
    valid_from: str
    valid_to: str
    photo: bytes = field(repr=False, default=b"")

    def text(self) -> bytes:
        """The 256 bytes of text the module reads from the card."""
        return b"".join(
            (
                ucs2(self.name, 30),
                ucs2(self.sex, 2),
                ucs2(self.nation, 4),
                ucs2(self.birth, 16),
                ucs2(self.address, 70),
                ucs2(self.id_number, 36),
                ucs2(self.authority, 30),
                ucs2(self.valid_from, 16),
                ucs2(self.valid_to, 16),
                ucs2("", 36),
            )
        )

    def basic_information(self) -> bytes:
        """Read basic information's answer data: text length, photo length, text, photo."""
        text = self.text()
        return len(text).to_bytes(2, "big") + len(self.photo).to_bytes(2, "big") + text + self.photo


def demo_photo(size: int = 1024) -> bytes:
    """Stand-in photo bytes: the real ones are WLT, which only a vendor's library decodes."""
    return bytes((i * 37 + 11) % 256 for i in range(size))


# The same person as the demo's social security card.
DEMO_RESIDENT = ResidentCard(
    name="王秀英",
    sex="2",
    nation="01",
    birth="19491231",
    address="上海市长宁区江苏路街道愚园路1088弄12号",
    id_number="11010519491231002X",
    authority="上海市公安局长宁分局",
    valid_from="20150106",
    valid_to="长期",
    photo=demo_photo(),
)


@dataclass
class IdCardModule:
    """The module's answers, its card and its faults; ``trace`` holds every (request, answer)
    as bytes on the wire (an empty answer when the module stayed silent)."""

    card: ResidentCard = DEMO_RESIDENT
    fault: str = "none"
    in_field: bool = False
    remove_after: int | None = None
    trace: list[tuple[bytes, bytes]] = field(default_factory=list)
    _found: bool = False
    _selected: bool = False
    _halted: bool = False
    _card_commands: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # --- controls -----------------------------------------------------------------------------

    def control(self, name: str, count: int | None = None) -> dict[str, object]:
        with self._lock:
            if name == "place":
                self.in_field, self._halted, self._found, self._selected = True, False, False, False
                self._card_commands = 0
            elif name == "remove":
                self.in_field = False
            elif name == "remove_after":
                self.remove_after = count if count is not None else 0
                self._card_commands = 0
            elif name in FAULTS:
                self.fault = name
                if name == "none":
                    self.remove_after = None
            else:
                raise ValueError(f"unknown ID card module control {name!r}; one of {CONTROLS}")
            return self.state()

    def state(self) -> dict[str, object]:
        return {
            "card_in_field": self.in_field,
            "fault": self.fault,
            "remove_after": self.remove_after,
            "requests": len(self.trace),
        }

    def holder(self) -> ResidentCard:
        """The card as the module reads it now (an expired one under the ``expired`` fault)."""
        if self.fault == "expired":
            return replace(self.card, valid_from="20000101", valid_to="20200101")
        return self.card

    # --- protocol -----------------------------------------------------------------------------

    def answer(self, request: bytes) -> bytes:
        """The bytes to send back for one whole request frame (b"" for none)."""
        with self._lock:
            reply = self._answer(request)
            self.trace.append((request, reply))
            return reply

    def _answer(self, request: bytes) -> bytes:
        if self.fault == "silent":
            return b""
        if xor(request[5:-1]) != request[-1]:
            return frame(ST_BAD_CHECK)
        command = request[7:9]
        if command in (b"\x20\x01", b"\x20\x02", b"\x30\x01") and self.in_field:
            self._card_commands += 1
            if self.remove_after is not None and self._card_commands > self.remove_after:
                self.in_field, self.remove_after = False, None
        if command == b"\x10\xff":
            self._found = self._selected = False
            return frame(ST_OK)
        if command == b"\x11\xff":
            return frame(ST_OK)
        if command == b"\x20\x01":
            self._found = self.in_field and not self._halted
            return frame(ST_FOUND, bytes(4)) if self._found else frame(ST_NO_CARD)
        if command == b"\x20\x02":
            self._selected = self.in_field and self._found
            return frame(ST_OK, bytes(8)) if self._selected else frame(ST_NOT_SELECTED)
        if command == b"\x30\x01":
            if not (self.in_field and self._selected) or self.fault == "unreadable":
                self._found = self._selected = False
                return frame(ST_READ_FAILED)
            self._found = self._selected = False
            self._halted = True  # until it leaves the field
            reply = frame(ST_OK, self.holder().basic_information())
            if self.fault == "bad_check_byte":
                return reply[:-1] + bytes((reply[-1] ^ 0xFF,))
            if self.fault == "garbled_frame":
                return bytes((b * 73 + 5) % 251 for b in reply)  # noise, no preamble
            return reply
        return frame(ST_BAD_COMMAND)


class RequestSplitter:
    """Cuts a byte stream into request frames; noise before a preamble is dropped."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        frames: list[bytes] = []
        while True:
            start = self._buffer.find(PREAMBLE)
            if start < 0:
                del self._buffer[: max(0, len(self._buffer) - len(PREAMBLE) + 1)]
                return frames
            del self._buffer[:start]
            if len(self._buffer) < 7:
                return frames
            length = int.from_bytes(self._buffer[5:7], "big")
            if not 3 <= length <= MAX_REQUEST_LENGTH:
                del self._buffer[:1]  # not a frame after all
                continue
            if len(self._buffer) < 7 + length:
                return frames
            frames.append(bytes(self._buffer[: 7 + length]))
            del self._buffer[: 7 + length]


class _Link:
    """Serves ``module`` over one byte stream at a time, on a thread."""

    url: str

    def __init__(self, module: IdCardModule) -> None:
        self.module = module
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _serve(self, receive: Callable[[], bytes | None], send: Callable[[bytes], object]) -> None:
        splitter = RequestSplitter()
        while not self._stop.is_set():
            data = receive()
            if data is None:
                continue
            if not data:
                return
            for request in splitter.feed(data):
                reply = self.module.answer(request)
                if reply:
                    send(reply)

    def _start(self, target: Callable[[], None]) -> None:
        self._thread = threading.Thread(target=target, name="id-card-module", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def __enter__(self) -> _Link:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class PtyLink(_Link):
    """The module on a pseudo-terminal: the driver opens ``url`` (the slave, ``/dev/pts/N``)."""

    def __init__(self, module: IdCardModule) -> None:
        super().__init__(module)
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.url = os.ttyname(self._slave)

    def start(self) -> PtyLink:
        self._start(self._run)
        return self

    def _run(self) -> None:
        def receive() -> bytes | None:
            ready, _, _ = select.select([self._master], [], [], 0.1)
            if not ready:
                return None
            try:
                return os.read(self._master, 65536)
            except OSError:
                return b""

        def send(data: bytes) -> None:
            view = memoryview(data)
            while view:
                view = view[os.write(self._master, view) :]

        self._serve(receive, send)

    def stop(self) -> None:
        super().stop()
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)


class TcpLink(_Link):
    """The module on a TCP port (one connection at a time): the driver opens ``url``
    (``socket://127.0.0.1:PORT``). ``port=0`` picks a free one."""

    def __init__(self, module: IdCardModule, port: int = 0, host: str = "127.0.0.1") -> None:
        super().__init__(module)
        self._server = socket.create_server((host, port))
        self._server.settimeout(0.2)
        self.port: int = self._server.getsockname()[1]
        self.url = f"socket://{host}:{self.port}"

    def start(self) -> TcpLink:
        self._start(self._run)
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(0.2)

                def receive(conn: socket.socket = conn) -> bytes | None:
                    try:
                        return conn.recv(65536)
                    except TimeoutError:
                        return None
                    except OSError:
                        return b""

                self._serve(receive, conn.sendall)

    def stop(self) -> None:
        super().stop()
        self._server.close()
