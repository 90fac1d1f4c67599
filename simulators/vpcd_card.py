"""A social security card emulated behind the PC/SC daemon's virtual reader (vsmartcard vpcd).

The card side is a TCP client of vpcd (reader 0 = port 35963): every message is a 2-byte
big-endian length and a payload; a 1-byte payload is a control (0 power off, 1 power on,
2 reset, 4 get ATR), anything else is an APDU answered with a response APDU. Connecting inserts
the card, closing the socket pulls it out.

The card's files are written here from the card's specification, not with the kiosk driver's
code: a peer that shared the driver's encoder would agree with it by construction.

INTERNAL AUTHENTICATE (00 88 00 00 08 <challenge> 08) proves the records come from this card:
the card answers the first 8 bytes of an SM4 CBC-MAC (zero IV, ISO/IEC 9797-1 padding method 2)
over challenge || card number (9 bytes, 00-padded) || ID number (18) || name (30 bytes GBK,
00-padded), under its own key: SM4-ECB of the card number ('0'-padded on the left to 16 bytes)
under the issuer's master key. The card is personalised here with the demo issuer's key.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from dataclasses import dataclass, field
from enum import StrEnum

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

logger = logging.getLogger(__name__)

VPCD_HOST = "127.0.0.1"
VPCD_BASE_PORT = 35963  # reader N listens on 35963 + N
# T=0 ATR with 8 historical bytes "SSSE-VC1" (TB1, TC1 = 00); pcscd needs nothing more.
ATR = bytes.fromhex("3B680000535353452D564331")
OTHER_ATR = bytes.fromhex("3B6800004241 4E4B2D564331".replace(" ", ""))  # "BANK-VC1"

CTRL_POWER_OFF, CTRL_POWER_ON, CTRL_RESET, CTRL_GET_ATR = 0, 1, 2, 4

# The social security application (DF "SSSE") and its two elementary files: EF05 holds the
# card's own data, EF06 the holder's.
SSSE_NAME = b"sx1.sh." + "社会保障".encode("gbk")
EF05 = b"\xef\x05"
EF06 = b"\xef\x06"


class CardFault(StrEnum):
    """What is wrong with the card, injected by tests and the demo CLI."""

    NONE = "none"
    OTHER_KIND = "other_kind"  # no social security application (a bank card, say)
    CORRUPT_RECORD = "corrupt_record"  # the ID-number record's TLV is truncated
    BAD_ID_NUMBER = "bad_id_number"  # a well-formed record with a wrong check character
    UNREADABLE = "unreadable"  # every command answered 6F00
    MALFORMED_RESPONSE = "malformed_response"  # the name record answered with one byte
    FOREIGN_KEY = "foreign_key"  # a copy made without the issuer's key: answers, but wrongly


# The demo issuer's master key (the back office's demo card verifier holds the same value).
DEMO_ISSUER_MASTER_KEY = bytes.fromhex("5a48494c492d44454d4f2d4953535545")


def _sm4_block(key: bytes, block: bytes) -> bytes:
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()  # noqa: S305 (one block)
    return encryptor.update(block) + encryptor.finalize()


def personalise_key(master: bytes, card_number: str) -> bytes:
    """The card's own key, written into it when it is issued."""
    return _sm4_block(master, card_number.encode("ascii").rjust(16, b"0")[-16:])


def retail_mac(key: bytes, message: bytes) -> bytes:
    """CBC-MAC block by block: XOR each 16-byte block into the state and encrypt it."""
    data = message + b"\x80" + b"\x00" * ((15 - len(message)) % 16)
    state = bytes(16)
    for start in range(0, len(data), 16):
        block = data[start : start + 16]
        state = _sm4_block(key, bytes(a ^ b for a, b in zip(state, block, strict=True)))
    return state[:8]


@dataclass(frozen=True)
class CardHolder:
    name: str
    id_number: str
    card_number: str
    card_identification_code: str = "310000D156000005"


