"""Scoring a detector as the patrol uses it: the metric on hand-made detections, and
`vision evaluate --data DIR` on a labelled set with its own class names and image sizes."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from backoffice.cli import main
from backoffice.vision.rules import Detection
from backoffice.vision.training.datasets import label_lines
from backoffice.vision.training.evaluate import Truth, score
from tests.backoffice.vision.scenes import DAY, DUSK, Street


class Fixed:
    """A detector that reports what it is told, frame by frame."""

    def __init__(self, answers: list[list[Detection]]) -> None:
        self.answers = iter(answers)

    def detect(self, frame: np.ndarray) -> list[Detection]:
        return next(self.answers)


BLANK = np.zeros((100, 100, 3), np.uint8)


def test_the_metric_counts_hits_misses_and_false_detections_at_the_thresholds() -> None:
    bike = (10.0, 10.0, 30.0, 40.0)
    pile = (50.0, 50.0, 90.0, 80.0)
    truth: list[Truth] = [[("bike", bike), ("waste", pile)], [("bike", bike)], []]
    answers = [
        [Detection("bike", 0.9, bike), Detection("waste", 0.3, pile)],  # pile found below 0.4
        [Detection("bike", 0.8, (12, 11, 31, 41)), Detection("bike", 0.7, (60, 60, 70, 70))],
        [Detection("waste", 0.5, (0, 0, 20, 20)), Detection("bike", 0.1, (5, 5, 9, 9))],
    ]
    samples = list(zip([BLANK] * 3, truth, strict=True))
    report = score(Fixed(answers), samples, min_score=0.4, confidence=0.25)  # type: ignore[arg-type]
    bikes, waste = report.classes["bike"], report.classes["waste"]
    assert (bikes.targets, bikes.detections, waste.targets, waste.detections) == (2, 3, 1, 1)
    assert bikes.recall == 1.0 and bikes.precision == pytest.approx(2 / 3)
    assert waste.recall == 0.0 and waste.precision == 0.0  # its one detection at 0.5 is false
    assert report.false_detections == 2  # the stray bike on frame 2, the waste on frame 3
    assert report.false_per_frame == pytest.approx(2 / 3)
    assert bikes.ap50 == pytest.approx(1.0, abs=0.01)  # both bikes outrank the false one
    assert waste.ap50 < 1.0


def _write(
    root: Path, name: str, frame: np.ndarray, labels: list[tuple[int, tuple[float, ...]]]
) -> None:
    h, w = frame.shape[:2]
    (root / "images").mkdir(parents=True, exist_ok=True)
    (root / "labels").mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(root / "images" / f"{name}.jpg"), frame)
    (root / "labels" / f"{name}.txt").write_text("\n".join(label_lines(labels, w, h)) + "\n")  # type: ignore[arg-type]


def labelled_street(root: Path) -> Path:
    """Frames of the test street at three sizes, labelled with COCO-like class names."""
    street = Street()
    root.mkdir(parents=True, exist_ok=True)
    (root / "classes.txt").write_text("person\nbicycle\ntrash\n")
    cls = {"bike": 1, "waste": 2}
    scenes = [
        [street.bike_a, street.bike_b, street.waste_big],
        [street.bike_a],
        [street.waste_big],
        [],
        [street.bike_b],
    ]
    for i, things in enumerate(scenes):
        frame = street.frame(things, DUSK if i == 4 else DAY)
        labels = [(cls[t.kind], t.box) for t in things]
        labels.append((0, street.pedestrian.box))  # a person: not a target
        scale = (4.0, 1.0, 0.8)[i % 3]  # 1280x960, 320x240, 256x192
        if scale != 1.0:
            frame = cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            labels = [(c, tuple(v * scale for v in box)) for c, box in labels]
        _write(root, f"frame{i}", frame, labels)
    return root


def test_evaluate_data_prints_per_class_scores_for_a_set_with_its_own_class_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = labelled_street(tmp_path / "set")
    argv = [
        "vision",
        "evaluate",
        "--data",
        str(data),
        "--labels-map",
        '{"bicycle": "bike", "trash": "waste"}',
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out.strip().splitlines()
    scores = json.loads(out[-1])[str(data)]
    assert scores["images"] == 5
    assert scores["classes"]["bike"]["targets"] == 4
    assert scores["classes"]["waste"]["targets"] == 2
    assert scores["map50"] >= 0.9, scores
    assert scores["classes"]["bike"]["recall"] == 1.0
    assert scores["false_per_frame"] == 0.0
    assert any(line.strip().startswith("bike") and "precision" in line for line in out)


def test_evaluate_data_explains_a_set_it_cannot_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["vision", "evaluate", "--data", str(tmp_path)]) == 2
    assert "is not a YOLO-format set" in capsys.readouterr().err
    data = labelled_street(tmp_path / "set")
    (data / "classes.txt").write_text("person\ncar\n")
    assert main(["vision", "evaluate", "--data", str(data)]) == 2
    assert (
        "none of the set's classes ['car', 'person'] is a bike or waste class"
        in capsys.readouterr().err
    )


def test_evaluate_data_by_site_scores_each_camera_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.backoffice.vision.test_finetune import CAMERAS, three_frames_per_camera

    data = three_frames_per_camera(tmp_path / "set")
    assert main(["vision", "evaluate", "--data", str(data), "--by-site"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    scores = json.loads(out[-1])
    assert list(scores) == [str(data)] + [f"site {c}" for c in sorted(CAMERAS)]
    assert scores[str(data)]["images"] == 15
    for camera in CAMERAS:
        site = scores[f"site {camera}"]
        assert site["images"] == 3
        assert (site["classes"]["bike"]["targets"], site["classes"]["waste"]["targets"]) == (2, 1)
    assert any(line.startswith(f"site {CAMERAS[0]}: 3 images, mAP50 ") for line in out)
