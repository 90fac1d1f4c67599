"""Fine-tune a detector on a subdistrict's own labelled frames (YOLO format), split by camera or
site rather than by frame: frames of one camera are near-copies of each other, so a split by
frame measures memory, not whether the model works on a camera it has not seen.

The site of a frame is the first folder below `images/` (images/<camera-or-site>/...); in a
flat folder, the file name up to its first '_' (e.g. CAM12_20260501T0800.jpg -> CAM12).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import shutil
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backoffice.vision.training.evaluate import (
    KNOWN_NAMES,
    DatasetError,
    LabelledSet,
    Report,
    labelled_frames,
    labels_map_for,
    load_labelled_set,
    score,
    site_of,
)
from backoffice.vision.training.train import Callback, use_threads
from backoffice.vision.yolo import yolo_class

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FinetuneConfig:
    epochs: int = 20
    imgsz: int = 416
    batch: int = 16
    val_share: float = 0.2  # share of the sites held out for validation
    threads: int = 1
    seed: int = 0
    # Gentle by default: on a few frames, one step of ultralytics' automatic choice (AdamW at
    # lr 0.0017) took the shipped model from mAP50 0.995 to 0.009 on a held-out camera (39 false
    # detections a frame), SGD at 0.001 training every layer to 0.57; SGD at 0.001 with the
    # backbone (the first 10 layers) frozen kept 0.995.
    optimizer: str = "SGD"
    lr0: float = 0.001
    freeze: int = 10  # first layers kept as they are (10: yolo11's backbone); 0 trains all
    device: str = "cpu"  # ultralytics' device: "cpu", or "0" for the first GPU


@dataclass(frozen=True)
class SiteSplit:
    train: dict[str, list[Path]]
    val: dict[str, list[Path]]


def split_by_site(data: LabelledSet, val_share: float, seed: int = 0) -> SiteSplit:
    """Whole sites go to validation (at least one), chosen by a hash of their names, so the
    split is stable when frames are added."""
    sites: dict[str, list[Path]] = defaultdict(list)
    for image in data.images:
        sites[site_of(image)].append(image)
    if len(sites) < 2:
        raise DatasetError(
            f"a split by site needs frames from at least two cameras or sites, found "
            f"{sorted(sites)}: put each camera's frames in its own folder, images/<camera>/..."
        )
    ranked = sorted(sites, key=lambda s: hashlib.sha256(f"{seed}:{s}".encode()).hexdigest())
    n_val = min(len(ranked) - 1, max(1, round(len(ranked) * val_share)))
    val = {s: sites[s] for s in ranked[:n_val]}
    train = {s: sites[s] for s in ranked[n_val:]}
    return SiteSplit(train, val)


def write_split(work: Path, data: LabelledSet, split: SiteSplit) -> Path:
    work.mkdir(parents=True, exist_ok=True)
    for name, group in (("train", split.train), ("val", split.val)):
        listed = [str(p.resolve()) for images in group.values() for p in images]
        (work / f"{name}.txt").write_text("\n".join(listed) + "\n")
    names = "\n".join(f"  {i}: {n}" for i, n in sorted(data.names.items()))
    path = work / "data.yaml"
    path.write_text(f"path: {work.resolve()}\ntrain: train.txt\nval: val.txt\nnames:\n{names}\n")
    return path


def class_map_hint(data: LabelledSet) -> dict[str, str]:
    """The ZHILI_VISION_CLASS_MAP a model trained on this set needs (for names it knows)."""
    return {n: KNOWN_NAMES[n] for n in data.names.values() if n in KNOWN_NAMES}


@dataclass(frozen=True)
class Finetuned:
    weights: Path
    split: SiteSplit
    data: LabelledSet
    resumed_after: int | None  # epochs an interrupted run had finished, None for a fresh one


def known_class_map(weights: Path) -> dict[str, str]:
    """A model's class names the patrol knows (e.g. COCO's bicycle) -> bike | waste."""
    names = yolo_class()(str(weights)).names.values()
    return {n: KNOWN_NAMES[n] for n in names if n in KNOWN_NAMES}


def score_held_out_sites(
    tuned: Finetuned,
    start: Path,
    imgsz: int,
    *,
    min_score: float,
    confidence: float,
) -> dict[str, Report]:
    """The model fine-tuning started from and the fine-tuned one, on the frames of the sites
    held out of training, at the patrol's thresholds: whether the fine-tune helped on cameras
    it never saw."""
    from backoffice.vision.detector import DetectorError, YoloDetector

    held_out = LabelledSet(
        sorted(p for paths in tuned.split.val.values() for p in paths), tuned.data.names
    )
    mapped = labels_map_for(held_out.names, None)
    reports = {}
    for name, weights in (("before", start), ("after", tuned.weights)):
        class_map = known_class_map(weights)
        if not class_map:
            raise DetectorError(f"{weights} has no class the patrol knows as a bike or waste")
        detector = YoloDetector(weights, class_map, imgsz=imgsz, confidence=0.001)
        reports[name] = score(
            detector, labelled_frames(held_out, mapped), min_score=min_score, confidence=confidence
        )
    return reports


def finetune(
    root: Path,
    weights: Path,
    out: Path,
    config: FinetuneConfig,
    workdir: Path,
    callbacks: Mapping[str, Callback] | None = None,
) -> Finetuned:
    """Fine-tune `weights` on every frame of the set under `root`, validated on held-out
    sites; resumes an interrupted run in `workdir`. `callbacks` are ultralytics events."""
    if not weights.is_file():
        raise FileNotFoundError(f"no weights file at {weights}")
    data = (
        load_labelled_set(root, "train")
        if (root / "data.yaml").is_file()
        else load_labelled_set(root)
    )
    if (root / "data.yaml").is_file():
        # every split of the set is material: the split by site is made here
        for other in ("val", "test"):
            with contextlib.suppress(DatasetError):
                more = load_labelled_set(root, other).images
                data = LabelledSet(sorted({*data.images, *more}), data.names)
    split = split_by_site(data, config.val_share, config.seed)
    yaml_path = write_split(workdir.resolve() / "split", data, split)
    run = workdir.resolve() / "runs" / "finetune"
    last = run / "weights" / "last.pt"
    yolo = yolo_class()
    resumed_after = None

    def prepared(model: Any) -> Any:
        model.add_callback("on_train_epoch_start", use_threads(config.threads))
        for event, callback in (callbacks or {}).items():
            model.add_callback(event, callback)
        return model

    if last.is_file():
        import torch

        checkpoint = torch.load(last, map_location="cpu", weights_only=False)
        if checkpoint.get("optimizer") is not None:  # ultralytics strips it when training ends
            resumed_after = int(checkpoint["epoch"]) + 1
            log.info("resuming %s after epoch %d", last, resumed_after)
            prepared(yolo(str(last))).train(resume=True, workers=0, device=config.device)
    else:
        prepared(yolo(str(weights))).train(
            data=str(yaml_path),
            epochs=config.epochs,
            imgsz=config.imgsz,
            batch=config.batch,
            workers=0,
            device=config.device,
            seed=config.seed,
            deterministic=True,
            amp=False,
            plots=False,
            project=str(run.parent),
            name=run.name,
            exist_ok=True,
            verbose=False,
            warmup_epochs=min(3.0, config.epochs / 5),
            close_mosaic=min(5, config.epochs // 4),
            optimizer=config.optimizer,
            lr0=config.lr0,
            freeze=config.freeze or None,
        )
    best = run / "weights" / "best.pt"
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(best if best.is_file() else last, out)
    log.info("fine-tuned %s -> %s", weights, out)
    return Finetuned(out, split, data, resumed_after)
