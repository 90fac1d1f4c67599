"""Small objects: a camera's 1280x720 frame shrunk to 320 leaves a far bike a few pixels; the
detector can also look at overlapping tiles of the frame (ZHILI_VISION_TILES) and merge what
it finds there with what it finds in the whole frame."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from pydantic import ValidationError

from backoffice import wiring
from backoffice.cli import main
from backoffice.settings import Settings
from backoffice.vision.config import SHIPPED_CLASS_MAP, SHIPPED_WEIGHTS, VisionSettings
from backoffice.vision.detector import (
    YoloDetector,
    merge_overlapping,
    shared_detector,
    tile_windows,
)
from backoffice.vision.rules import Detection
from backoffice.vision.training.datasets import label_lines
from tests.backoffice.vision.scenes import Street


def test_tiles_cover_the_frame_and_overlap_their_neighbours() -> None:
    assert tile_windows(1280, 720, 1, 1) == []
    windows = tile_windows(1280, 720, 3, 2)
    assert len(windows) == 6
    xs = sorted({(x0, x1) for x0, _, x1, _ in windows})
    ys = sorted({(y0, y1) for _, y0, _, y1 in windows})
    assert xs[0][0] == 0 and xs[-1][1] == 1280 and ys[0][0] == 0 and ys[-1][1] == 720
    for (_, end), (start, _) in itertools.pairwise(xs):
        assert end - start >= 0.25 * (xs[0][1] - xs[0][0]) - 1  # a quarter shared
    for (_, end), (start, _) in itertools.pairwise(ys):
        assert end - start >= 0.25 * (ys[0][1] - ys[0][0]) - 1


def test_overlapping_boxes_of_one_kind_merge_into_the_best() -> None:
    found = [
        Detection("bike", 0.5, (20, 20, 30, 30)),
        Detection("bike", 0.8, (1, 1, 11, 11)),  # the same bike, seen in a tile
        Detection("waste", 0.7, (0, 0, 10, 10)),  # another kind: kept
        Detection("bike", 0.9, (0, 0, 10, 10)),
    ]
    assert merge_overlapping(found) == [found[3], found[2], found[0]]
    assert merge_overlapping([]) == []


def small_street() -> tuple[np.ndarray, list[tuple[str, tuple[float, float, float, float]]]]:
    """The 320x240 test street in the bottom-right corner of a grey 1280x720 frame."""
    street = Street()
    things = [street.bike_a, street.bike_b, street.waste_big]
    frame = np.full((720, 1280, 3), 128, np.uint8)
    frame[480:, 960:] = street.frame(things)
    truth = [
        (t.kind, (t.box[0] + 960, t.box[1] + 480, t.box[2] + 960, t.box[3] + 480)) for t in things
    ]
    return frame, truth


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    inter = max(w, 0) * max(h, 0)
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def test_far_small_bikes_missed_in_the_whole_frame_are_found_in_tiles(
    detector: YoloDetector,
) -> None:
    frame, truth = small_street()
    assert [d for d in detector.detect(frame) if d.score >= 0.4] == []
    tiled = shared_detector(SHIPPED_WEIGHTS, SHIPPED_CLASS_MAP, imgsz=320, tiles=(2, 2))
    found: list[Detection] = [d for d in tiled.detect(frame) if d.score >= 0.4]
    # each labelled thing once, where it is in the frame (no duplicates from the overlaps)
    assert sorted(d.kind for d in found) == ["bike", "bike", "waste"]
    for kind, box in truth:
        assert max(_iou(box, d.box) for d in found if d.kind == kind) >= 0.6


def test_the_settings_name_the_tiles_and_the_patrol_uses_them(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert VisionSettings().tile_grid == (1, 1)
    monkeypatch.setenv("ZHILI_VISION_TILES", "3x2")
    vision = VisionSettings()
    assert vision.tile_grid == (3, 2)
    detector = wiring.patrol(settings, vision).detector()
    assert isinstance(detector, YoloDetector) and detector.tiles == (3, 2)
    monkeypatch.setenv("ZHILI_VISION_TILES", "3 by 2")
    with pytest.raises(ValidationError, match="tiles"):
        VisionSettings()


def test_evaluate_scores_a_set_of_camera_sized_frames_with_tiles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`vision evaluate --data` on 1280x720 frames of a far street: with tiles the bikes count."""
    frame, truth = small_street()
    (tmp_path / "images").mkdir()
    (tmp_path / "labels").mkdir()
    (tmp_path / "classes.txt").write_text("bicycle\nwaste_pile\n")
    cv2.imwrite(str(tmp_path / "images" / "far.jpg"), frame)
    boxes = [(0 if kind == "bike" else 1, box) for kind, box in truth]
    (tmp_path / "labels" / "far.txt").write_text("\n".join(label_lines(boxes, 1280, 720)) + "\n")
    scores = {}
    for tiles in ("1x1", "2x2"):
        assert main(["vision", "evaluate", "--data", str(tmp_path), "--tiles", tiles]) == 0
        out = capsys.readouterr().out.strip().splitlines()
        assert ("with 2x2 tiles" in out[0]) is (tiles == "2x2")
        scores[tiles] = json.loads(out[-1])[str(tmp_path)]
    assert scores["1x1"]["classes"]["bike"]["recall"] == 0.0
    assert scores["2x2"]["classes"]["bike"]["recall"] == 1.0
    assert scores["2x2"]["false_per_frame"] == 0.0
    with pytest.raises(SystemExit):
        main(["vision", "evaluate", "--data", str(tmp_path), "--tiles", "9x9"])
    assert "expected COLUMNSxROWS, 1 to 8 each" in capsys.readouterr().err
