"""The one place that imports ultralytics, after making sure it stays offline."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def offline_environment() -> None:
    """Ultralytics must never reach the network nor install packages: no weights, fonts or
    telemetry can be fetched here, and a silent attempt would hang a patrol for a timeout."""
    os.environ.setdefault("YOLO_OFFLINE", "true")
    os.environ.setdefault("YOLO_AUTOINSTALL", "false")
    os.environ.setdefault("YOLO_CONFIG_DIR", str(ROOT / "var" / "ultralytics"))
    Path(os.environ["YOLO_CONFIG_DIR"]).mkdir(parents=True, exist_ok=True)


def yolo_class() -> Any:
    """`ultralytics.YOLO`, imported with the offline environment in place."""
    offline_environment()
    from ultralytics import YOLO, settings

    # Telemetry and logger integrations off for good, whatever the settings file said before.
    off = ("sync", "clearml", "comet", "dvc", "mlflow", "raytune", "tensorboard", "wandb")
    settings.update({key: False for key in off})
    return YOLO
