"""Request and response bodies of the AI patrol API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from backoffice.vision.models import CameraStatus, SourceKind
from backoffice.vision.rules import RuleKind

CAMERA_CODE = r"^[A-Za-z0-9][A-Za-z0-9_-]{1,39}$"


class CameraCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=CAMERA_CODE, description="Short id of the camera, e.g. CAM-JS-328S.")
    name: str = Field(min_length=1, max_length=100)
    road_code: str | None = Field(default=None, max_length=40)
    grid_code: str | None = Field(default=None, max_length=40)
    place_code: str | None = Field(default=None, max_length=40)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    source_kind: SourceKind
    source_url: str = Field(
        default="",
        max_length=500,
        description="http(s) snapshot URL, rtsp:// URL, or a file path; empty for pushed frames.",
    )
    interval_s: int = Field(default=60, ge=5, le=86400, description="Seconds between patrols.")
    enabled: bool = True


class CameraUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=100)
    source_url: str | None = Field(default=None, max_length=500)
    interval_s: int | None = Field(default=None, ge=5, le=86400)
    enabled: bool | None = None


class CameraOut(BaseModel):
    code: str
    name: str
    road_code: str | None
    grid_code: str | None
    place_code: str | None
    lon: float | None
    lat: float | None
    source_kind: SourceKind
    source_url: str
    interval_s: int
    enabled: bool
    status: CameraStatus
    failures: int
    last_error: str
    last_frame_at: datetime | None
    next_visit_at: datetime | None


class ZoneCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    rule: RuleKind
    polygon: list[list[float]] = Field(
        description="Corners [x, y] in order, as shares (0..1) of the frame's width and height."
    )
    type_code: str | None = Field(
        default=None,
        max_length=12,
        description="Case type filed by this zone; default: the rule's type in the taxonomy.",
    )
    place_code: str | None = Field(default=None, max_length=40)
    dwell_s: int | None = Field(
        default=None,
        ge=0,
        le=7 * 86400,
        description="Seconds the condition must hold (no-parking default 600, collection 1800).",
    )
    inertia: int = Field(default=3, ge=1, le=100, description="Patrols in a row to start or end.")
    min_count: int = Field(default=1, ge=1, le=100, description="Bikes needed (no-parking).")
    threshold: float = Field(
        default=0.5, gt=0, le=1, description="Fill level that files a case (collection point)."
    )
    repeat_every_s: int = Field(default=3600, ge=60, le=7 * 86400)
    min_score: float = Field(default=0.4, ge=0, le=1)
    min_area: float = Field(default=0.0, ge=0, le=1, description="Share of the frame.")
    max_area: float = Field(default=1.0, gt=0, le=1, description="Share of the frame.")


class ZoneOut(BaseModel):
    id: int
    camera_code: str
    name: str
    rule: RuleKind
    polygon: list[list[float]]
    type_code: str
    place_code: str | None
    enabled: bool
    dwell_s: int
    inertia: int
    min_count: int
    threshold: float
    repeat_every_s: int
    min_score: float
    min_area: float
    max_area: float
    value: float = Field(description="Last measured count (no-parking) or fill level.")
    condition_since: datetime | None
    raised_at: datetime | None
    has_reference: bool


class DetectionOut(BaseModel):
    kind: str
    score: float
    box: tuple[float, float, float, float]


class ZoneResultOut(BaseModel):
    zone_id: int
    count: int
    fill: float
    event: str | None
    case_number: str | None
    dispatched_to: str | None


class FrameResultOut(BaseModel):
    camera_code: str
    at: datetime
    width: int
    height: int
    detections: list[DetectionOut]
    zones: list[ZoneResultOut]
    verified_cases: list[str] = Field(description="Camera cases this frame closed or returned.")
    replayed: bool = Field(default=False, description="True: a retry answered from the first.")
