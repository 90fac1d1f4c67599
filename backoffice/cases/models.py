"""Case tables: taxonomy, dispatch rules, cases with photos, timeline and intake reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.access import Scope
from backoffice.cases.photos import PhotoKind
from backoffice.cases.states import CasePriority, CaseSource, CaseState
from backoffice.db import Base, UTCDateTime, str_enum
from backoffice.places.models import Place
from backoffice.units.models import ResponsibleUnit


class CaseCategory(Base):
    """大类: an event or component category (GB/T 30428-style code such as E-01, C-02)."""

    __tablename__ = "case_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # "event" or "component"
    name_zh: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(100))


class CaseType(Base):
    """小类: one case type with its time limit, filing criteria and default unit kind."""

    __tablename__ = "case_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("case_categories.id"))
    name_zh: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(120))
    time_limit_h: Mapped[float] = mapped_column(Float)
    working_hours: Mapped[bool] = mapped_column(Boolean)
    filing_criteria: Mapped[str] = mapped_column(Text)
    default_unit_kind: Mapped[str] = mapped_column(String(40))
    priority: Mapped[CasePriority] = mapped_column(str_enum(CasePriority))
    dedupe_radius_m: Mapped[float] = mapped_column(Float, default=0.0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    category: Mapped[CaseCategory] = relationship()


class DispatchRule(Base):
    """Rows matched in priority order (lowest first); the first match dispatches the case.

    Empty criteria match anything; the time window is local minutes after midnight
    (Asia/Shanghai) and may wrap past midnight (start > end).
    """

    __tablename__ = "dispatch_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    priority: Mapped[int] = mapped_column(Integer)
    type_code: Mapped[str | None] = mapped_column(String(12))
    category_code: Mapped[str | None] = mapped_column(String(10))
    road_code: Mapped[str | None] = mapped_column(String(40))
    grid_code: Mapped[str | None] = mapped_column(String(40))
    community_code: Mapped[str | None] = mapped_column(String(40))
    place_code: Mapped[str | None] = mapped_column(String(40))
    start_minute: Mapped[int | None] = mapped_column(Integer)
    end_minute: Mapped[int | None] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(ForeignKey("responsible_units.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(String(200), default="")

    unit: Mapped[ResponsibleUnit] = relationship()


class CaseCounter(Base):
    """The last case number handed out per year (JSL-2026-000123)."""

    __tablename__ = "case_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_state_type", "state", "type_id"),
        Index("ix_cases_unit_state", "unit_id", "state"),
        Index("ix_cases_dedupe", "type_id", "dedupe_key"),
        # De-duplication by distance: the open cases of one type in a band of longitude.
        Index("ix_cases_dedupe_near", "type_id", "state", "lon"),
        Index("ix_cases_reported_at", "reported_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    source: Mapped[CaseSource] = mapped_column(str_enum(CaseSource))
    type_id: Mapped[int] = mapped_column(ForeignKey("case_types.id"))
    state: Mapped[CaseState] = mapped_column(str_enum(CaseState))
    priority: Mapped[CasePriority] = mapped_column(str_enum(CasePriority))
    description: Mapped[str] = mapped_column(Text)
    # What the system wrote, as a fact rendered in the reader's language (cases/descriptions).
    description_fact: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    road_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"))
    road_distance_m: Mapped[float | None] = mapped_column(Float)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"))
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("responsible_units.id"))
    supervisor_unit_id: Mapped[int | None] = mapped_column(ForeignKey("responsible_units.id"))
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    dispatched_by_rule: Mapped[bool | None] = mapped_column(Boolean)
    dispatch_rule_id: Mapped[int | None] = mapped_column(ForeignKey("dispatch_rules.id"))
    time_limit_h: Mapped[float] = mapped_column(Float)
    working_hours: Mapped[bool] = mapped_column(Boolean)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    extension_requested_h: Mapped[float | None] = mapped_column(Float)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    report_count: Mapped[int] = mapped_column(Integer, default=1)
    reporter: Mapped[str] = mapped_column(String(100), default="")
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    filed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    type: Mapped[CaseType] = relationship()
    unit: Mapped[ResponsibleUnit | None] = relationship(foreign_keys=[unit_id])
    supervisor_unit: Mapped[ResponsibleUnit | None] = relationship(
        foreign_keys=[supervisor_unit_id]
    )
    road: Mapped[Place | None] = relationship(foreign_keys=[road_id])
    grid: Mapped[Place | None] = relationship(foreign_keys=[grid_id])
    community: Mapped[Place | None] = relationship(foreign_keys=[community_id])
    place: Mapped[Place | None] = relationship(foreign_keys=[place_id])
    photos: Mapped[list[CasePhoto]] = relationship(
        back_populates="case", order_by="CasePhoto.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan"
    )

    def access_scope(self) -> Scope:
        return Scope(unit_id=self.unit_id)


class CaseEvent(Base):
    """One line of the timeline: an action, the states before and after, who, when and why."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case_at", "case_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[CaseState | None] = mapped_column(str_enum(CaseState))
    to_state: Mapped[CaseState] = mapped_column(str_enum(CaseState))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text, default="")
    reason_fact: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("responsible_units.id"))

    case: Mapped[Case] = relationship(back_populates="events")
    unit: Mapped[ResponsibleUnit | None] = relationship()


class CasePhoto(Base):
    __tablename__ = "case_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[PhotoKind] = mapped_column(str_enum(PhotoKind))
    path: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(20))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    taken_by: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime())

    case: Mapped[Case] = relationship(back_populates="photos")


class CaseReportRow(Base):
    """Every report that reached intake, including those attached to an open case as evidence.
    The same source and external reference file once (idempotent intake)."""

    __tablename__ = "case_reports"
    __table_args__ = (UniqueConstraint("source", "external_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    source: Mapped[CaseSource] = mapped_column(str_enum(CaseSource))
    external_ref: Mapped[str | None] = mapped_column(String(200))
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    reporter: Mapped[str] = mapped_column(String(100), default="")
    description: Mapped[str] = mapped_column(Text)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    created_case: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UTCDateTime())

    case: Mapped[Case] = relationship()
