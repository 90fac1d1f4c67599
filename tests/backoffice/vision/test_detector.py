"""The detector: the shipped model with its class map, a COCO-style class map, one shared
instance per process, and clear start-up errors for a bad weights file or class map."""

from __future__ import annotations

from pathlib import Path

import pytest

from backoffice.vision.config import SHIPPED_CLASS_MAP, SHIPPED_WEIGHTS
from backoffice.vision.detector import DetectorError, YoloDetector, shared_detector
from backoffice.vision.yolo import yolo_class
from tests.backoffice.vision.scenes import Street


def test_the_shipped_model_finds_the_bikes_and_the_waste_in_a_street_scene(
    detector: YoloDetector,
) -> None:
    street = Street()
    found = detector.detect(street.frame([street.bike_a, street.bike_b, street.waste_big]))
    assert sorted(d.kind for d in found) == ["bike", "bike", "waste"]
    assert detector.detect(street.frame([])) == []
    by_kind = {d.kind: d for d in found}
    x1, y1, x2, y2 = by_kind["waste"].box
    wx1, wy1, wx2, wy2 = street.waste_big.box
    assert abs(x1 - wx1) < 8 and abs(y2 - wy2) < 8 and abs(x2 - wx2) < 8 and abs(y1 - wy1) < 8


def test_the_class_map_decides_what_each_model_class_counts_as() -> None:
    # as with a COCO model whose 'bicycle' serves as a shared bike: map one class, ignore others
    bikes_only = YoloDetector(SHIPPED_WEIGHTS, {"shared_bike": "bike"}, imgsz=320)
    street = Street()
    found = bikes_only.detect(street.frame([street.bike_a, street.waste_big]))
    assert [d.kind for d in found] == ["bike"]
    with pytest.raises(
        DetectorError,
        match=r"names \['bicycle'\], which .* does not have; "
        r"its classes are \['shared_bike', 'waste_pile'\]",
    ):
        YoloDetector(SHIPPED_WEIGHTS, {"bicycle": "bike"})
    with pytest.raises(DetectorError, match=r"names \['car'\]; the patrol looks for"):
        YoloDetector(SHIPPED_WEIGHTS, {"shared_bike": "car"})


def test_the_model_is_loaded_once_per_process_and_shared(detector: YoloDetector) -> None:
    again = shared_detector(Path(str(SHIPPED_WEIGHTS)), dict(SHIPPED_CLASS_MAP), imgsz=320)
    assert again is detector


def test_a_missing_garbage_or_wrong_task_weights_file_is_a_clear_start_up_error(
    tmp_path: Path,
) -> None:
    with pytest.raises(DetectorError, match=r"weights file .*nothing\.pt is missing"):
        YoloDetector(tmp_path / "nothing.pt", SHIPPED_CLASS_MAP)
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"this is not a model")
    with pytest.raises(DetectorError, match="is not a YOLO weights file ultralytics can load"):
        YoloDetector(garbage, SHIPPED_CLASS_MAP)
    classifier = tmp_path / "classifier.pt"
    yolo_class()("yolo11n-cls.yaml", task="classify").save(classifier)
    with pytest.raises(DetectorError, match="is a 'classify' model; the patrol needs a 'detect'"):
        YoloDetector(classifier, SHIPPED_CLASS_MAP)
