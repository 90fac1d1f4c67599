"""Train the shipped detector from scratch on generated scenes (no pretrained weights exist here).

`zhili-backoffice vision train` runs this; fixed seeds make the run repeatable on one machine.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from backoffice.vision.training.synth import Split, write_data_yaml, write_dataset
from backoffice.vision.yolo import yolo_class

IMGSZ = 320
ARCHITECTURE = "yolo11n.yaml"


@dataclass(frozen=True)
class TrainConfig:
    seed: int = 0
    images: int = 300
    val_images: int = 40
    epochs: int = 35
    batch: int = 16
    imgsz: int = IMGSZ
    architecture: str = ARCHITECTURE
    workers: int = 2


def generate(root: Path, config: TrainConfig) -> Path:
    """The training scenes (seeds from `seed`) and a small validation slice after them."""
    first = config.seed * 1_000_000
    write_dataset(root, range(first, first + config.images), Split.TRAIN, "train")
    val_first = first + config.images
    write_dataset(root, range(val_first, val_first + config.val_images), Split.TRAIN, "val")
    return write_data_yaml(root, "train", "val")


def train(out: Path, config: TrainConfig, workdir: Path | None = None) -> Path:
    """Generate the scenes, train, and copy the final weights to `out`."""
    with tempfile.TemporaryDirectory(prefix="zhili-train-") as tmp:
        work = workdir or Path(tmp)
        data = generate(work / "data", config)
        model = yolo_class()(config.architecture, task="detect")
        model.train(
            data=str(data),
            epochs=config.epochs,
            imgsz=config.imgsz,
            batch=config.batch,
            workers=config.workers,
            device="cpu",
            seed=config.seed,
            deterministic=True,
            pretrained=False,
            amp=False,  # the AMP check would fetch weights; CPU trains in fp32 anyway
            plots=False,  # plots would fetch a font
            val=False,  # validate once, at the end
            cache=False,  # a RAM cache makes runs non-deterministic
            project=str((work / "runs").resolve()),  # relative would land under runs/detect
            name="train",
            exist_ok=True,
            verbose=False,
            fliplr=0.5,
            mosaic=1.0,
            close_mosaic=5,
        )
        last = Path(model.trainer.save_dir) / "weights" / "last.pt"
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(last, out)
    return out
