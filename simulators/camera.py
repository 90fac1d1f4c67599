"""Video files that stand in for the kiosk's camera: a phone showing a QR code, a blurry one,
an empty view; and the camera "link" the demo's scanner opens, which the CLI points at one of
them or removes (camera missing)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import qrcode

FRAME_SIZE = (1280, 720)
FPS = 25


def qr_image(payload: str, box: int = 8) -> np.ndarray:
    """A black-on-white QR code as a BGR array."""
    code = qrcode.QRCode(border=4, box_size=box)
    code.add_data(payload)
    code.make(fit=True)
    grey = np.array(code.make_image(fill_color="black", back_color="white").convert("L"))
    return cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)


def scene(payload: str | None, blur: int = 0, offset: tuple[int, int] = (0, 0)) -> np.ndarray:
    """One 1280x720 frame: a grey counter with a 'phone' holding the QR code, if any."""
    frame = np.full((FRAME_SIZE[1], FRAME_SIZE[0], 3), 90, np.uint8)
    left, top = 480 + offset[0], 100 + offset[1]
    cv2.rectangle(frame, (left, top), (left + 320, top + 560), (30, 30, 30), -1)
    if payload is not None:
        code = cv2.resize(qr_image(payload), (260, 260), interpolation=cv2.INTER_NEAREST)
        y, x = 230 + offset[1], 510 + offset[0]
        frame[y : y + 260, x : x + 260] = code
    if blur:
        return np.asarray(cv2.GaussianBlur(frame, (blur | 1, blur | 1), 0), np.uint8)
    return frame


def write_video(path: Path, frames: list[np.ndarray], fps: int = FPS) -> Path:
    """An MJPG .avi (OpenCV writes and reads it without extra codecs)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, FRAME_SIZE)
    if not writer.isOpened():
        raise OSError(f"cannot write {path}")
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def qr_video(path: Path, payload: str, seconds: float = 2.0, lead_in: int = 5) -> Path:
    """Empty counter for ``lead_in`` frames, then the code held up, moving a little."""
    frames = [scene(None) for _ in range(lead_in)]
    count = int(seconds * FPS)
    frames += [scene(payload, offset=(i % 7 - 3, i % 5 - 2)) for i in range(count)]
    return write_video(path, frames)


def empty_video(path: Path, seconds: float = 1.0) -> Path:
    return write_video(path, [scene(None) for _ in range(int(seconds * FPS))])


def blurry_video(path: Path, payload: str, seconds: float = 1.0) -> Path:
    """A code too blurred to decode: the scanner must stay quiet, not guess."""
    return write_video(path, [scene(payload, blur=41) for _ in range(int(seconds * FPS))])


def make_demo_videos(folder: Path, payload: str) -> dict[str, Path]:
    return {
        "qr": qr_video(folder / "qr.avi", payload),
        "garbage": qr_video(folder / "garbage.avi", "\x01\x02 not a code \x7f"),
        "empty": empty_video(folder / "empty.avi"),
        "blurry": blurry_video(folder / "blurry.avi", payload),
    }


def point_camera(link: Path, target: Path | None) -> None:
    """Make ``link`` the video the scanner opens, or remove it (camera missing)."""
    if link.is_symlink() or link.exists():
        link.unlink()
    if target is not None:
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target.resolve())
