"""Every place of the subdistrict in one table, with its geometry as GeoJSON and a bounding box."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.db import Base, UTCDateTime, str_enum
from backoffice.units.models import ResponsibleUnit


class PlaceKind(StrEnum):
    COMMUNITY = "community"
    GRID = "grid"
    ROAD = "road"
    COMPOUND = "compound"
    BUILDING = "building"
    PARK = "park"
    COLLECTION_POINT = "collection_point"


class Place(Base):
    """A community or grid (Polygon), a road (LineString), or a compound, building, park or
    collection point (Point or Polygon). Coordinates are WGS84 [lon, lat]."""

    __tablename__ = "places"
    __table_args__ = (Index("ix_places_kind_bbox", "kind", "min_lon", "min_lat"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[PlaceKind] = mapped_column(str_enum(PlaceKind))
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(150))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("responsible_units.id"))
    geometry: Mapped[dict[str, Any]] = mapped_column(JSON)
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    # Free-form facts of the kind: a collection point's setting ("street" or "compound") and
    # fill threshold, a road's length, a compound's address.
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # When the place came into and went out of use (collection points are merged and removed).
    active_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    active_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

    parent: Mapped[Place | None] = relationship(remote_side=[id])
    unit: Mapped[ResponsibleUnit | None] = relationship()
