"""The training generators: each style draws the same scene from the same seed, training and
held-out scenes come from separate streams, labels are boxes of visible bikes and piles, and
writing a dataset resumes where it stopped."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from backoffice.vision import cli
from backoffice.vision.training.datasets import (
    LEFT_OUT_STYLE,
    STYLES,
    TRAIN_STYLES,
    Stream,
    scene,
    write_scenes,
)


@pytest.mark.parametrize("style", STYLES)
def test_the_same_seed_gives_the_same_frame_and_labels(style: str) -> None:
    a, labels_a = scene(style, 5, Stream.TRAIN)
    b, labels_b = scene(style, 5, Stream.TRAIN)
    assert np.array_equal(a, b) and labels_a == labels_b
    other, _ = scene(style, 5, Stream.HELDOUT)
    assert a.shape != other.shape or not np.array_equal(a, other)


def test_the_left_out_style_is_never_trained_on() -> None:
    assert LEFT_OUT_STYLE not in TRAIN_STYLES
    assert set(TRAIN_STYLES) | {LEFT_OUT_STYLE} == set(STYLES) == set(cli.STYLES)


@pytest.mark.parametrize("style", ["solid", "wire", "random"])
def test_scenes_hold_bikes_and_piles_in_the_frame(style: str) -> None:
    counts = {0: 0, 1: 0}
    empty = 0
    for seed in range(16):
        frame, labels = scene(style, seed, Stream.TRAIN)
        h, w = frame.shape[:2]
        assert (w, h) in ((640, 360), (512, 384))
        empty += not labels
        for cls, (x1, y1, x2, y2) in labels:
            counts[cls] += 1
            assert 0 <= x1 < x2 <= w and 0 <= y1 < y2 <= h
            assert x2 - x1 >= 6 and y2 - y1 >= 8
    assert counts[0] >= 30 and counts[1] >= 4, counts
    assert empty <= 4


def test_writing_a_dataset_keeps_what_is_already_written(tmp_path: Path) -> None:
    assert write_scenes(tmp_path, "train", TRAIN_STYLES, range(4), Stream.TRAIN) == 4
    images = sorted((tmp_path / "images" / "train").glob("*.jpg"))
    assert [p.name.split("_")[0] for p in images] == ["random", "solid", "solid", "wire"]
    kept = {p.name: p.stat().st_mtime_ns for p in images}
    images[0].unlink()  # as if the run had stopped while writing it
    write_scenes(tmp_path, "train", TRAIN_STYLES, range(4), Stream.TRAIN)
    again = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "images" / "train").glob("*.jpg")}
    assert set(again) == set(kept)
    assert [n for n in kept if again[n] != kept[n]] == [images[0].name]
    labels = sorted((tmp_path / "labels" / "train").glob("*.txt"))
    for path in labels:
        for line in path.read_text().splitlines():
            cls, *coords = line.split()
            assert cls in ("0", "1") and all(0.0 <= float(c) <= 1.0 for c in coords)


def test_scenes_drawn_in_several_processes_are_the_same_files(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    assert write_scenes(one, "train", TRAIN_STYLES, range(4), Stream.TRAIN) == 4
    assert write_scenes(two, "train", TRAIN_STYLES, range(4), Stream.TRAIN, jobs=2) == 4
    for sub in ("images/train", "labels/train"):
        written = sorted(p.name for p in (one / sub).iterdir())
        assert sorted(p.name for p in (two / sub).iterdir()) == written and len(written) == 4
        for name in written:
            assert (one / sub / name).read_bytes() == (two / sub / name).read_bytes(), name
