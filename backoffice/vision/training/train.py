"""Train the shipped detector from scratch on generated scenes (no pretrained weights exist here),
or fine-tune any detector on a labelled set of real frames (`finetune.py`).

`zhili-backoffice vision train` runs this. The work folder keeps the generated scenes and
ultralytics' checkpoints: run the same command again after an interruption and it resumes
where it stopped (scenes already written are kept, training continues from `last.pt`).
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backoffice.vision.training.datasets import (
    CLASS_NAMES,
    LEFT_OUT_STYLE,
    STYLES,
    Stream,
    train_styles,
    write_data_yaml,
    write_scenes,
)
from backoffice.vision.yolo import ROOT, yolo_class

if TYPE_CHECKING:
    from backoffice.vision.training.evaluate import Report

log = logging.getLogger(__name__)

IMGSZ = 416
ARCHITECTURE = "yolo11n.yaml"
DEFAULT_WORKDIR = ROOT / "var" / "vision-train"
# Not the shipped file: a trained model is scored first (vision evaluate), then promoted by
# copying it to assets/models/ and pointing SHIPPED_WEIGHTS (config.py) at it.
DEFAULT_OUT = DEFAULT_WORKDIR / "zhili-patrol-yolo11n-416.pt"
# What a model trained here needs as ZHILI_VISION_CLASS_MAP.
TRAINED_CLASS_MAP = dict(zip(CLASS_NAMES, ("bike", "waste"), strict=True))


@dataclass(frozen=True)
class TrainConfig:
    seed: int = 0
    images: int = 2400  # training scenes, spread over the styles trained on
    val_images: int = 48  # held-out scenes for ultralytics' final validation (at most)
    # 12 epochs of 2400 scenes: about 90 CPU-minutes on these 2 cores with one thread (scenes
    # ~4.5 CPU-min, each epoch ~7); 5 epochs reach only mAP50 ~0.2 (assets/models/README.md).
    epochs: int = 12
    batch: int = 16
    imgsz: int = IMGSZ
    architecture: str = ARCHITECTURE
    threads: int = 1  # torch threads; on 2 shared cores one thread trains at half the CPU cost
    leave_out: str = LEFT_OUT_STYLE  # the style never trained on, scored as an unseen look
    jobs: int = 1  # processes drawing the scenes
    device: str = "cpu"  # ultralytics' device: "cpu", or "0" for the first GPU

    @property
    def styles(self) -> tuple[str, ...]:
        return train_styles(self.leave_out)

    @property
    def held_out_val(self) -> int:
        """Validation scenes: `val_images`, fewer for a small run (a tenth of it, at least 4)."""
        return min(self.val_images, max(4, self.images // 10))


@dataclass(frozen=True)
class Trained:
    weights: Path
    cpu_s: float  # CPU time of this process and the scene processes it waited for
    wall_s: float
    resumed_after: int | None  # epochs an interrupted run had finished, None for a fresh one


Callback = Callable[[Any], None]


def _cpu_s() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def generate(root: Path, config: TrainConfig) -> Path:
    """The training scenes (seeds from `seed`) and a small held-out slice for validation."""
    first = config.seed * 1_000_000
    seeds = range(first, first + config.images)
    write_scenes(root, "train", config.styles, seeds, Stream.TRAIN, config.jobs)
    val_seeds = range(first, first + config.held_out_val)
    write_scenes(root, "val", config.styles, val_seeds, Stream.HELDOUT, config.jobs)
    return write_data_yaml(root, "train", "val")


def use_threads(threads: int) -> Any:
    """A callback that sets torch's threads (ultralytics sets cpu_count - 1 on CPU, i.e. one
    thread on two cores, whenever it selects a device)."""

    def callback(_trainer: Any) -> None:
        import torch

        torch.set_num_threads(threads)

    return callback


def _checkpoint(last: Path) -> dict[str, Any]:
    import torch

    checkpoint: dict[str, Any] = torch.load(last, map_location="cpu", weights_only=False)
    return checkpoint


def _finished(checkpoint: Mapping[str, Any]) -> bool:
    return checkpoint.get("optimizer") is None  # ultralytics strips it when training ends


def run_dir(work: Path, config: TrainConfig) -> Path:
    return (
        work / "runs" / f"train-{config.images}-e{config.epochs}-{config.imgsz}"
        f"-without-{config.leave_out}"
    )


def train(
    out: Path,
    config: TrainConfig,
    workdir: Path | None = None,
    callbacks: Mapping[str, Callback] | None = None,
) -> Trained:
    """Generate the scenes, train (or resume an interrupted run of the same config), and copy
    the final weights to `out`. `callbacks` are ultralytics events (the tests interrupt a run)."""
    cpu, wall = _cpu_s(), time.monotonic()
    work = (workdir or DEFAULT_WORKDIR / f"seed{config.seed}").resolve()
    data = generate(work / f"data-{config.images}-without-{config.leave_out}", config)
    run = run_dir(work, config)
    last = run / "weights" / "last.pt"
    yolo = yolo_class()
    resumed_after = None

    def prepared(model: Any) -> Any:
        model.add_callback("on_train_epoch_start", use_threads(config.threads))
        for event, callback in (callbacks or {}).items():
            model.add_callback(event, callback)
        return model

    checkpoint = _checkpoint(last) if last.is_file() else None
    if checkpoint is not None and not _finished(checkpoint):
        resumed_after = int(checkpoint["epoch"]) + 1
        log.info("resuming %s after epoch %d", last, resumed_after)
        prepared(yolo(str(last))).train(
            resume=True, data=str(data), workers=0, device=config.device
        )
    elif checkpoint is None:
        prepared(yolo(config.architecture, task="detect")).train(
            data=str(data),
            epochs=config.epochs,
            imgsz=config.imgsz,
            batch=config.batch,
            workers=0,
            device=config.device,
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
    return Trained(out, _cpu_s() - cpu, time.monotonic() - wall, resumed_after)


def score_trained(
    weights: Path,
    config: TrainConfig,
    *,
    images: int,
    min_score: float,
    confidence: float,
) -> dict[str, Report]:
    """The trained model on held-out scenes of every style, as the patrol would use it; the
    left-out style is the look it never saw."""
    from backoffice.vision.detector import YoloDetector
    from backoffice.vision.training.evaluate import evaluate_styles

    detector = YoloDetector(weights, TRAINED_CLASS_MAP, imgsz=config.imgsz, confidence=0.001)
    return evaluate_styles(
        detector, images=images, styles=STYLES, min_score=min_score, confidence=confidence
    )
