"""The detector: one method from a frame to detections. The YOLO one is loaded once per process
(per weights file, class map and size) and shared by the patrol, the API and the verifier."""

from __future__ import annotations

import logging
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
    ) -> None:
        self.weights = Path(weights)
        self.imgsz = imgsz
        self.confidence = confidence
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

    def detect_many(self, frames: Sequence[Frame]) -> list[list[Detection]]:
        out: list[list[Detection]] = []
        for result in self.predict_raw(frames):
            boxes = result.boxes
            xyxy = boxes.xyxy.numpy().tolist()
            classes = boxes.cls.numpy().astype(int).tolist()
            scores = boxes.conf.numpy().tolist()
            out.append(
                [
                    Detection(self.class_ids[c], float(s), (b[0], b[1], b[2], b[3]))
                    for b, c, s in zip(xyxy, classes, scores, strict=True)
                    if c in self.class_ids
                ]
            )
        return out

    def detect(self, frame: Frame) -> list[Detection]:
        return self.detect_many([frame])[0]


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


_shared: dict[tuple[str, tuple[tuple[str, str], ...], int, float], YoloDetector] = {}
_shared_lock = threading.Lock()


def shared_detector(
    weights: Path,
    class_map: Mapping[str, str],
    *,
    imgsz: int = SHIPPED_IMGSZ,
    confidence: float = 0.25,
) -> YoloDetector:
    """The process's detector for these settings, loaded on first use."""
    key = (str(Path(weights).resolve()), tuple(sorted(class_map.items())), imgsz, confidence)
    with _shared_lock:
        detector = _shared.get(key)
        if detector is None:
            detector = YoloDetector(weights, class_map, imgsz=imgsz, confidence=confidence)
            log.info("detector loaded from %s (classes %s)", weights, detector.class_ids)
            _shared[key] = detector
        return detector


def configured_detector() -> YoloDetector:
    """The detector the settings (ZHILI_VISION_*) describe."""
    from backoffice.vision.config import get_vision_settings

    s = get_vision_settings()
    return shared_detector(s.weights, s.class_map, imgsz=s.imgsz, confidence=s.confidence)
