"""Where frames come from: an HTTP snapshot URL, an RTSP stream (OpenCV), a video file, or
frames pushed by a gateway. Every failure is a SourceError with a message for the operator."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Protocol

import cv2
import httpx
import numpy as np

from backoffice.images import BadImage, inspect_image
from backoffice.outbound import (
    HTTP_SCHEMES,
    NO_PRIVATE_ADDRESSES,
    BadUrl,
    OutboundPolicy,
    guarded_request,
    pinned_url,
    tls_context,
)
from backoffice.vision.detector import Frame

CAMERA_SCHEMES = {"snapshot": HTTP_SCHEMES, "rtsp": ("rtsp", "rtsps")}
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp"}
_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"BM")
FRAME_FORMATS = frozenset({"JPEG", "PNG", "BMP"})


class SourceError(RuntimeError):
    """The camera did not give a frame; the camera is marked offline and retried."""


class BadFrame(ValueError):
    """Bytes that are not a usable image; the message says why."""


@dataclass(frozen=True)
class Reach:
    """What cameras may reach: non-public addresses only in the outbound allow-list, files only
    under the configured folders. Checked when a camera is saved and again at every read."""

    outbound: OutboundPolicy = NO_PRIVATE_ADDRESSES
    file_dirs: tuple[Path, ...] = ()

    def check_file(self, path: str | Path) -> Path:
        """The file's real path (links followed) if it lies under a configured folder."""
        real = Path(path).expanduser().resolve()
        if not any(real.is_relative_to(folder.resolve()) for folder in self.file_dirs):
            where = ", ".join(str(f) for f in self.file_dirs) or "none is configured"
            raise BadUrl(
                f"'{path}' is not under the folders video-file cameras may read ({where}; "
                "ZHILI_CAMERA_FILE_DIRS)."
            )
        return real


NOTHING_PRIVATE = Reach()  # public addresses only, no files


class FrameSource(Protocol):
    def grab(self) -> Frame:
        """One current frame (BGR), or SourceError."""
        ...


def decode_image(data: bytes, *, max_bytes: int, max_side: int) -> Frame:
    """A JPEG, PNG or BMP decoded to BGR, refusing what is too large or not an image.

    The size is read by Pillow's parsers before anything is decoded: a small file can hold a
    huge image, and the decoder's idea of the size is the one that counts."""
    if not data:
        raise BadFrame("The frame is empty; send the JPEG or PNG bytes as the request body.")
    if len(data) > max_bytes:
        raise BadFrame(f"The frame has {len(data)} bytes; the limit is {max_bytes}.")
    if not data.startswith(_MAGIC):
        raise BadFrame("The frame is not a JPEG, PNG or BMP image (its first bytes do not match).")
    try:
        info = inspect_image(data, formats=FRAME_FORMATS, max_side=max_side, what="frame")
    except BadImage as exc:
        raise BadFrame(str(exc)) from None
    frame = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if frame is None:
        raise BadFrame("The frame could not be decoded as an image; it may be truncated.")
    # Sorted: OpenCV turns a JPEG upright by its EXIF orientation, Pillow reports it as stored.
    if sorted(frame.shape[:2]) != sorted((info.width, info.height)):
        raise BadFrame("The frame's headers and its picture disagree on its size.")
    return frame


def encode_jpeg(frame: Frame, quality: int = 85) -> bytes:
    ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("could not encode the frame as JPEG")
    return bytes(buf)


class SnapshotSource:
    """GET a URL that answers one image per request (most IP cameras have one)."""

    MAX_REDIRECTS = 3

    def __init__(
        self,
        url: str,
        *,
        timeout_s: float,
        max_bytes: int,
        max_side: int,
        outbound: OutboundPolicy = NO_PRIVATE_ADDRESSES,
    ) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self.max_side = max_side
        self.outbound = outbound

    def grab(self) -> Frame:
        # Resolved, checked and connected to the checked address; each redirect checked again.
        try:
            with httpx.Client(timeout=self.timeout_s, verify=tls_context()) as client:
                response = guarded_request(
                    client,
                    "GET",
                    self.url,
                    self.outbound,
                    max_redirects=self.MAX_REDIRECTS,
                    max_bytes=self.max_bytes,
                )
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

    def __init__(
        self, url: str, *, timeout_s: float, outbound: OutboundPolicy = NO_PRIVATE_ADDRESSES
    ) -> None:
        self.url = url
        self.timeout_ms = int(timeout_s * 1000)
        self.outbound = outbound

    def grab(self) -> Frame:
        # FFmpeg is handed the address that was checked, not the name (no second lookup).
        try:
            target, _, _ = pinned_url(self.url, self.outbound, ("rtsp", "rtsps"))
        except httpx.HTTPError as exc:
            raise SourceError(f"RTSP {self.url}: {exc}") from exc
        params = [
            cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
            self.timeout_ms,
            cv2.CAP_PROP_READ_TIMEOUT_MSEC,
            self.timeout_ms,
        ]
        capture = cv2.VideoCapture(target, cv2.CAP_FFMPEG, params)
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

    def __init__(self, path: str | Path, *, reach: Reach = NOTHING_PRIVATE) -> None:
        self.path = Path(path)
        self.reach = reach

    def grab(self) -> Frame:
        try:
            self.reach.check_file(self.path)  # again: a link may have changed since
        except BadUrl as exc:
            raise SourceError(str(exc)) from exc
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
