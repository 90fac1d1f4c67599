"""Light, weather and camera artefacts applied to a rendered frame. None of them moves a pixel's
content, so a scene's labels stay valid."""

from __future__ import annotations

import math
import time

import cv2
import numpy as np

Image = np.ndarray  # BGR uint8 (h, w, 3)


def light_and_weather(img: Image, rng: np.random.Generator) -> Image:
    """Day, dusk or night; warm or cold light; haze, rain; infrared night mode."""
    h, w = img.shape[:2]
    out = img.astype(np.float32) / 255.0
    night = rng.random() < 0.2
    gain = float(rng.uniform(0.12, 0.35) if night else rng.uniform(0.55, 1.35))
    warmth = float(rng.uniform(-0.25, 0.3))
    out *= np.array([1 - 0.5 * warmth, 1.0, 1 + 0.5 * warmth], np.float32) * gain
    if night or rng.random() < 0.1:  # street lamps and headlights
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
        for _ in range(int(rng.integers(1, 5))):
            cx, cy = rng.uniform(0, w), rng.uniform(0, h * 0.8)
            sigma = rng.uniform(0.05, 0.3) * w
            glow = np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * sigma**2))
            out += (glow * rng.uniform(0.2, 0.7))[..., None] * np.array(
                [0.6, 0.85, 1.0], np.float32
            )
    if rng.random() < 0.15:  # haze
        haze = float(rng.uniform(0.1, 0.45))
        grad = np.linspace(1.0, 0.3, h, dtype=np.float32)[:, None, None]
        out = out * (1 - haze * grad) + haze * grad * float(rng.uniform(0.5, 0.85))
    out = np.clip(out, 0, 1) ** float(rng.uniform(0.75, 1.3))
    img = (out * 255).astype(np.uint8)
    if rng.random() < 0.1:  # rain streaks
        layer = np.zeros_like(img)
        angle = rng.uniform(-0.4, 0.4)
        for _ in range(int(rng.integers(80, 300))):
            x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
            length = int(rng.integers(6, 20))
            x2, y2 = int(x + math.sin(angle) * length), int(y + math.cos(angle) * length)
            cv2.line(layer, (x, y), (x2, y2), (200, 200, 200), 1, cv2.LINE_AA)
        img = cv2.addWeighted(img, 1.0, layer, float(rng.uniform(0.2, 0.5)), 0)
    if (night and rng.random() < 0.5) or rng.random() < 0.05:  # infrared night mode: grey
        grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
        img = cv2.cvtColor(
            cv2.equalizeHist(grey) if rng.random() < 0.5 else grey, cv2.COLOR_GRAY2BGR
        )
    return img


def camera_artefacts(img: Image, rng: np.random.Generator) -> Image:
    """Blur, low resolution, sensor noise, JPEG, vignetting, colour fringes, a timestamp."""
    h, w = img.shape[:2]
    if rng.random() < 0.5:
        img = cv2.GaussianBlur(img, (0, 0), float(rng.uniform(0.4, 1.4)))
    if rng.random() < 0.12:
        k = int(rng.integers(3, 7))
        line = np.zeros((k, k), np.float32)
        line[k // 2, :] = 1.0 / k
        rot = cv2.getRotationMatrix2D((k / 2 - 0.5, k / 2 - 0.5), float(rng.uniform(0, 180)), 1)
        kernel = cv2.warpAffine(line, rot, (k, k))
        img = cv2.filter2D(img, -1, (kernel / max(float(kernel.sum()), 1e-6)).astype(np.float32))
    if rng.random() < 0.3:
        f = float(rng.uniform(0.35, 0.8))
        small = cv2.resize(
            img, (max(8, int(w * f)), max(8, int(h * f))), interpolation=cv2.INTER_AREA
        )
        img = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    if rng.random() < 0.2:  # over-sharpened cheap camera
        blur = cv2.GaussianBlur(img, (0, 0), 1.5)
        img = cv2.addWeighted(img, 1.6, blur, -0.6, 0)
    out = img.astype(np.float32)
    if rng.random() < 0.3:
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
        r2 = ((xs - w / 2) / (w / 2)) ** 2 + ((ys - h / 2) / (h / 2)) ** 2
        out *= (1 - float(rng.uniform(0.1, 0.4)) * r2 / 2)[..., None]
    sigma = float(rng.choice([rng.uniform(0.5, 4), rng.uniform(4, 14)]))
    out += rng.normal(0, sigma, out.shape).astype(np.float32)
    img = np.clip(out, 0, 255).astype(np.uint8)
    if rng.random() < 0.12:  # colour fringes
        shift = int(rng.integers(1, 3))
        img[:, shift:, 2] = img[:, :-shift, 2].copy()
    if rng.random() < 0.4:
        timestamp(img, rng)
    if rng.random() < 0.7:
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(15, 95))])
        decoded = cv2.imdecode(buf, cv2.IMREAD_COLOR) if ok else None
        if decoded is not None:
            img = decoded
    return img


def timestamp(img: Image, rng: np.random.Generator) -> None:
    """A CCTV on-screen display: date, time and a camera name in a corner."""
    h, w = img.shape[:2]
    when = time.strftime(
        "%Y-%m-%d %H:%M:%S", time.gmtime(int(rng.integers(1_500_000_000, 1_900_000_000)))
    )
    scale = float(rng.uniform(0.35, 0.6)) * w / 640
    texts = [
        when,
        f"CAM{int(rng.integers(1, 99)):02d} "
        + "".join(rng.choice(list("ABCDEFGHJKLMNPRSTUVWXYZ"), 6)),
    ]
    y = int(rng.uniform(0.04, 0.1) * h) if rng.random() < 0.7 else int(h * 0.95)
    for i, text in enumerate(texts[: int(rng.integers(1, 3))]):
        org = (int(rng.uniform(0.01, 0.05) * w), y + i * int(22 * scale + 4))
        cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 3, cv2.LINE_AA)
        cv2.putText(
            img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1, cv2.LINE_AA
        )
