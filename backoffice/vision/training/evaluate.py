"""Evaluate a detector on held-out generated scenes: other seeds, other light, other distractors.

`zhili-backoffice vision evaluate` prints one JSON line with map50 and map50_95.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from backoffice.vision.training.synth import Split, write_data_yaml, write_dataset
from backoffice.vision.training.train import IMGSZ
from backoffice.vision.yolo import yolo_class

HELDOUT_SEED = 7


@dataclass(frozen=True)
class Scores:
    map50: float
    map50_95: float
    images: int

    def as_json(self) -> dict[str, float | int]:
        return {
            "map50": round(self.map50, 4),
            "map50_95": round(self.map50_95, 4),
            "images": self.images,
        }


def evaluate(
    weights: Path, *, seed: int = HELDOUT_SEED, images: int = 100, imgsz: int = IMGSZ
) -> Scores:
    """mAP of the weights on `images` held-out scenes drawn from `seed`."""
    if not weights.is_file():
        raise FileNotFoundError(f"no weights file at {weights}")
    with tempfile.TemporaryDirectory(prefix="zhili-eval-") as tmp:
        root = Path(tmp)
        first = seed * 1_000_000
        write_dataset(root, range(first, first + images), Split.HELDOUT, "heldout")
        data = write_data_yaml(root, "heldout", "heldout")
        model = yolo_class()(str(weights))
        metrics = model.val(
            data=str(data),
            split="val",
            imgsz=imgsz,
            batch=16,
            device="cpu",
            plots=False,
            verbose=False,
            workers=0,
            project=str(root / "runs"),
            name="val",
        )
        return Scores(float(metrics.box.map50), float(metrics.box.map), images)