DEMO_HOLDER = CardHolder(name="王秀英", id_number="11010519491231002X", card_number="A01234567")


def tlv(tag: int, value: bytes) -> bytes:
    """One BER-TLV item as the card stores it: a one-byte tag, the length in short form (under
    128) or long form (81 xx, 82 xx xx), then the value."""
    if not 0 <= tag <= 0xFF or tag & 0x1F == 0x1F:
        raise ValueError("the card uses one-byte tags only")
    size = len(value)
    if size < 0x80:
        length = bytes((size,))
    elif size <= 0xFF:
        length = bytes((0x81, size))
    else:
        length = bytes((0x82,)) + size.to_bytes(2, "big")
    return bytes((tag,)) + length + value


def ascii_record(tag: int, text: str, size: int) -> bytes:
    return tlv(tag, text.encode("ascii").ljust(size, b"\x00"))


@dataclass
class SocialSecurityCardModel:
    """The card's file system and APDU handling; ``trace`` holds every (command, response)."""

    holder: CardHolder
    fault: CardFault = CardFault.NONE
    trace: list[tuple[bytes, bytes]] = field(default_factory=list)
    _df_selected: bool = False
    _ef: bytes | None = None
    _pending: bytes = b""

    @property
    def atr(self) -> bytes:
        return OTHER_ATR if self.fault == CardFault.OTHER_KIND else ATR

    def reset(self) -> None:
        self._df_selected = False
        self._ef = None
        self._pending = b""

    def records(self) -> dict[bytes, dict[int, bytes]]:
        id_number = self.holder.id_number
        if self.fault == CardFault.BAD_ID_NUMBER:
            wrong = "0" if id_number[-1] != "0" else "1"
            id_number = id_number[:-1] + wrong
        id_record = ascii_record(0x08, id_number, 18)
        if self.fault == CardFault.CORRUPT_RECORD:
            id_record = id_record[:12]  # says 18 bytes, holds 10
        return {
            EF05: {
                1: ascii_record(0x01, self.holder.card_identification_code, 16),
                7: ascii_record(0x07, self.holder.card_number, 9),
            },
            EF06: {
                1: id_record,
                2: tlv(0x09, self.holder.name.encode("gbk").ljust(30, b"\x00")),
            },
        }

    def respond(self, apdu: bytes) -> bytes:
        response = self._respond(apdu)
        self.trace.append((apdu, response))
        return response

    def _respond(self, apdu: bytes) -> bytes:
        if self.fault == CardFault.UNREADABLE:
            return b"\x6f\x00"
        if len(apdu) < 4:
            return b"\x67\x00"
        cla, ins, p1, p2 = apdu[:4]
        body = apdu[4:]
        if cla != 0x00:
            return b"\x6e\x00"
        if ins == 0xA4:
            return self._select(p1, body)
        if ins == 0xC0:
            le = body[0] if body else 0
            return self._get_response(le or 256)
        if ins == 0x88:
            return self._internal_authenticate(p1, p2, body)
        if ins == 0xB2:
            if self.fault == CardFault.MALFORMED_RESPONSE and self._ef == EF06 and p1 == 2:
                return b"\x90"
            return self._read_record(p1, p2, body)
        return b"\x6d\x00"

    def _select(self, p1: int, body: bytes) -> bytes:
        data = body[1 : 1 + body[0]] if body else b""
        if p1 == 0x04:
            if data != SSSE_NAME or self.fault == CardFault.OTHER_KIND:
                return b"\x6a\x82"
            self._df_selected, self._ef = True, None
            fci = tlv(0x6F, tlv(0x84, SSSE_NAME))
            self._pending = fci
            return bytes((0x61, len(fci)))
        if p1 in (0x00, 0x02) and self._df_selected and data in (EF05, EF06):
            self._ef = data
            return b"\x90\x00"
        return b"\x6a\x82"

    def _internal_authenticate(self, p1: int, p2: int, body: bytes) -> bytes:
        if not self._df_selected:
            return b"\x69\x85"  # conditions of use not satisfied: select the application
        if p1 != 0 or p2 != 0 or len(body) < 9 or body[0] != 8:
            return b"\x6a\x86"
        challenge = body[1:9]
        master = DEMO_ISSUER_MASTER_KEY
        if self.fault == CardFault.FOREIGN_KEY:
            master = bytes(16)
        key = personalise_key(master, self.holder.card_number)
        message = (
            challenge
            + self.holder.card_number.encode("ascii").ljust(9, b"\x00")
            + self.holder.id_number.encode("ascii")
            + self.holder.name.encode("gbk").ljust(30, b"\x00")
        )
        return retail_mac(key, message) + b"\x90\x00"

    def _get_response(self, le: int) -> bytes:
        if not self._pending:
            return b"\x69\x85"
        chunk, self._pending = self._pending[:le], self._pending[le:]
        if self._pending:
            return chunk + bytes((0x61, min(len(self._pending), 255)))
        return chunk + b"\x90\x00"

    def _read_record(self, p1: int, p2: int, body: bytes) -> bytes:
        if self._ef is None:
            return b"\x69\x86"
        if p2 != 0x04:
            return b"\x6a\x86"
        record = self.records()[self._ef].get(p1)
        if record is None:
            return b"\x6a\x83"
        le = body[0] if body else 0
        if le != len(record):
            return bytes((0x6C, len(record)))  # this card wants the exact length
        return record + b"\x90\x00"


