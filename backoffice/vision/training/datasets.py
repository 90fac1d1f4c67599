"""Generated scenes written as YOLO datasets: which generator ("style") draws which scene, the
training and held-out seed streams, labels and data.yaml.

Styles: `wire`, `solid` and `random` (`scenes3d.py`) and `flat` (`synth.py`, the original
generator). A training run leaves one style out (`flat` unless told otherwise) and is scored on
it, to measure how the detector does on a look it never saw.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from enum import StrEnum
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from backoffice.vision.training import scenes3d, synth

CLASS_NAMES: tuple[str, ...] = ("bicycle", "waste_pile")
LEFT_OUT_STYLE = "flat"
STYLES: tuple[str, ...] = ("solid", "wire", "random", LEFT_OUT_STYLE)


def train_styles(leave_out: str = LEFT_OUT_STYLE) -> tuple[str, ...]:
    """The styles a training run draws from, one left out to be scored on (`solid`, the richest
    look, drawn twice as often when it is trained on)."""
    if leave_out not in STYLES:
        raise ValueError(f"unknown style {leave_out!r}; styles are {', '.join(STYLES)}")
    kept = [s for s in STYLES if s != leave_out]
    if "solid" in kept:
        kept.insert(2, "solid")
    return tuple(kept)


TRAIN_STYLES: tuple[str, ...] = train_styles()  # solid, wire, solid, random

PixelBox = tuple[float, float, float, float]
Labelled = tuple[NDArray[np.uint8], list[tuple[int, PixelBox]]]


class Stream(StrEnum):
    """Training and held-out scenes come from separate random streams, never the same seed."""

    TRAIN = "train"
    HELDOUT = "heldout"


_STREAM_ID = {Stream.TRAIN: 101, Stream.HELDOUT: 202}


def scene(style: str, seed: int, stream: Stream) -> Labelled:
    """One generated frame (BGR) and its labels (class, x1 y1 x2 y2 in pixels)."""
    if style == "flat":
        split = synth.Split.TRAIN if stream is Stream.TRAIN else synth.Split.HELDOUT
        flat = synth.random_scene(seed, split)
        return synth.render(flat), [(c, b) for c, b in flat.labels() if c is not None]
    if style not in scenes3d.STYLES_3D:
        raise ValueError(f"unknown style {style!r}; styles are {', '.join(STYLES)}")
    return scenes3d.render_scene(seed, style, _STREAM_ID[stream])


def label_lines(labels: Iterable[tuple[int, PixelBox]], width: int, height: int) -> list[str]:
    lines = []
    for cls, (x1, y1, x2, y2) in labels:
        x1, x2 = max(0.0, x1), min(float(width), x2)
        y1, y2 = max(0.0, y1), min(float(height), y2)
        if x2 <= x1 or y2 <= y1:
            continue
        cx, cy = (x1 + x2) / 2 / width, (y1 + y2) / 2 / height
        lines.append(f"{cls} {cx:.6f} {cy:.6f} {(x2 - x1) / width:.6f} {(y2 - y1) / height:.6f}")
    return lines


def write_scenes(
    root: Path,
    subset: str,
    styles: Sequence[str],
    seeds: Iterable[int],
    stream: Stream,
    jobs: int = 1,
) -> int:
    """Write scenes under images/<subset> and labels/<subset>, the style of seed i being
    styles[i % len(styles)]. Scenes already written are kept, so an interrupted run resumes.
    `jobs` > 1 draws them in that many processes (the same files: each scene has its seed)."""
    images, labels = root / "images" / subset, root / "labels" / subset
    images.mkdir(parents=True, exist_ok=True)
    labels.mkdir(parents=True, exist_ok=True)
    todo, count = [], 0
    for seed in seeds:
        style = styles[seed % len(styles)]
        name = f"{style}_{stream.value}_{seed:07d}"
        count += 1
        if not ((images / f"{name}.jpg").is_file() and (labels / f"{name}.txt").is_file()):
            todo.append((images / f"{name}.jpg", labels / f"{name}.txt", style, seed, stream))
    if jobs > 1 and len(todo) > 1:
        # spawned, not forked: the parent may hold torch's threads
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            list(pool.map(_write_scene, *zip(*todo, strict=True), chunksize=8))
    else:
        for item in todo:
            _write_scene(*item)
    return count


def _write_scene(image: Path, label: Path, style: str, seed: int, stream: Stream) -> None:
    frame, boxes = scene(style, seed, stream)
    h, w = frame.shape[:2]
    label.write_text("".join(f"{line}\n" for line in label_lines(boxes, w, h)))
    tmp = image.with_suffix(".part.jpg")
    cv2.imwrite(str(tmp), frame, [cv2.IMWRITE_JPEG_QUALITY, 95])
    tmp.replace(image)  # the image last: a pair is complete once the image is there


def write_data_yaml(root: Path, train: str, val: str, names: Sequence[str] = CLASS_NAMES) -> Path:
    listed = "\n".join(f"  {i}: {n}" for i, n in enumerate(names))
    path = root / "data.yaml"
    path.write_text(
        f"path: {root.resolve()}\ntrain: images/{train}\nval: images/{val}\nnames:\n{listed}\n"
    )
    return path
