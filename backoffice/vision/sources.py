"""Where frames come from: an HTTP snapshot URL, an RTSP stream (OpenCV), a video file, or
frames pushed by a gateway. Every failure is a SourceError with a message for the operator."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import ClassVar, Protocol

import cv2
import httpx
import numpy as np

from backoffice.vision.detector import Frame

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp"}
_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"BM")


class SourceError(RuntimeError):
    """The camera did not give a frame; the camera is marked offline and retried."""


class BadFrame(ValueError):
    """Bytes that are not a usable image; the message says why."""


class FrameSource(Protocol):
    def grab(self) -> Frame:
        """One current frame (BGR), or SourceError."""
        ...


def decode_image(data: bytes, *, max_bytes: int, max_side: int) -> Frame:
    """A JPEG, PNG or BMP decoded to BGR, refusing what is too large or not an image."""
    if not data:
        raise BadFrame("The frame is empty; send the JPEG or PNG bytes as the request body.")
    if len(data) > max_bytes:
        raise BadFrame(f"The frame has {len(data)} bytes; the limit is {max_bytes}.")
    if not data.startswith(_MAGIC):
        raise BadFrame("The frame is not a JPEG, PNG or BMP image (its first bytes do not match).")
    size = image_size(data)
    if size is not None and max(size) > max_side:
        # Checked from the header, before decoding: a small file can hold a huge image.
        raise BadFrame(
            f"The frame is {size[0]}x{size[1]} pixels; the largest side allowed is {max_side}."
        )
    frame = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if frame is None:
        raise BadFrame("The frame could not be decoded as an image; it may be truncated.")
    if max(frame.shape[:2]) > max_side:
        raise BadFrame(
            f"The frame is {frame.shape[1]}x{frame.shape[0]} pixels; the largest side allowed "
            f"is {max_side}."
        )
    return frame


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG, BMP or JPEG header, or None if the header is not found."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data.startswith(b"BM") and len(data) >= 26:
        w = int.from_bytes(data[18:22], "little", signed=True)
        h = int.from_bytes(data[22:26], "little", signed=True)
        return abs(w), abs(h)
    i = 2
    while data.startswith(b"\xff\xd8") and i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h = int.from_bytes(data[i + 5 : i + 7], "big")
            w = int.from_bytes(data[i + 7 : i + 9], "big")
            return w, h
        i += 2 + length
    return None


def encode_jpeg(frame: Frame, quality: int = 85) -> bytes:
    ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("could not encode the frame as JPEG")
    return bytes(buf)


class SnapshotSource:
    """GET a URL that answers one image per request (most IP cameras have one)."""

    def __init__(self, url: str, *, timeout_s: float, max_bytes: int, max_side: int) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self.max_side = max_side

    def grab(self) -> Frame:
        try:
            response = httpx.get(self.url, timeout=self.timeout_s, follow_redirects=True)
        except httpx.HTTPError as exc:
            raise SourceError(f"snapshot {self.url}: {type(exc).__name__}: {exc}") from exc
        if response.status_code != 200:
            raise SourceError(f"snapshot {self.url} answered HTTP {response.status_code}")
        try:
            return decode_image(response.content, max_bytes=self.max_bytes, max_side=self.max_side)
        except BadFrame as exc:
            raise SourceError(f"snapshot {self.url}: {exc}") from exc


class RtspSource:
    """Open the stream with OpenCV's FFmpeg backend, read one current frame, close it.

    Opening per visit costs a second but keeps no socket open between patrols a minute apart,
    and a camera that rebooted in between needs nothing special."""

    def __init__(self, url: str, *, timeout_s: float) -> None:
        self.url = url
        self.timeout_ms = int(timeout_s * 1000)

    def grab(self) -> Frame:
        params = [
            cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
            self.timeout_ms,
            cv2.CAP_PROP_READ_TIMEOUT_MSEC,
            self.timeout_ms,
        ]
        capture = cv2.VideoCapture(self.url, cv2.CAP_FFMPEG, params)
        try:
            if not capture.isOpened():
                raise SourceError(f"RTSP {self.url}: the stream could not be opened")
            ok, frame = capture.read()
            if not ok or frame is None:
                raise SourceError(f"RTSP {self.url}: the stream gave no frame")
            return np.ascontiguousarray(frame)
        finally:
            capture.release()


class VideoFileSource:
    """A video file played one frame per visit, looping at the end; a still image is read anew
    each visit (so a demo can swap it). The open file is shared per path."""

    _captures: ClassVar[dict[str, cv2.VideoCapture]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def grab(self) -> Frame:
        if not self.path.is_file():
            raise SourceError(f"video file {self.path} does not exist")
        if self.path.suffix.lower() in IMAGE_SUFFIXES:
            frame = cv2.imread(str(self.path), cv2.IMREAD_COLOR)
            if frame is None:
                raise SourceError(f"{self.path} is not a readable image")
            return frame
        key = str(self.path.resolve())
        with self._lock:
            capture = self._captures.get(key)
            if capture is None or not capture.isOpened():
                capture = cv2.VideoCapture(key)
                if not capture.isOpened():
                    raise SourceError(f"video file {self.path} could not be opened")
                self._captures[key] = capture
            ok, frame = capture.read()
            if not ok:
                capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
                ok, frame = capture.read()
            if not ok or frame is None:
                raise SourceError(f"video file {self.path} has no frames")
            return np.ascontiguousarray(frame)


class PushedFrames:
    """Frames a gateway pushed are not fetched: they arrive through the API. The verifier
    reads the newest one from the database instead (see frames.latest_frame)."""

    def grab(self) -> Frame:
        raise SourceError("this camera pushes its frames; wait for the gateway's next frame")
