"""A network ESC/POS printer on a local TCP port (like port 9100): decodes what it receives,
answers ``DLE EOT`` status as configured, runs out of paper on cue, and saves preview PNGs."""

from __future__ import annotations

import logging
import os
import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from simulators.escpos_decoder import (
    Cut,
    Element,
    EscPosDecoder,
    Feed,
    Raster,
    StatusRequest,
    TextLine,
    Unknown,
    render_preview,
)

logger = logging.getLogger(__name__)


class PaperState(StrEnum):
    READY = "ready"
    NEAR_END = "near_end"
    OUT = "out"


# DLE EOT answers (Epson TM series): fixed bits 0x12; n=1 bit 3 = offline; n=2 bit 2 = cover
# open, bit 5 = stopped by paper end; n=4 bits 2-3 = near end, bits 5-6 = paper end.
STATUS_FIXED = 0x12


@dataclass
class ReceivedJob:
    """One connection's worth of printing."""

    started_at: float
    raw: bytearray = field(default_factory=bytearray)
    printed: list[Element] = field(default_factory=list)  # what reached the paper
    dropped: list[Element] = field(default_factory=list)  # sent while out of paper / offline
    status_requests: list[int] = field(default_factory=list)
    first_byte_at: float | None = None
    first_print_at: float | None = None  # first byte that is not a status request
    closed: threading.Event = field(default_factory=threading.Event)
    preview: Path | None = None

    @property
    def unknown(self) -> list[Unknown]:
        return [e for e in self.printed + self.dropped if isinstance(e, Unknown)]


