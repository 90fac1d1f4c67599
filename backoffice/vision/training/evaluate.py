"""Score a detector the way the patrol uses it: through its class map and inference size, on
generated held-out scenes of every style or on a labelled set of real frames (YOLO format).

Per class: AP50 and AP50-95 (ultralytics' interpolation), and precision and recall at the
configured thresholds (a detection counts when its score passes both the detector's confidence
and the zone's minimum score); false detections per frame at those thresholds.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from backoffice.vision.detector import YoloDetector
from backoffice.vision.rules import Detection, ObjectKind
from backoffice.vision.training.datasets import STYLES, Stream, scene

HELDOUT_SEED = 7
IOU_THRESHOLDS = np.linspace(0.5, 0.95, 10)
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
# Dataset class names understood without a --labels-map.
KNOWN_NAMES = {
    "bicycle": "bike",
    "bike": "bike",
    "shared_bike": "bike",
    "waste": "waste",
    "waste_pile": "waste",
    "garbage": "waste",
}

Box = tuple[float, float, float, float]
Truth = list[tuple[str, Box]]  # (kind, box) per labelled object


class DatasetError(ValueError):
    """The labelled set cannot be read: the message says what to fix."""


@dataclass(frozen=True)
class ClassScores:
    ap50: float
    ap50_95: float
    precision: float
    recall: float
    targets: int
    detections: int  # at the thresholds


@dataclass(frozen=True)
class Report:
    images: int
    min_score: float
    classes: dict[str, ClassScores] = field(default_factory=dict)
    false_detections: int = 0

    @property
    def map50(self) -> float:
        scored = [c.ap50 for c in self.classes.values() if c.targets]
        return float(np.mean(scored)) if scored else 0.0

    @property
    def map50_95(self) -> float:
        scored = [c.ap50_95 for c in self.classes.values() if c.targets]
        return float(np.mean(scored)) if scored else 0.0

    @property
    def false_per_frame(self) -> float:
        return self.false_detections / self.images if self.images else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "images": self.images,
            "map50": round(self.map50, 4),
            "map50_95": round(self.map50_95, 4),
            "false_per_frame": round(self.false_per_frame, 4),
            "min_score": self.min_score,
            "classes": {
                kind: {
                    "ap50": round(c.ap50, 4),
                    "ap50_95": round(c.ap50_95, 4),
                    "precision": round(c.precision, 4),
                    "recall": round(c.recall, 4),
                    "targets": c.targets,
                }
                for kind, c in self.classes.items()
            },
        }

    def lines(self, title: str) -> list[str]:
        out = [
            f"{title}: {self.images} images, mAP50 {self.map50:.3f}, mAP50-95 "
            f"{self.map50_95:.3f}, false detections per frame {self.false_per_frame:.3f} "
            f"(score >= {self.min_score})"
        ]
        for kind, c in self.classes.items():
            out.append(
                f"  {kind:6s} AP50 {c.ap50:.3f}  AP50-95 {c.ap50_95:.3f}  precision "
                f"{c.precision:.3f}  recall {c.recall:.3f}  ({c.targets} labelled)"
            )
        return out


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU matrix of boxes a (n, 4) and b (m, 4), x1 y1 x2 y2."""
    if not len(a) or not len(b):
        return np.zeros((len(a), len(b)))
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), axis=2)
    area_a = np.prod(a[:, 2:] - a[:, :2], axis=1)
    area_b = np.prod(b[:, 2:] - b[:, :2], axis=1)
    out: np.ndarray = inter / (area_a[:, None] + area_b[None, :] - inter + 1e-9)
    return out


def _match(detections: Sequence[Detection], truth: Truth, thresholds: np.ndarray) -> np.ndarray:
    """(n, len(thresholds)) booleans: each detection, best score first, takes the unmatched
    labelled object of its kind it overlaps most, if the overlap reaches the threshold."""
    tp = np.zeros((len(detections), len(thresholds)), bool)
    if not detections or not truth:
        return tp
    iou = _iou(np.array([d.box for d in detections], float), np.array([b for _, b in truth], float))
    same = np.array([[d.kind == k for k, _ in truth] for d in detections])
    iou = np.where(same, iou, 0.0)
    order = np.argsort([-d.score for d in detections])
    for j, threshold in enumerate(thresholds):
        taken = np.zeros(len(truth), bool)
        for i in order:
            candidates = np.where(~taken & (iou[i] >= threshold), iou[i], -1.0)
            best = int(np.argmax(candidates))
            if candidates[best] >= threshold:
                taken[best] = True
                tp[i, j] = True
    return tp


