"""The detector: one method from a frame to detections. The YOLO one is loaded once per process
(per weights file, class map and size) and shared by the patrol, the API and the verifier."""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from backoffice.vision.config import SHIPPED_IMGSZ
from backoffice.vision.rules import Detection, ObjectKind

log = logging.getLogger(__name__)

Frame = np.ndarray  # BGR uint8 (h, w, 3), as OpenCV reads it


class DetectorError(RuntimeError):
    """The detector cannot start: the message names the file or setting to fix."""


class Detector(Protocol):
    def detect(self, frame: Frame) -> list[Detection]:
        """Objects in the frame, classes already mapped to what the patrol looks for."""
        ...


class YoloDetector:
    """An ultralytics detection model with a class map (model class name -> ObjectKind)."""

    def __init__(
        self,
        weights: Path,
        class_map: Mapping[str, str],
        *,
        imgsz: int = SHIPPED_IMGSZ,
        confidence: float = 0.25,
        tiles: tuple[int, int] = (1, 1),
    ) -> None:
        self.weights = Path(weights)
        self.imgsz = imgsz
        self.confidence = confidence
        self.tiles = tiles  # columns, rows; (1, 1): the whole frame only
        self.model = _load(self.weights)
        names: dict[int, str] = dict(self.model.names)
        unknown_kinds = sorted(set(class_map.values()) - {k.value for k in ObjectKind})
        if unknown_kinds:
            raise DetectorError(
                f"The class map names {unknown_kinds}; the patrol looks for "
                f"{[k.value for k in ObjectKind]} only."
            )
        missing = sorted(set(class_map) - set(names.values()))
        if missing:
            raise DetectorError(
                f"The class map names {missing}, which {self.weights} does not have; its classes "
                f"are {sorted(names.values())}."
            )
        self.class_ids = {i: class_map[n] for i, n in names.items() if n in class_map}
        self._lock = threading.Lock()  # ultralytics predictors are not thread-safe

    def predict_raw(self, frames: Sequence[Frame]) -> list[Any]:
        """`model.predict` as ultralytics does it (the benchmark's baseline)."""
        with self._lock:
            results: list[Any] = self.model.predict(
                list(frames), imgsz=self.imgsz, conf=self.confidence, verbose=False, device="cpu"
            )
        return results

    def _mapped(self, result: Any, dx: float = 0.0, dy: float = 0.0) -> list[Detection]:
        boxes = result.boxes
        xyxy = boxes.xyxy.numpy().tolist()
        classes = boxes.cls.numpy().astype(int).tolist()
        scores = boxes.conf.numpy().tolist()
        return [
            Detection(self.class_ids[c], float(s), (b[0] + dx, b[1] + dy, b[2] + dx, b[3] + dy))
            for b, c, s in zip(xyxy, classes, scores, strict=True)
            if c in self.class_ids
        ]

    def detect_many(self, frames: Sequence[Frame]) -> list[list[Detection]]:
        if self.tiles == (1, 1):
            return [self._mapped(result) for result in self.predict_raw(frames)]
        return [self._detect_tiled(frame) for frame in frames]

    def _detect_tiled(self, frame: Frame) -> list[Detection]:
        """The whole frame and overlapping tiles of it in one batch: a small object (a parked
        bike far from a 1280x720 camera keeps 15-40 px at 320) keeps more pixels in a tile.
        A tile's box that touches a cut edge is dropped (the overlap holds that object whole in
        a neighbour, or the whole-frame pass finds it); the rest are merged by class (NMS)."""
        height, width = frame.shape[:2]
        windows = [(0, 0, width, height), *tile_windows(width, height, *self.tiles)]
        crops = [frame[y0:y1, x0:x1] for x0, y0, x1, y1 in windows]
        found: list[Detection] = []
        for (x0, y0, x1, y1), result in zip(windows, self.predict_raw(crops), strict=True):
            for d in self._mapped(result, x0, y0):
                bx0, by0, bx1, by1 = d.box
                cut = (
                    (x0 > 0 and bx0 <= x0 + EDGE_PX)
                    or (y0 > 0 and by0 <= y0 + EDGE_PX)
                    or (x1 < width and bx1 >= x1 - EDGE_PX)
                    or (y1 < height and by1 >= y1 - EDGE_PX)
                )
                if not cut:
                    found.append(d)
        return merge_overlapping(found)

    def detect(self, frame: Frame) -> list[Detection]:
        return self.detect_many([frame])[0]


