"""QR scanner over OpenCV: grabs frames from a camera (or a video file standing in for one) on a
thread, decodes QR codes with ``QRCodeDetectorAruco`` and puts each new payload on a queue.

The payload is only checked for shape here; the back office verifies a Suishen code.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from pathlib import Path

import cv2
import numpy as np

from kiosk.devices.base import CameraFault, QrEvent, QrRejected, QrScanned
from kiosk.devices.health import DeviceHealth, DeviceState

logger = logging.getLogger(__name__)

MAX_PAYLOAD = 512
REOPEN_S = 2.0
# A code must leave the view for this many frames before the same code counts again.
GONE_AFTER_FRAMES = 15
FULL_FRAME_EVERY = 5
# A report photo: at most this wide, JPEG at this quality (about 100 KB at 1280x720).
SNAPSHOT_WIDTH = 1280
SNAPSHOT_QUALITY = 85
MISSING = CameraFault(
    "camera_missing",
    "摄像头不可用，请使用身份证或社保卡",
    "The camera is not available. Please use your ID card or social security card.",
)
GARBAGE = QrRejected(
    "qr_unrecognised",
    "无法识别此二维码，请出示随申码",
    "This QR code is not recognised. Please show your Suishen code.",
)


def check_payload(payload: str) -> QrScanned | QrRejected:
    """Accept printable text of 1..512 characters; anything else is garbage."""
    text = payload.strip()
    if not text or len(text) > MAX_PAYLOAD or not text.isprintable():
        return GARBAGE
    return QrScanned(text)


class QrDecoder:
    """One detector, reused across frames (creating it costs more than a decode).

    A code held up to the kiosk fills a good part of the view, so frames are first searched at
    ``fast_width`` pixels wide (a 1280x720 frame costs about a fifth as much at 640); ``decode``
    falls back to the full frame when that finds nothing, ``decode_fast`` does not."""

    def __init__(self, fast_width: int = 640) -> None:
        self._detector = cv2.QRCodeDetectorAruco()
        self.fast_width = fast_width

    def decode(self, frame: np.ndarray) -> list[str]:
        """Payloads of every QR code found in ``frame`` (BGR or grey); empty codes dropped."""
        return self.decode_fast(frame) or self._decode(_grey(frame))

    def decode_fast(self, frame: np.ndarray) -> list[str]:
        grey = _grey(frame)
        height, width = grey.shape[:2]
        if width > self.fast_width:
            size = (self.fast_width, round(height * self.fast_width / width))
            grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
        return self._decode(grey)

    def _decode(self, grey: np.ndarray) -> list[str]:
        ok, payloads, _points, _ = self._detector.detectAndDecodeMulti(grey)
        if not ok:
            return []
        return [p for p in payloads if p]


def _grey(frame: np.ndarray) -> np.ndarray:
    if frame.ndim == 3:
        return np.asarray(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))
    return frame


class OpenCvQrScanner:
    """``source``: a camera index or a video file path. A file is replayed in a loop at its
    own frame rate when ``realtime`` (the demo), as fast as possible otherwise (tests)."""

    def __init__(self, source: int | str | Path, realtime: bool = True) -> None:
        self.source = source
        self.realtime = realtime
        self.events: queue.Queue[QrEvent] = queue.Queue()
        self.frames_read = 0
        self._decoder = QrDecoder()
        self._health = DeviceHealth(DeviceState.ABSENT, "not started")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.finished = threading.Event()  # a file source with loop=False reached its end
        self.loop = True
        self._latest: np.ndarray | None = None  # the last frame read, for a snapshot

    def health(self) -> DeviceHealth:
        return self._health

    def snapshot(self) -> bytes | None:
        frame = self._latest
        if frame is None or self._health.state != DeviceState.READY:
            return None
        height, width = frame.shape[:2]
        if width > SNAPSHOT_WIDTH:
            size = (SNAPSHOT_WIDTH, round(height * SNAPSHOT_WIDTH / width))
            frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
        ok, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, SNAPSHOT_QUALITY])
        return jpeg.tobytes() if ok else None

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self.finished.clear()
        self._thread = threading.Thread(target=self._run, name="qr-scanner", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        self._health = DeviceHealth(DeviceState.ABSENT, "stopped")
        self._latest = None

    def _open(self) -> cv2.VideoCapture | None:
        source = self.source
        if isinstance(source, Path | str) and not Path(source).exists():
            return None
        capture = cv2.VideoCapture(str(source) if isinstance(source, Path) else source)
        if not capture.isOpened():
            capture.release()
            return None
        return capture

    def _run(self) -> None:
        fault_reported = False
        seen: dict[str, int] = {}  # payload -> frames since last seen
        while not self._stop.is_set():
            capture = self._open()
            if capture is None:
                self._health = DeviceHealth(DeviceState.FAULT, MISSING.reason_code)
                if not fault_reported:
                    self.events.put(MISSING)
                    fault_reported = True
                self._stop.wait(REOPEN_S)
                continue
            fault_reported = False
            self._health = DeviceHealth(DeviceState.READY)
            fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
            try:
                while not self._stop.is_set():
                    started = time.monotonic()
                    ok, frame = capture.read()
                    if not ok:
                        break
                    self.frames_read += 1
                    self._latest = frame
                    # Full resolution on every FULL_FRAME_EVERY-th frame only: it finds codes
                    # held far away, at five times the cost.
                    if self.frames_read % FULL_FRAME_EVERY == 0:
                        payloads = self._decoder.decode(frame)
                    else:
                        payloads = self._decoder.decode_fast(frame)
                    self._handle(payloads, seen)
                    if self.realtime:
                        self._stop.wait(max(0.0, 1 / fps - (time.monotonic() - started)))
            finally:
                capture.release()
            if not self.loop:
                self.finished.set()
                return

    def _handle(self, payloads: list[str], seen: dict[str, int]) -> None:
        for payload in payloads:
            if payload not in seen:
                self.events.put(check_payload(payload))
            seen[payload] = 0
        for payload in list(seen):
            if payload not in payloads:
                seen[payload] += 1
                if seen[payload] > GONE_AFTER_FRAMES:
                    del seen[payload]
