"""A zone's clean reference (a crop taken when the zone was empty) and how much a later frame
still looks like it: the before/after comparison's second opinion beside the detector."""

from __future__ import annotations

from datetime import datetime, timedelta

import cv2
import numpy as np

from backoffice.vision.detector import Frame
from backoffice.vision.models import Zone
from backoffice.vision.service import zone_rule
from backoffice.vision.sources import encode_jpeg
from backoffice.vision.zones import ZoneMask

# A clean look at most this often replaces the zone's reference.
REFRESH = timedelta(hours=1)


def zone_crop(frame: Frame, zone: Zone) -> tuple[np.ndarray, np.ndarray]:
    """The zone's bounding crop of the frame and the zone mask over that crop."""
    h, w = frame.shape[:2]
    mask = ZoneMask.of(zone_rule(zone).polygon, w, h)
    x1, y1, x2, y2 = mask.bounds
    return frame[y1:y2, x1:x2], mask.mask[y1:y2, x1:x2]


def set_reference(zone: Zone, frame: Frame, now: datetime) -> None:
    crop, _mask = zone_crop(frame, zone)
    zone.reference_jpeg = encode_jpeg(crop, quality=92)
    zone.reference_at = now
    zone.reference_frame_h, zone.reference_frame_w = frame.shape[:2]


def _normalised(gray: np.ndarray) -> np.ndarray:
    """Local contrast normalisation: removes gain, offset and smooth shading (light)."""
    g = cv2.GaussianBlur(gray.astype(np.float32), (0, 0), 1.0)
    mean = cv2.GaussianBlur(g, (0, 0), 4.0)
    centred = g - mean
    spread = np.sqrt(cv2.GaussianBlur(centred * centred, (0, 0), 4.0))
    return centred / (spread + 6.0)


def similarity_to_reference(zone: Zone, frame: Frame) -> float | None:
    """How much the zone looks like its clean reference (1: same structure), or None without
    a reference. Light changes move brightness and colour, not edges; objects add edges."""
    if zone.reference_jpeg is None:
        return None
    reference = cv2.imdecode(np.frombuffer(zone.reference_jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
    if reference is None:
        return None
    if (zone.reference_frame_w, zone.reference_frame_h) != (frame.shape[1], frame.shape[0]):
        assert zone.reference_frame_w is not None and zone.reference_frame_h is not None
        frame = cv2.resize(frame, (zone.reference_frame_w, zone.reference_frame_h))
    crop, mask = zone_crop(frame, zone)
    current = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    if current.shape != reference.shape or not mask.any():
        return None
    a, b = _normalised(reference)[mask > 0], _normalised(current)[mask > 0]
    a, b = a - a.mean(), b - b.mean()
    denom = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / denom) if denom > 0 else 1.0