EDGE_PX = 2.0  # a tile's box this close to a cut edge is cut by it
TILE_OVERLAP = 0.25  # of a tile's width (height) shared with its neighbour
MERGE_IOU = 0.5


def tile_windows(
    width: int, height: int, columns: int, rows: int, overlap: float = TILE_OVERLAP
) -> list[tuple[int, int, int, int]]:
    """Overlapping tiles (x0, y0, x1, y1) covering a width x height frame, `columns` across and
    `rows` down; none for a 1x1 grid (the whole frame is looked at anyway)."""
    if (columns, rows) == (1, 1):
        return []

    def spans(size: int, n: int) -> list[tuple[int, int]]:
        if n == 1:
            return [(0, size)]
        tile = math.ceil(size / (n - (n - 1) * overlap))
        starts = [round(i * (size - tile) / (n - 1)) for i in range(n)]
        return [(start, start + tile) for start in starts]

    return [(x0, y0, x1, y1) for y0, y1 in spans(height, rows) for x0, x1 in spans(width, columns)]


def merge_overlapping(found: Sequence[Detection], iou: float = MERGE_IOU) -> list[Detection]:
    """Per kind, best score first, drop a detection overlapping a kept one by `iou` or more."""
    kept: list[Detection] = []
    for kind in sorted({d.kind for d in found}):
        same = sorted((d for d in found if d.kind == kind), key=lambda d: -d.score)
        boxes = np.array([d.box for d in same], float).reshape(-1, 4)
        areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
        alive = np.ones(len(same), bool)
        for i in range(len(same)):
            if not alive[i]:
                continue
            kept.append(same[i])
            rest = np.flatnonzero(alive[i + 1 :]) + i + 1
            if not len(rest):
                break
            w = np.minimum(boxes[i, 2], boxes[rest, 2]) - np.maximum(boxes[i, 0], boxes[rest, 0])
            h = np.minimum(boxes[i, 3], boxes[rest, 3]) - np.maximum(boxes[i, 1], boxes[rest, 1])
            inter = np.clip(w, 0, None) * np.clip(h, 0, None)
            overlap = inter / np.maximum(areas[i] + areas[rest] - inter, 1e-9)
            alive[rest[overlap >= iou]] = False
    return sorted(kept, key=lambda d: -d.score)


def _load(weights: Path) -> Any:
    if not weights.is_file():
        raise DetectorError(
            f"The detector weights file {weights} is missing. Set ZHILI_VISION_WEIGHTS to a YOLO "
            "detection .pt file, or train one: zhili-backoffice vision train."
        )
    from backoffice.vision.yolo import yolo_class

    try:
        model = yolo_class()(str(weights))
    except Exception as exc:
        raise DetectorError(
            f"{weights} is not a YOLO weights file ultralytics can load ({type(exc).__name__}: "
            f"{exc}). Set ZHILI_VISION_WEIGHTS to a detection .pt file."
        ) from exc
    if model.task != "detect":
        raise DetectorError(
            f"{weights} is a '{model.task}' model; the patrol needs a 'detect' model (boxes). "
            "Set ZHILI_VISION_WEIGHTS to a detection model."
        )
    return model


_shared: dict[
    tuple[str, tuple[tuple[str, str], ...], int, float, tuple[int, int]], YoloDetector
] = {}
_shared_lock = threading.Lock()


def shared_detector(
    weights: Path,
    class_map: Mapping[str, str],
    *,
    imgsz: int = SHIPPED_IMGSZ,
    confidence: float = 0.25,
    tiles: tuple[int, int] = (1, 1),
) -> YoloDetector:
    """The process's detector for these settings, loaded on first use."""
    key = (
        str(Path(weights).resolve()),
        tuple(sorted(class_map.items())),
        imgsz,
        confidence,
        tiles,
    )
    with _shared_lock:
        detector = _shared.get(key)
        if detector is None:
            detector = YoloDetector(
                weights, class_map, imgsz=imgsz, confidence=confidence, tiles=tiles
            )
            log.info("detector loaded from %s (classes %s)", weights, detector.class_ids)
            _shared[key] = detector
        return detector


def configured_detector() -> YoloDetector:
    """The detector the settings (ZHILI_VISION_*) describe."""
    from backoffice.vision.config import get_vision_settings

    s = get_vision_settings()
    return shared_detector(
        s.weights, s.class_map, imgsz=s.imgsz, confidence=s.confidence, tiles=s.tile_grid
    )
