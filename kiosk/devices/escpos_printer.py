"""ESC/POS printer driver over python-escpos: USB, network (port 9100), serial or file backends.

Chinese text: ``text`` mode switches the printer to Chinese mode (``FS &``) and sends GB18030
itself (python-escpos's encoder neither switches the mode nor keeps full-width punctuation);
``raster`` mode renders each line with the kiosk's CJK font and sends it as a ``GS v 0`` image,
for printers without a Chinese font. Status (``DLE EOT 1`` and ``4``) is asked before the job
and after every line, so an error says exactly which booklet lines reached the paper.
``print_job`` blocks: call it from a worker thread, never the UI thread.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from kiosk.devices.base import (
    PRINTER_ERRORS,
    LinePosition,
    LineStyle,
    PrinterError,
    PrinterStatus,
    PrinterUnreachable,
    PrintJob,
    PrintLine,
    PrintProgress,
    PrintResult,
)
from kiosk.devices.health import DeviceHealth, DeviceState

logger = logging.getLogger(__name__)

ESC, GS, FS, DLE, EOT = b"\x1b", b"\x1d", b"\x1c", b"\x10", b"\x04"
INIT = ESC + b"@"
CHINESE_ON = FS + b"&"
BOLD_ON, BOLD_OFF = ESC + b"E\x01", ESC + b"E\x00"
SIZE_DOUBLE, SIZE_NORMAL = GS + b"!\x11", GS + b"!\x00"
CUT = ESC + b"d\x04" + GS + b"V\x01"  # feed past the cutter, then a partial cut
PAPER_DOTS = 576
# DLE EOT bits: n=1 bit 3 offline; n=2 bit 2 cover open; n=4 bits 2-3 near end, bits 5-6
# paper end.
OFFLINE_BIT = 0x08
COVER_OPEN_BIT = 0x04
NEAR_END_BITS = 0x0C
PAPER_END_BITS = 0x60


class ChineseMode(StrEnum):
    TEXT = "text"
    RASTER = "raster"


@dataclass(frozen=True)
class PrinterSettings:
    chinese: ChineseMode = ChineseMode.TEXT
    line_pitch_dots: int = 64  # one booklet line: 8 mm at 203 dpi
    font_path: Path | None = None  # for raster mode


def encode_line(text: str) -> bytes:
    """GB18030 for a printer in Chinese mode; ASCII stays one byte."""
    return text.encode("gb18030")


def _status_for(online: int, paper: int) -> PrinterStatus:
    if paper & PAPER_END_BITS:
        return PrinterStatus.PAPER_OUT
    if online & OFFLINE_BIT:
        return PrinterStatus.OFFLINE
    if paper & NEAR_END_BITS:
        return PrinterStatus.PAPER_NEAR_END
    return PrinterStatus.READY


class EscposPrinter:
    """``connect`` returns a new, unopened python-escpos printer (``escpos.printer.Network``
    and friends) for each job; see ``kiosk.devices.factory`` for the backends."""

    def __init__(self, connect: Callable[[], Any], settings: PrinterSettings) -> None:
        self._connect = connect
        self.settings = settings
        self._lock = threading.Lock()
        self._last = DeviceHealth(DeviceState.ABSENT, "not checked yet")
        self._font: ImageFont.FreeTypeFont | None = None
        if settings.chinese == ChineseMode.RASTER:
            if settings.font_path is None:
                raise ValueError("raster mode needs a font_path")
            self._font = ImageFont.truetype(str(settings.font_path), 24)
            self._font_large = ImageFont.truetype(str(settings.font_path), 48)

    def health(self) -> DeviceHealth:
        return self._last

    def status(self) -> PrinterStatus:
        """Ask the printer now (``DLE EOT 1`` and ``4``) and remember the answer for health."""
        with self._lock:
            try:
                device = self._open()
            except PrinterUnreachable:
                return self._remember(PrinterStatus.UNREACHABLE)
            try:
                return self._remember(self._query(device))
            finally:
                _close(device)

    def print_job(self, job: PrintJob) -> PrintResult:
        with self._lock:
            printed: list[LinePosition] = []
            pages_done = 0

            def fail(status: PrinterStatus, detail: str) -> PrinterError:
                self._remember(status)
                progress = PrintProgress(tuple(printed), pages_done)
                return PRINTER_ERRORS.get(status, PrinterError)(detail, progress)

            device = self._open()
            try:
                status = self._query(device)
                if status in PRINTER_ERRORS:
                    raise fail(status, f"{status.value} before the job")
                self._last = DeviceHealth(DeviceState.BUSY, f"printing {job.kind}")
                device._raw(INIT + (CHINESE_ON if self._text_mode else b""))
                for page in job.pages:
                    device._raw(ESC + b"3" + bytes((min(self.settings.line_pitch_dots, 255),)))
                    for line in page.lines:
                        device._raw(self._line_bytes(line))
                        status = self._query(device)
                        if status in PRINTER_ERRORS:
                            raise fail(status, f"{status.value} after {len(printed)} booklet lines")
                        if line.position is not None:
                            printed.append(line.position)
                    device._raw(CUT)
                    status = self._query(device)
                    if status in PRINTER_ERRORS:
                        raise fail(status, f"{status.value} at the cut of page {pages_done + 1}")
                    pages_done += 1
            except OSError as exc:
                raise fail(PrinterStatus.UNREACHABLE, f"connection lost: {exc}") from exc
            finally:
                _close(device)
            self._remember(status)
            return PrintResult(PrintProgress(tuple(printed), pages_done), status)

    # --- internals ----------------------------------------------------------------------------

    @property
    def _text_mode(self) -> bool:
        return self.settings.chinese == ChineseMode.TEXT

    def _remember(self, status: PrinterStatus) -> PrinterStatus:
        if status == PrinterStatus.READY:
            self._last = DeviceHealth(DeviceState.READY)
        elif status == PrinterStatus.PAPER_NEAR_END:
            self._last = DeviceHealth(DeviceState.READY, PrinterStatus.PAPER_NEAR_END.value)
        else:
            self._last = DeviceHealth(DeviceState.FAULT, status.value)
        return status

    def _open(self) -> Any:
        from escpos.exceptions import DeviceNotFoundError

        device = self._connect()
        try:
            device.open()
        except (DeviceNotFoundError, OSError) as exc:
            self._remember(PrinterStatus.UNREACHABLE)
            raise PrinterUnreachable(str(exc).strip()) from exc
        sock = getattr(device, "_device", None)
        if isinstance(sock, socket.socket):
            # Each line is followed by a one-byte status question; without this, Nagle's
            # algorithm and delayed ACKs add 40 ms to every line.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return device

    def _query(self, device: Any) -> PrinterStatus:
        try:
            online = _ask(device, 1)
            paper = _ask(device, 4)
            if not online or not paper:
                return PrinterStatus.UNREACHABLE
            status = _status_for(online[0], paper[0])
            if status is PrinterStatus.OFFLINE:
                # Why (asked only then): an open cover is one a member of staff can close, and
                # the heartbeat tells the operations centre so.
                cause = _ask(device, 2)
                if cause and cause[0] & COVER_OPEN_BIT:
                    return PrinterStatus.COVER_OPEN
            return status
        except NotImplementedError:
            return PrinterStatus.READY  # a write-only backend (a file): nothing to ask
        except TimeoutError:
            return PrinterStatus.UNREACHABLE

    def _line_bytes(self, line: PrintLine) -> bytes:
        if not self._text_mode:
            return self._raster_line(line)
        text = encode_line(line.text)
        if line.style == LineStyle.TITLE:
            return SIZE_DOUBLE + text + b"\n" + SIZE_NORMAL
        if line.style == LineStyle.BOLD:
            return BOLD_ON + text + b"\n" + BOLD_OFF
        return text + b"\n"

    def _raster_line(self, line: PrintLine) -> bytes:
        """One line as a ``GS v 0`` image as tall as the line pitch."""
        large = line.style == LineStyle.TITLE
        font = self._font_large if large else self._font
        assert font is not None
        height = max(self.settings.line_pitch_dots, 56 if large else 28)
        image = Image.new("1", (PAPER_DOTS, height), 1)
        ImageDraw.Draw(image).text(
            (0, 0),
            line.text,
            font=font,
            fill=0,
            stroke_width=1 if line.style == LineStyle.BOLD else 0,
            stroke_fill=0,
        )
        raster = bytes(255 - b for b in image.tobytes())  # PIL: 1 = white; ESC/POS: 1 = black
        width_bytes = PAPER_DOTS // 8
        header = GS + b"v0\x00" + width_bytes.to_bytes(2, "little") + height.to_bytes(2, "little")
        return header + raster


def _ask(device: Any, n: int) -> bytes:
    """``DLE EOT n`` and its one-byte answer."""
    device._raw(DLE + EOT + bytes((n,)))
    port: Any = getattr(device, "_device", None)
    if port is not None and hasattr(port, "read") and hasattr(port, "in_waiting"):
        # pyserial: python-escpos reads 16 bytes, which waits out the whole timeout each time.
        return bytes(port.read(1))
    return bytes(device._read())


def _close(device: Any) -> None:
    with contextlib.suppress(OSError):
        device.close()