class VirtualCard:
    """Inserts ``model`` into virtual reader ``reader`` of pcscd and answers the daemon.

    ``pull_after`` = n pulls the card out when the daemon sends command n + 1 (a card pulled
    mid-read); ``pull()`` pulls it out now.
    """

    def __init__(
        self,
        model: SocialSecurityCardModel,
        reader: int = 0,
        host: str = VPCD_HOST,
        pull_after: int | None = None,
    ) -> None:
        self.model = model
        self.address = (host, VPCD_BASE_PORT + reader)
        self.pull_after = pull_after
        self.pulled = threading.Event()
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def inserted(self) -> bool:
        return self._sock is not None

    def insert(self) -> None:
        with self._lock:
            if self._sock is not None:
                return
            self.model.reset()
            self.pulled.clear()
            sock = socket.create_connection(self.address, timeout=5)
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sock = sock
            self._thread = threading.Thread(
                target=self._serve, args=(sock,), name="virtual-card", daemon=True
            )
            self._thread.start()

    def pull(self) -> None:
        with self._lock:
            sock, self._sock = self._sock, None
        if sock is not None:
            _close(sock)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5)
        self.pulled.set()

    def _serve(self, sock: socket.socket) -> None:
        apdus = 0
        try:
            while True:
                payload = _recv_message(sock)
                if payload is None:
                    break
                if len(payload) == 1:
                    if payload[0] == CTRL_GET_ATR:
                        _send_message(sock, self.model.atr)
                    elif payload[0] in (CTRL_RESET, CTRL_POWER_OFF):
                        self.model.reset()
                    continue
                if self.pull_after is not None and apdus >= self.pull_after:
                    logger.info("virtual card: pulled out after %d commands", apdus)
                    break
                apdus += 1
                _send_message(sock, self.model.respond(payload))
        except OSError:
            pass  # the socket was closed by pull()
        with self._lock:
            if self._sock is sock:
                self._sock = None
        _close(sock)
        self.pulled.set()


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        # vpcd writes the length and the payload in two sends; with delayed ACKs here, Nagle's
        # algorithm there holds the payload back 40 ms per message. Acknowledge at once.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _recv_message(sock: socket.socket) -> bytes | None:
    header = _recv_exact(sock, 2)
    if header is None:
        return None
    return _recv_exact(sock, int.from_bytes(header, "big"))


def _send_message(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(len(payload).to_bytes(2, "big") + payload)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
