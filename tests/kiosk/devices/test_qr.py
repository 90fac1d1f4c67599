"""The QR scanner with video files standing in for the camera: a code, garbage, an empty view, a
blurred code, and a missing camera."""

from __future__ import annotations

import queue
from pathlib import Path

import cv2
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from kiosk.devices import DeviceState
from kiosk.devices.base import CameraFault, QrEvent, QrRejected, QrScanned
from kiosk.devices.qr import OpenCvQrScanner, QrDecoder, check_payload
from simulators.camera import (
    blurry_video,
    empty_video,
    point_camera,
    qr_image,
    qr_video,
    scene,
)

PAYLOAD = "SUISHEN:DEMO:31010119491231"


def run_once(source: Path) -> tuple[OpenCvQrScanner, list[QrEvent]]:
    scanner = OpenCvQrScanner(source, realtime=False)
    scanner.loop = False
    scanner.start()
    assert scanner.finished.wait(60)
    scanner.stop()
    events: list[QrEvent] = []
    while not scanner.events.empty():
        events.append(scanner.events.get())
    return scanner, events


def test_a_code_held_up_is_reported_once(tmp_path: Path) -> None:
    scanner, events = run_once(qr_video(tmp_path / "qr.avi", PAYLOAD, seconds=1.0))
    assert events == [QrScanned(PAYLOAD)]
    assert scanner.frames_read == 30


def test_garbage_payload_is_rejected(tmp_path: Path) -> None:
    _, events = run_once(qr_video(tmp_path / "g.avi", "\x01\x02 not a code", seconds=0.5))
    assert events == [
        QrRejected(
            "qr_unrecognised",
            "无法识别此二维码，请出示随申码",
            "This QR code is not recognised. Please show your Suishen code.",
        )
    ]


def test_no_code_in_view_and_blurred_code_stay_quiet(tmp_path: Path) -> None:
    assert run_once(empty_video(tmp_path / "e.avi", seconds=0.5))[1] == []
    assert run_once(blurry_video(tmp_path / "b.avi", PAYLOAD, seconds=0.5))[1] == []


def test_camera_missing_then_plugged_in(tmp_path: Path) -> None:
    link = tmp_path / "camera.avi"
    video = qr_video(tmp_path / "qr.avi", PAYLOAD, seconds=0.5)
    scanner = OpenCvQrScanner(link, realtime=False)
    scanner.start()
    try:
        event = scanner.events.get(timeout=5)
        assert isinstance(event, CameraFault) and event.reason_code == "camera_missing"
        assert scanner.health().state is DeviceState.FAULT
        point_camera(link, video)
        assert scanner.events.get(timeout=10) == QrScanned(PAYLOAD)
        assert scanner.health().state is DeviceState.READY
    finally:
        scanner.stop()
    try:
        extra = scanner.events.get_nowait()
    except queue.Empty:
        extra = None
    assert extra is None  # a looping video of the same code is not reported again


def test_decoder_reads_a_1280x720_frame() -> None:
    frame = scene(PAYLOAD)
    assert frame.shape == (720, 1280, 3)
    assert QrDecoder().decode(frame) == [PAYLOAD]
    assert QrDecoder().decode(scene(None)) == []


def test_a_small_code_far_away_is_found_at_full_resolution() -> None:
    frame = np.full((720, 1280, 3), 90, np.uint8)
    code = cv2.resize(qr_image(PAYLOAD), (110, 110), interpolation=cv2.INTER_NEAREST)
    frame[300:410, 600:710] = code
    decoder = QrDecoder()
    assert decoder.decode_fast(frame) == []  # too small once scaled down to 640 wide
    assert decoder.decode(frame) == [PAYLOAD]


@given(st.text(max_size=600))
def test_payload_check_accepts_only_printable_text(payload: str) -> None:
    result = check_payload(payload)
    text = payload.strip()
    if text and len(text) <= 512 and text.isprintable():
        assert result == QrScanned(text)
    else:
        assert isinstance(result, QrRejected)


def test_a_snapshot_is_the_latest_frame_as_a_jpeg_and_none_without_a_camera(
    tmp_path: Path,
) -> None:
    import threading

    scanner = OpenCvQrScanner(empty_video(tmp_path / "e.avi", seconds=0.5), realtime=True)
    scanner.start()
    try:
        for _ in range(100):
            if scanner.frames_read:
                break
            threading.Event().wait(0.05)
        jpeg = scanner.snapshot()
        assert jpeg is not None and jpeg.startswith(b"\xff\xd8")
        image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
        assert image is not None and image.ndim == 3
    finally:
        scanner.stop()
    assert scanner.snapshot() is None
    missing = OpenCvQrScanner(tmp_path / "no-camera.avi", realtime=False)
    assert missing.snapshot() is None