def score(
    detector: YoloDetector,
    samples: Iterable[tuple[np.ndarray, Truth]],
    *,
    min_score: float,
    confidence: float,
) -> Report:
    """Run the detector (built with a low confidence, e.g. 0.001, so AP sees the whole
    precision-recall curve) over labelled frames."""
    kinds = [k.value for k in ObjectKind]
    threshold = max(min_score, confidence)
    tps, confs, classes, targets = [], [], [], []
    at_threshold = {k: [0, 0] for k in kinds}  # detections, true ones
    false = images = 0
    for frame, truth in samples:
        images += 1
        found = [d for d in detector.detect(frame) if d.kind in kinds]
        tp = _match(found, truth, IOU_THRESHOLDS)
        tps.append(tp)
        confs += [d.score for d in found]
        classes += [kinds.index(d.kind) for d in found]
        targets += [kinds.index(k) for k, _ in truth if k in kinds]
        passing = [i for i, d in enumerate(found) if d.score >= threshold]
        kept = [found[i] for i in passing]
        kept_tp = _match(kept, truth, IOU_THRESHOLDS[:1])[:, 0]
        for d, ok in zip(kept, kept_tp, strict=True):
            at_threshold[d.kind][0] += 1
            at_threshold[d.kind][1] += int(ok)
        false += int((~kept_tp).sum())
    report = Report(images, min_score, false_detections=false)
    target_arr = np.array(targets, int)
    if len(target_arr):
        from ultralytics.utils.metrics import ap_per_class

        tp_all = np.concatenate(tps) if tps else np.zeros((0, 10), bool)
        result = ap_per_class(tp_all, np.array(confs), np.array(classes, int), target_arr)
        ap, present = result[5], result[6]
    else:
        ap, present = np.zeros((0, 10)), np.zeros(0, int)
    for index, kind in enumerate(kinds):
        n_targets = int((target_arr == index).sum())
        row = np.where(present == index)[0]
        ap50 = float(ap[row[0], 0]) if len(row) else 0.0
        ap50_95 = float(ap[row[0]].mean()) if len(row) else 0.0
        found_n, true_n = at_threshold[kind]
        report.classes[kind] = ClassScores(
            ap50=ap50,
            ap50_95=ap50_95,
            precision=true_n / found_n if found_n else (1.0 if not n_targets else 0.0),
            recall=true_n / n_targets if n_targets else 0.0,
            targets=n_targets,
            detections=found_n,
        )
    return report


# --- generated scenes ----------------------------------------------------------------------


def generated(
    style: str, images: int, seed: int = HELDOUT_SEED
) -> Iterator[tuple[np.ndarray, Truth]]:
    """Held-out scenes of one style (a seed stream training never draws from)."""
    kinds = [k.value for k in ObjectKind]
    first = seed * 1_000_000
    for s in range(first, first + images):
        frame, labels = scene(style, s, Stream.HELDOUT)
        yield frame, [(kinds[c], b) for c, b in labels]


def evaluate_styles(
    detector: YoloDetector,
    *,
    images: int,
    seed: int = HELDOUT_SEED,
    styles: Sequence[str] = STYLES,
    min_score: float = 0.4,
    confidence: float = 0.25,
) -> dict[str, Report]:
    """Per style; `confidence` and `min_score` are the patrol's thresholds (the detector itself
    should run at a low confidence so that AP sees the whole precision-recall curve)."""
    return {
        style: score(
            detector, generated(style, images, seed), min_score=min_score, confidence=confidence
        )
        for style in styles
    }


# --- a labelled set of real frames -----------------------------------------------------------


@dataclass(frozen=True)
class LabelledSet:
    images: list[Path]
    names: dict[int, str]

    def label_path(self, image: Path) -> Path:
        parts = list(image.parts)
        for i in range(len(parts) - 1, -1, -1):
            if parts[i] == "images":
                parts[i] = "labels"
                break
        return Path(*parts).with_suffix(".txt")


def _names(raw: Any) -> dict[int, str]:
    if isinstance(raw, dict):
        return {int(k): str(v) for k, v in raw.items()}
    if isinstance(raw, list):
        return dict(enumerate(str(v) for v in raw))
    raise DatasetError("data.yaml 'names' must be a list or a mapping of class ids to names")


def load_labelled_set(root: Path, split: str = "val") -> LabelledSet:
    """A YOLO-format set: a data.yaml (path, train/val/test, names), or a folder with images/
    and labels/ side by side and the class names in classes.txt (one a line)."""
    import yaml

    root = Path(root)
    yaml_path = root if root.suffix in (".yaml", ".yml") else root / "data.yaml"
    if yaml_path.is_file():
        config = yaml.safe_load(yaml_path.read_text()) or {}
        if "names" not in config:
            raise DatasetError(f"{yaml_path} has no 'names'")
        names = _names(config["names"])
        base = Path(config.get("path") or yaml_path.parent)
        if not base.is_absolute():
            base = yaml_path.parent / base
        entry = config.get(split)
        if entry is None:
            available = [k for k in ("train", "val", "test") if config.get(k)]
            raise DatasetError(f"{yaml_path} has no '{split}' split; it has {available}")
        folders = [base / e for e in (entry if isinstance(entry, list) else [entry])]
    else:
        classes = root / "classes.txt"
        if not (root / "images").is_dir() or not classes.is_file():
            raise DatasetError(
                f"{root} is not a YOLO-format set: give a folder with data.yaml, or with images/, "
                "labels/ and classes.txt (one class name a line)"
            )
        names = dict(enumerate(n.strip() for n in classes.read_text().splitlines() if n.strip()))
        folders = [root / "images"]
    images = sorted(
        p for folder in folders for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES
    )
    if not images:
        raise DatasetError(f"no images under {', '.join(str(f) for f in folders)}")
    return LabelledSet(images, names)


