"""Cameras, their zones (polygon + rule + state), and frames pushed by camera gateways."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.db import Base, UTCDateTime, str_enum
from backoffice.vision.rules import RuleKind


class SourceKind(StrEnum):
    SNAPSHOT = "snapshot"  # an HTTP(S) URL answering one JPEG/PNG per GET
    RTSP = "rtsp"  # an RTSP stream read with OpenCV
    FILE = "file"  # a video file (or a still image) on the back office's disk
    PUSH = "push"  # a camera gateway POSTs frames to the API


class CameraStatus(StrEnum):
    UNKNOWN = "unknown"
    ONLINE = "online"
    OFFLINE = "offline"


class Camera(Base):
    __tablename__ = "vision_cameras"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    road_code: Mapped[str | None] = mapped_column(String(40))
    grid_code: Mapped[str | None] = mapped_column(String(40))
    place_code: Mapped[str | None] = mapped_column(String(40))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    source_kind: Mapped[SourceKind] = mapped_column(str_enum(SourceKind))
    source_url: Mapped[str] = mapped_column(String(500), default="")
    interval_s: Mapped[int] = mapped_column(Integer, default=60)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[CameraStatus] = mapped_column(str_enum(CameraStatus))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_frame_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_visit_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The lease of the visit under way: whoever holds `lease_token` until `lease_until` visits
    # the camera; nobody else claims it meanwhile (`patrol.claim_due`).
    lease_token: Mapped[str | None] = mapped_column(String(40))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    frame_width: Mapped[int | None] = mapped_column(Integer)
    frame_height: Mapped[int | None] = mapped_column(Integer)
    # A floor under every zone's minimum score, raised from the camera's outcomes as a whole
    # (vision.learning.thresholds); 0: the zones' own minimum scores only.
    min_score: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    zones: Mapped[list[Zone]] = relationship(
        back_populates="camera", order_by="Zone.id", cascade="all, delete-orphan"
    )


class Zone(Base):
    """A polygon on the camera's frame (shares of width and height) with its rule."""

    __tablename__ = "vision_zones"

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int] = mapped_column(
        ForeignKey("vision_cameras.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    rule: Mapped[RuleKind] = mapped_column(str_enum(RuleKind))
    polygon: Mapped[list[list[float]]] = mapped_column(JSON)
    type_code: Mapped[str] = mapped_column(String(12))
    place_code: Mapped[str | None] = mapped_column(String(40))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    dwell_s: Mapped[int] = mapped_column(Integer)
    inertia: Mapped[int] = mapped_column(Integer)
    min_count: Mapped[int] = mapped_column(Integer, default=1)
    threshold: Mapped[float] = mapped_column(Float, default=0.5)
    repeat_every_s: Mapped[int] = mapped_column(Integer, default=3600)
    min_score: Mapped[float] = mapped_column(Float, default=0.4)
    min_area: Mapped[float] = mapped_column(Float, default=0.0)
    max_area: Mapped[float] = mapped_column(Float, default=1.0)
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The zone's clean look (a JPEG of the zone's bounding crop), for before/after comparison.
    reference_jpeg: Mapped[bytes | None] = mapped_column(LargeBinary)
    reference_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reference_frame_w: Mapped[int | None] = mapped_column(Integer)
    reference_frame_h: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    camera: Mapped[Camera] = relationship(back_populates="zones")


class PushedFrame(Base):
    """One frame a gateway pushed, remembered by its idempotency key so a retry is answered
    with the first result instead of being counted twice."""

    __tablename__ = "vision_pushed_frames"
    __table_args__ = (UniqueConstraint("camera_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("vision_cameras.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    result: Mapped[dict[str, Any]] = mapped_column(JSON)


class LatestFrame(Base):
    """The newest frame of each camera (JPEG), for the verifier and the operators' view."""

    __tablename__ = "vision_latest_frames"

    camera_id: Mapped[int] = mapped_column(
        ForeignKey("vision_cameras.id", ondelete="CASCADE"), primary_key=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    jpeg: Mapped[bytes] = mapped_column(LargeBinary)
    # What the detector saw on this frame ({kind, score, box} each), drawn over it on the page.
    detections: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