class PrinterPeer:
    """``port=0`` picks a free port (see ``.port``). Faults: ``paper``, ``offline``,
    ``cover_open``, ``paper_out_after_lines`` (lines fed before the roll ends),
    ``cover_open_after_lines``,
    ``drop_after_bytes`` (the connection breaks, like a printer switched off),
    ``drop_after_lines`` (the connection breaks as the next line arrives, before it prints;
    it happens once, then the printer takes connections again)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        preview_dir: Path | None = None,
        font_path: Path | None = None,
    ) -> None:
        self.preview_dir = preview_dir
        self.font_path = font_path
        self.paper = PaperState.READY
        self.offline = False
        self.cover_open = False
        self.paper_out_after_lines: int | None = None
        self.cover_open_after_lines: int | None = None
        self.drop_after_bytes: int | None = None
        self.drop_after_lines: int | None = None
        self.silent = False  # accept bytes but never answer status (a hung printer)
        self.jobs: list[ReceivedJob] = []
        self._lock = threading.Lock()
        self._server = socket.create_server((host, port))
        self.host, self.port = self._server.getsockname()[:2]
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._job_counter = 0

    # --- faults -------------------------------------------------------------------------------

    def set_fault(self, fault: str, lines: int | None = None) -> None:
        """One of ready, near_end, paper_out, offline, cover_open, paper_out_after (lines),
        cover_open_after (lines), drop_after (bytes), drop_after_lines (lines), silent.
        ``ready`` is a refill and clears every fault."""
        with self._lock:
            if fault == "ready":
                self.paper, self.offline, self.cover_open, self.silent = (
                    PaperState.READY,
                    False,
                    False,
                    False,
                )
                self.paper_out_after_lines = self.drop_after_bytes = None
                self.cover_open_after_lines = self.drop_after_lines = None
            elif fault == "near_end":
                self.paper = PaperState.NEAR_END
            elif fault == "paper_out":
                self.paper = PaperState.OUT
            elif fault == "offline":
                self.offline = True
            elif fault == "cover_open":
                self.cover_open = True
            elif fault == "paper_out_after":
                self.paper_out_after_lines = lines if lines is not None else 0
            elif fault == "cover_open_after":
                self.cover_open_after_lines = lines if lines is not None else 0
            elif fault == "drop_after":
                self.drop_after_bytes = lines if lines is not None else 0
            elif fault == "drop_after_lines":
                self.drop_after_lines = lines if lines is not None else 0
            elif fault == "silent":
                self.silent = True
            else:
                raise ValueError(f"unknown printer fault {fault!r}")

    def state(self) -> dict[str, object]:
        return {
            "paper": self.paper.value,
            "offline": self.offline,
            "cover_open": self.cover_open,
            "paper_out_after_lines": self.paper_out_after_lines,
            "cover_open_after_lines": self.cover_open_after_lines,
            "drop_after_bytes": self.drop_after_bytes,
            "silent": self.silent,
            "jobs": len(self.jobs),
        }

    def status_byte(self, n: int) -> int:
        paper_out = self.paper == PaperState.OUT
        stopped = paper_out or self.offline or self.cover_open
        if n == 1:
            return STATUS_FIXED | (0x08 if stopped else 0)
        if n == 2:
            return (
                STATUS_FIXED
                | (0x04 if self.cover_open else 0)
                | (0x20 if paper_out else 0)
                | (0x40 if self.offline else 0)
            )
        if n == 3:
            return STATUS_FIXED
        if n == 4:
            near = 0x0C if self.paper in (PaperState.NEAR_END, PaperState.OUT) else 0
            return STATUS_FIXED | near | (0x60 if paper_out else 0)
        return STATUS_FIXED

    # --- server -------------------------------------------------------------------------------

    def start(self) -> PrinterPeer:
        self._thread = threading.Thread(target=self._serve, name="printer-peer", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._server.close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> PrinterPeer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self) -> None:
        self._server.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            # One connection at a time, like a real port-9100 printer.
            self._handle(conn)

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(0.2)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def receive() -> bytes | None:
            try:
                return conn.recv(65536)
            except TimeoutError:
                return None

        try:
            self._run_job(receive, conn.sendall)
        finally:
            conn.close()

    def serve_serial(self, master_fd: int) -> threading.Thread:
        """Be a serial printer on the master side of a pseudo-terminal (``os.openpty()``): the
        driver opens the slave side as its serial port. One job, until the port is closed."""

        def receive() -> bytes | None:
            ready, _, _ = select.select([master_fd], [], [], 0.2)
            if not ready:
                return None
            try:
                return os.read(master_fd, 65536)
            except OSError:  # EIO: the driver closed the port
                return b""

        def send(data: bytes) -> None:
            os.write(master_fd, data)

        thread = threading.Thread(target=self._run_job, args=(receive, send), daemon=True)
        thread.start()
        return thread

    def _run_job(
        self, receive: Callable[[], bytes | None], send: Callable[[bytes], object]
    ) -> None:
        job = ReceivedJob(started_at=time.perf_counter())
        with self._lock:
            self.jobs.append(job)
        decoder = EscPosDecoder()
        try:
            while not self._stop.is_set():
                data = receive()
                if data is None:
                    continue
                if not data:
                    break
                now = time.perf_counter()
                if job.first_byte_at is None:
                    job.first_byte_at = now
                if self.drop_after_bytes is not None:
                    room = self.drop_after_bytes - len(job.raw)
                    if room <= 0:
                        break
                    data = data[:room]
                job.raw += data
                for element in decoder.feed(data):
                    self._apply(send, job, element, now)
        except (OSError, _Dropped):
            pass
        finally:
            self._save_preview(job)
            job.closed.set()

    def _apply(
        self, send: Callable[[bytes], object], job: ReceivedJob, element: Element, now: float
    ) -> None:
        if isinstance(element, StatusRequest):
            job.status_requests.append(element.n)
            if not self.silent:
                with self._lock:
                    send(bytes((self.status_byte(element.n),)))
            return
        if job.first_print_at is None:
            job.first_print_at = now
        with self._lock:
            if self.paper == PaperState.OUT or self.offline or self.cover_open:
                job.dropped.append(element)
                return
            lines = _lines_used(element)
            if self.drop_after_lines is not None and lines:
                if self.drop_after_lines < lines:
                    self.drop_after_lines = None  # once: switched back on
                    job.dropped.append(element)
                    raise _Dropped
                self.drop_after_lines -= lines
            if self.cover_open_after_lines is not None and lines:
                if self.cover_open_after_lines < lines:
                    self.cover_open = True
                    job.dropped.append(element)
                    return
                self.cover_open_after_lines -= lines
            if self.paper_out_after_lines is not None and lines:
                if self.paper_out_after_lines < lines:
                    self.paper = PaperState.OUT
                    job.dropped.append(element)
                    return
                self.paper_out_after_lines -= lines
            job.printed.append(element)

    def _save_preview(self, job: ReceivedJob) -> None:
        if self.preview_dir is None or self.font_path is None or not job.printed:
            return
        self.preview_dir.mkdir(parents=True, exist_ok=True)
        with self._lock:
            self._job_counter += 1
            number = self._job_counter
        path = self.preview_dir / f"job-{number:03d}.png"
        render_preview(job.printed, self.font_path).save(path)
        job.preview = path


class _Dropped(Exception):
    """The connection breaks here (drop_after_lines)."""


def _lines_used(element: Element) -> int:
    """Paper used, counted in printed lines (a feed of n lines counts n)."""
    if isinstance(element, TextLine | Raster):
        return 1
    if isinstance(element, Feed):
        return element.lines or max(1, element.dots // 30)
    if isinstance(element, Cut):
        return 0
    return 0
