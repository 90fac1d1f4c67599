"""Labelled frames behind AI-filed cases, threshold changes, and a camera's learned background."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.cases.models import Case
from backoffice.db import Base, UTCDateTime, str_enum


class Label(StrEnum):
    PENDING = "pending"  # the case is not decided yet
    TRUE = "true"  # the case was closed after verification: the boxes are real objects
    FALSE_ALARM = "false_alarm"  # a unit or an operator found nothing there: a hard negative


class CaseFrame(Base):
    """The raw frame behind one filing of an AI case (the first report or repeated evidence),
    with the boxes (and scores) of the zone's objects on it, labelled by the case's outcome."""

    __tablename__ = "vision_case_frames"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    camera_id: Mapped[int] = mapped_column(
        ForeignKey("vision_cameras.id", ondelete="CASCADE"), index=True
    )
    zone_id: Mapped[int] = mapped_column(ForeignKey("vision_zones.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    jpeg: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    # [{kind, score, box}] of the zone's object kind that the zone's rule counted.
    boxes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    label: Mapped[Label] = mapped_column(str_enum(Label))
    reason: Mapped[str] = mapped_column(Text, default="")
    labelled_by: Mapped[str] = mapped_column(String(100), default="")
    labelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # [{kind, box}]: the real objects on the frame as an operator fixed them on the review page;
    # None until reviewed (then a verified frame's counted boxes stand for them, a false
    # alarm's none).
    truth: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    reviewed_by: Mapped[str] = mapped_column(String(100), default="", server_default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def real_objects(self) -> list[dict[str, Any]]:
        """The objects a dataset labels on this frame."""
        if self.truth is not None:
            return list(self.truth)
        return list(self.boxes) if self.label is Label.TRUE else []

    case: Mapped[Case] = relationship()


class ThresholdChange(Base):
    """One change of a zone's minimum score, or of a camera's (the floor under all its zones:
    `zone_id` empty), from the outcomes; reverting it puts the old value back and is logged on
    the row."""

    __tablename__ = "vision_threshold_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int] = mapped_column(
        ForeignKey("vision_cameras.id", ondelete="CASCADE"), index=True
    )
    zone_id: Mapped[int | None] = mapped_column(
        ForeignKey("vision_zones.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    old_score: Mapped[float] = mapped_column(Float)
    new_score: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")
    by: Mapped[str] = mapped_column(String(100), default="")
    reverted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reverted_by: Mapped[str] = mapped_column(String(100), default="")


class StaticSpot(Base):
    """A place on a fixed camera where a detection keeps coming back while the scene there does
    not change; once seen often enough over long enough it is learned as background and its
    detections are dropped, until someone clears it."""

    __tablename__ = "vision_static_spots"

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int] = mapped_column(
        ForeignKey("vision_cameras.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    box: Mapped[list[float]] = mapped_column(JSON)  # shares of the frame: x1 y1 x2 y2
    look: Mapped[bytes] = mapped_column(LargeBinary)  # small grey crop of the place, raw bytes
    hits: Mapped[int] = mapped_column(Integer, default=1)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_at: Mapped[datetime] = mapped_column(UTCDateTime())
    learned: Mapped[bool] = mapped_column(Boolean, default=False)
    learned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    suppressed: Mapped[int] = mapped_column(Integer, default=0)


class FalseDaily(Base):
    """False detections per camera per day: detections dropped as learned background, and
    frames of cases marked false alarm."""

    __tablename__ = "vision_false_daily"
    __table_args__ = (UniqueConstraint("camera_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("vision_cameras.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    suppressed: Mapped[int] = mapped_column(Integer, default=0)
    false_alarms: Mapped[int] = mapped_column(Integer, default=0)


class ModelRole(StrEnum):
    CANDIDATE = "candidate"  # runs in the shadow of the active one on a sample of patrols
    ACTIVE = "active"  # the patrol's detector (none active: the configured weights)
    RETIRED = "retired"  # replaced, rolled back, or a candidate withdrawn


class DetectorModel(Base):
    """A detector registered with the back office: its weights travel in the database, so
    every API process and worker loads the same file (kept on disk by its SHA-256)."""

    __tablename__ = "vision_detector_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    weights: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    class_map: Mapped[dict[str, str]] = mapped_column(JSON)
    imgsz: Mapped[int] = mapped_column(Integer)
    share: Mapped[float] = mapped_column(Float, default=0.2)  # of patrols it shadows
    role: Mapped[ModelRole] = mapped_column(str_enum(ModelRole), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    added_by: Mapped[str] = mapped_column(String(100), default="")
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text, default="")  # the comparison it was promoted on


class ShadowLook(Base):
    """One zone on one patrol the candidate shadowed: whether each model saw the zone's
    condition (the rule's count or fill) on the same frame, and the AI case of the zone open
    then, whose outcome later says which was right."""

    __tablename__ = "vision_shadow_looks"

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(
        ForeignKey("vision_detector_models.id", ondelete="CASCADE"), index=True
    )
    camera_id: Mapped[int] = mapped_column(ForeignKey("vision_cameras.id", ondelete="CASCADE"))
    zone_id: Mapped[int] = mapped_column(ForeignKey("vision_zones.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    active_met: Mapped[bool] = mapped_column(Boolean)
    candidate_met: Mapped[bool] = mapped_column(Boolean)
    active_value: Mapped[float] = mapped_column(Float)
    candidate_value: Mapped[float] = mapped_column(Float)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