def labels_map_for(
    names: Mapping[int, str], labels_map: Mapping[str, str] | None
) -> dict[int, str]:
    """Dataset class id -> patrol kind; classes mapped to nothing are not targets."""
    wanted = {k.value for k in ObjectKind}
    given = dict(labels_map) if labels_map is not None else KNOWN_NAMES
    bad = sorted(set(labels_map or {}).difference(names.values()))
    if bad:
        raise DatasetError(
            f"--labels-map names {bad}; the set's classes are {sorted(names.values())}"
        )
    bad_kinds = sorted(set(given.values()) - wanted)
    if bad_kinds:
        raise DatasetError(
            f"--labels-map maps to {bad_kinds}; the patrol looks for {sorted(wanted)}"
        )
    mapped = {i: given[n] for i, n in names.items() if n in given}
    if not mapped:
        raise DatasetError(
            f"none of the set's classes {sorted(names.values())} is a bike or waste class; "
            'pass --labels-map, e.g. \'{"bicycle": "bike", "trash": "waste"}\''
        )
    return mapped


def read_truth(path: Path, width: int, height: int, mapped: Mapping[int, str]) -> Truth:
    truth: Truth = []
    if not path.is_file():
        return truth  # an image without a label file holds no objects
    for n, line in enumerate(path.read_text().splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        try:
            cls, cx, cy, w, h = int(fields[0]), *(float(v) for v in fields[1:5])
        except (ValueError, TypeError) as exc:
            raise DatasetError(f"{path}:{n}: expected 'class cx cy w h', got {line!r}") from exc
        if cls in mapped:
            truth.append(
                (
                    mapped[cls],
                    (
                        (cx - w / 2) * width,
                        (cy - h / 2) * height,
                        (cx + w / 2) * width,
                        (cy + h / 2) * height,
                    ),
                )
            )
    return truth


def labelled_frames(
    data: LabelledSet, mapped: Mapping[int, str]
) -> Iterator[tuple[np.ndarray, Truth]]:
    for image in data.images:
        frame = cv2.imread(str(image), cv2.IMREAD_COLOR)
        if frame is None:
            raise DatasetError(f"{image} is not an image OpenCV can read")
        h, w = frame.shape[:2]
        yield frame, read_truth(data.label_path(image), w, h, mapped)


def evaluate_set(
    detector: YoloDetector,
    root: Path,
    *,
    split: str = "val",
    labels_map: Mapping[str, str] | None = None,
    min_score: float = 0.4,
    confidence: float = 0.25,
) -> Report:
    data = load_labelled_set(root, split)
    mapped = labels_map_for(data.names, labels_map)
    frames = labelled_frames(data, mapped)
    return score(detector, frames, min_score=min_score, confidence=confidence)


def site_of(image: Path) -> str:
    """The camera or site of a frame: the first folder below `images/` (images/<site>/...);
    in a flat folder, the file name up to its first '_' (CAM12_20260501T0800.jpg -> CAM12)."""
    parts = image.parts
    if "images" in parts:
        below = parts[len(parts) - 1 - parts[::-1].index("images") + 1 :]
        if len(below) > 1:
            return below[0]
    return image.stem.split("_")[0]


def evaluate_sites(
    detector: YoloDetector,
    root: Path,
    *,
    split: str = "val",
    labels_map: Mapping[str, str] | None = None,
    min_score: float = 0.4,
    confidence: float = 0.25,
) -> dict[str, Report]:
    """The same scores camera by camera (site_of): where the model fails, not only how often."""
    data = load_labelled_set(root, split)
    mapped = labels_map_for(data.names, labels_map)
    sites: dict[str, list[Path]] = {}
    for image in data.images:
        sites.setdefault(site_of(image), []).append(image)
    return {
        site: score(
            detector,
            labelled_frames(LabelledSet(images, data.names), mapped),
            min_score=min_score,
            confidence=confidence,
        )
        for site, images in sorted(sites.items())
    }


def summary(reports: Mapping[str, Report]) -> str:
    return json.dumps({name: r.as_json() for name, r in reports.items()})
