"""The scene generator: the same seed gives the same pixels and labels, and the held-out
split draws light and distractors the training split never shows."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from backoffice.vision.training.synth import (
    HELDOUT_DISTRACTORS,
    TRAIN_DISTRACTORS,
    Split,
    random_scene,
    render,
    write_dataset,
    yolo_label_lines,
)


def test_the_same_seed_gives_the_same_scene_pixel_for_pixel() -> None:
    a, b = random_scene(42), random_scene(42)
    assert np.array_equal(render(a), render(b))
    assert yolo_label_lines(a) == yolo_label_lines(b)
    assert not np.array_equal(render(a), render(random_scene(43)))


def test_held_out_scenes_use_other_light_and_other_distractors() -> None:
    train = [random_scene(i, Split.TRAIN) for i in range(150)]
    held = [random_scene(i, Split.HELDOUT) for i in range(150)]
    train_gains = [s.light.gain for s in train]
    held_gains = [s.light.gain for s in held]
    assert not any(0.62 <= g < 0.75 or 0.95 <= g < 1.1 for g in train_gains)
    assert all(0.62 <= g < 0.75 or 0.95 <= g < 1.1 for g in held_gains)
    held_kinds = {t.kind for s in held for t in s.things} - {"bike", "waste"}
    train_kinds = {t.kind for s in train for t in s.things} - {"bike", "waste"}
    assert train_kinds <= set(TRAIN_DISTRACTORS)
    assert held_kinds - train_kinds == {"bench", "bollard", "lamp"}
    assert held_kinds <= set(HELDOUT_DISTRACTORS)


def test_a_dataset_is_written_in_yolo_format(tmp_path: Path) -> None:
    assert write_dataset(tmp_path, range(3), Split.TRAIN, "train") == 3
    labels = sorted((tmp_path / "labels" / "train").iterdir())
    assert [p.name for p in labels] == [f"train_00000{i}.txt" for i in range(3)]
    for path in labels:
        for line in path.read_text().split("\n"):
            if line:
                cls, *coords = line.split()
                assert cls in ("0", "1")
                assert all(0.0 <= float(c) <= 1.0 for c in coords)
    assert len(list((tmp_path / "images" / "train").glob("*.png"))) == 3
