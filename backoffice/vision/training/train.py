"""Train the shipped detector from scratch on generated scenes (no pretrained weights exist here),
or fine-tune any detector on a labelled set of real frames (`finetune.py`).

`zhili-backoffice vision train` runs this. The work folder keeps the generated scenes and
ultralytics' checkpoints: run the same command again after an interruption and it resumes
where it stopped (scenes already written are kept, training continues from `last.pt`).
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backoffice.vision.training.datasets import (
    TRAIN_STYLES,
    Stream,
    write_data_yaml,
    write_scenes,
)
from backoffice.vision.yolo import ROOT, yolo_class

log = logging.getLogger(__name__)

IMGSZ = 416
ARCHITECTURE = "yolo11n.yaml"
DEFAULT_WORKDIR = ROOT / "var" / "vision-train"
# Not the shipped file: a trained model is scored first (vision evaluate), then promoted by
# copying it to assets/models/ and pointing SHIPPED_WEIGHTS (config.py) at it.
DEFAULT_OUT = DEFAULT_WORKDIR / "zhili-patrol-yolo11n-416.pt"


@dataclass(frozen=True)
class TrainConfig:
    seed: int = 0
    images: int = 2400  # training scenes, spread over TRAIN_STYLES
    val_images: int = 48  # held-out scenes for ultralytics' final validation
    # 12 epochs of 2400 scenes: about 90 CPU-minutes on these 2 cores with one thread (scenes
    # ~4.5 CPU-min, each epoch ~7); 5 epochs reach only mAP50 ~0.2 (assets/models/README.md).
    epochs: int = 12
    batch: int = 16
    imgsz: int = IMGSZ
    architecture: str = ARCHITECTURE
    threads: int = 1  # torch threads; on 2 shared cores one thread trains at half the CPU cost
    styles: tuple[str, ...] = TRAIN_STYLES


def generate(root: Path, config: TrainConfig) -> Path:
    """The training scenes (seeds from `seed`) and a small held-out slice for validation."""
    first = config.seed * 1_000_000
    write_scenes(root, "train", config.styles, range(first, first + config.images), Stream.TRAIN)
    write_scenes(
        root, "val", config.styles, range(first, first + config.val_images), Stream.HELDOUT
    )
    return write_data_yaml(root, "train", "val")


def use_threads(threads: int) -> Any:
    """A callback that sets torch's threads (ultralytics sets cpu_count - 1 on CPU, i.e. one
    thread on two cores, whenever it selects a device)."""

    def callback(_trainer: Any) -> None:
        import torch

        torch.set_num_threads(threads)

    return callback


def _finished(last: Path) -> bool:
    import torch

    checkpoint = torch.load(last, map_location="cpu", weights_only=False)
    return checkpoint.get("optimizer") is None  # ultralytics strips it when training ends


def train(out: Path, config: TrainConfig, workdir: Path | None = None) -> Path:
    """Generate the scenes, train (or resume), and copy the final weights to `out`."""
    work = (workdir or DEFAULT_WORKDIR / f"seed{config.seed}").resolve()
    data = generate(work / f"data-{config.images}", config)
    run = work / "runs" / f"train-e{config.epochs}"
    last = run / "weights" / "last.pt"
    yolo = yolo_class()
    if last.is_file() and not _finished(last):
        log.info("resuming from %s", last)
        model = yolo(str(last))
        model.add_callback("on_train_epoch_start", use_threads(config.threads))
        model.train(resume=True, data=str(data), workers=0)
    elif not last.is_file():
        model = yolo(config.architecture, task="detect")
        model.add_callback("on_train_epoch_start", use_threads(config.threads))
        model.train(
            data=str(data),
            epochs=config.epochs,
            imgsz=config.imgsz,
            batch=config.batch,
            workers=0,
            device="cpu",
            seed=config.seed,
            deterministic=True,
            pretrained=False,
            amp=False,  # the AMP check would fetch weights; CPU trains in fp32 anyway
            plots=False,  # plots would fetch a font
            val=False,  # validate once, at the end
            cache=False,  # a RAM cache makes runs non-deterministic
            project=str(run.parent),
            name=run.name,
            exist_ok=True,
            verbose=False,
            warmup_epochs=min(1.0, config.epochs / 5),
            close_mosaic=1 if config.epochs > 2 else 0,
            fliplr=0.5,
            mosaic=1.0,
            scale=0.5,
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(last, out)
    return out
