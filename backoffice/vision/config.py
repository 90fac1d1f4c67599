"""AI patrol settings, read from ZHILI_VISION_* environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from backoffice.vision.yolo import ROOT

SHIPPED_WEIGHTS = ROOT / "assets" / "models" / "zhili-patrol-yolo11n-320.pt"
SHIPPED_CLASS_MAP = {"shared_bike": "bike", "waste_pile": "waste"}
SHIPPED_IMGSZ = 320


class VisionSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ZHILI_VISION_", extra="ignore")

    weights: Path = Field(
        default=SHIPPED_WEIGHTS,
        description=(
            "YOLO detection weights (.pt). The default is the model the project trains on "
            "generated scenes; point this at a real model to use it instead."
        ),
    )
    class_map: dict[str, str] = Field(
        default_factory=lambda: dict(SHIPPED_CLASS_MAP),
        description=(
            "JSON object from the model's class names to what the patrol looks for ('bike', "
            'waste\'), e.g. {"bicycle": "bike"} for a COCO model. Unmapped classes are ignored.'
        ),
    )
    imgsz: int = Field(
        default=SHIPPED_IMGSZ,
        ge=32,
        le=1920,
        description="Inference size; use the size the model was trained at.",
    )
    tiles: str = Field(
        default="1x1",
        pattern=r"^[1-8]x[1-8]$",
        description=(
            "Columns x rows of overlapping tiles the detector looks at besides the whole frame, "
            "e.g. 3x2 for a 1280x720 camera whose bikes are small: each tile keeps more pixels "
            "of a far object but costs one more inference. 1x1: the whole frame only."
        ),
    )
    confidence: float = Field(
        default=0.25, ge=0.01, le=1.0, description="Lowest detector score kept before zone filters."
    )
    patrol_poll_s: float = Field(
        default=5.0,
        ge=0,
        description=(
            "Seconds between looks for cameras due a visit; 0 turns the in-process patrol off."
        ),
    )
    max_frame_bytes: int = Field(
        default=8 * 1024 * 1024, ge=1024, description="Largest pushed frame accepted, in bytes."
    )
    max_frame_side: int = Field(
        default=4096, ge=64, description="Largest width or height of a frame, in pixels."
    )
    offline_backoff_max_s: int = Field(
        default=600,
        ge=1,
        description="Longest wait before retrying a camera that stopped answering.",
    )
    source_timeout_s: float = Field(
        default=10.0, gt=0, description="Seconds to wait for a camera's snapshot or stream frame."
    )

    @property
    def tile_grid(self) -> tuple[int, int]:
        columns, rows = self.tiles.split("x")
        return int(columns), int(rows)


@lru_cache
def get_vision_settings() -> VisionSettings:
    return VisionSettings()
