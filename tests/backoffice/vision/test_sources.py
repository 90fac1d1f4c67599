"""Frame sources against real peers: an HTTP snapshot server, an RTSP stream served on
loopback from a video file by ffmpeg, a video file, a still image; and frame decoding."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import cv2
import numpy as np
import pytest

from backoffice.vision.sources import (
    BadFrame,
    RtspSource,
    SnapshotSource,
    SourceError,
    VideoFileSource,
    decode_image,
    encode_jpeg,
)
from tests.backoffice.vision.rtsp_peer import RtspPeer
from tests.backoffice.vision.scenes import Street
from tests.conftest import TEST_PEERS, TEST_REACH

LIMITS = {"max_bytes": 1_000_000, "max_side": 1000}
# The peers listen on loopback, which the tests' allow-list names.
PEERS = {"outbound": TEST_PEERS}


class SnapshotCamera:
    """An IP camera's snapshot endpoint: GET /snapshot.jpg answers the current picture."""

    def __init__(self, body: bytes, status: int = 200) -> None:
        self.body, self.status = body, status
        camera = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(camera.status)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Length", str(len(camera.body)))
                self.end_headers()
                self.wfile.write(camera.body)

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/snapshot.jpg"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def snapshot_camera() -> Iterator[SnapshotCamera]:
    camera = SnapshotCamera(Street().jpeg([]))
    yield camera
    camera.stop()


def test_a_snapshot_url_gives_the_cameras_picture(snapshot_camera: SnapshotCamera) -> None:
    frame = SnapshotSource(snapshot_camera.url, timeout_s=5, **LIMITS, **PEERS).grab()
    assert frame.shape == (240, 320, 3)


def test_a_snapshot_error_or_non_image_or_silence_is_a_source_error(
    snapshot_camera: SnapshotCamera,
) -> None:
    source = SnapshotSource(snapshot_camera.url, timeout_s=5, **LIMITS, **PEERS)
    snapshot_camera.status = 503
    with pytest.raises(SourceError, match="answered HTTP 503"):
        source.grab()
    snapshot_camera.status, snapshot_camera.body = 200, b"<html>login</html>"
    with pytest.raises(SourceError, match="not a JPEG, PNG or BMP"):
        source.grab()
    snapshot_camera.stop()
    with pytest.raises(SourceError, match="ConnectError"):
        source.grab()


def _video(path: Path, frames: int = 15) -> Path:
    street = Street()
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 5, (320, 240))
    for i in range(frames):
        things = [street.bike_a] if i % 2 else []
        writer.write(street.frame(things))
    writer.release()
    return path


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs Debian's ffmpeg")
def test_an_rtsp_stream_served_on_loopback_gives_frames(tmp_path: Path) -> None:
    peer = RtspPeer(_video(tmp_path / "cam.mp4"), tmp_path).start()
    try:
        frame = RtspSource(peer.url, timeout_s=10, **PEERS).grab()
        again = RtspSource(peer.url, timeout_s=10, **PEERS).grab()  # a new session per visit
    finally:
        peer.stop()
    assert frame.shape == again.shape == (240, 320, 3)
    assert peer.requests[:4] == ["OPTIONS", "DESCRIBE", "SETUP", "PLAY"]
    # the picture survived encoding: the grey pavement at the bottom, not a black frame
    assert 60 < float(frame[200:, :].mean()) < 220


def test_an_rtsp_camera_that_does_not_answer_is_a_source_error(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(SourceError, match="could not be opened"):
        RtspSource(f"rtsp://127.0.0.1:{port}/cam", timeout_s=2, **PEERS).grab()


def test_a_video_file_plays_one_frame_per_visit_and_loops(tmp_path: Path) -> None:
    source = VideoFileSource(_video(tmp_path / "loop.mp4", frames=4), reach=TEST_REACH)
    frames = [source.grab() for _ in range(6)]
    assert all(f.shape == (240, 320, 3) for f in frames)
    # frames 0 and 4 are the same picture (the file looped); 0 and 1 differ (a bike came)
    assert float(np.abs(frames[0].astype(int) - frames[4].astype(int)).mean()) < 2.0
    assert float(np.abs(frames[0].astype(int) - frames[1].astype(int)).mean()) > 0.5


def test_a_still_image_file_is_read_anew_and_a_missing_file_is_a_source_error(
    tmp_path: Path,
) -> None:
    still = tmp_path / "still.jpg"
    street = Street()
    still.write_bytes(street.jpeg([]))
    source = VideoFileSource(still, reach=TEST_REACH)
    empty = source.grab()
    still.write_bytes(street.jpeg([street.bike_a]))
    assert float(np.abs(source.grab().astype(int) - empty.astype(int)).mean()) > 0.3
    with pytest.raises(SourceError, match="does not exist"):
        VideoFileSource(tmp_path / "gone.mp4", reach=TEST_REACH).grab()


def test_decoding_refuses_what_is_not_an_image_or_too_large() -> None:
    picture = np.full((60, 80, 3), 128, np.uint8)
    assert decode_image(encode_jpeg(picture), **LIMITS).shape == (60, 80, 3)
    png = bytes(cv2.imencode(".png", picture)[1])
    assert decode_image(png, **LIMITS).shape == (60, 80, 3)
    with pytest.raises(BadFrame, match="empty"):
        decode_image(b"", **LIMITS)
    with pytest.raises(BadFrame, match="not a JPEG, PNG or BMP"):
        decode_image(b"GIF89a....", **LIMITS)
    with pytest.raises(BadFrame, match="the limit is 100"):
        decode_image(encode_jpeg(picture), max_bytes=100, max_side=1000)
    big = bytes(cv2.imencode(".png", np.zeros((20, 1500, 3), np.uint8))[1])
    with pytest.raises(BadFrame, match="1500x20 pixels; the largest side allowed is 1000"):
        decode_image(big, **LIMITS)
    with pytest.raises(BadFrame, match=r"can be read|damaged"):
        decode_image(encode_jpeg(picture)[:40], **LIMITS)
