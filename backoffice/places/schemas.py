"""Request and response bodies of the places API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from backoffice.inputs import Moment
from backoffice.places.models import PlaceKind

# A place's attributes: flat facts (an address, a setting, a threshold), nothing nested.
AttributeValue = str | int | float | bool | None
Position = list[float]  # [lon, lat]


class GeometryOut(BaseModel):
    """A GeoJSON geometry in WGS84, positions as [lon, lat]."""

    type: Literal["Point", "LineString", "Polygon", "MultiLineString", "MultiPolygon"]
    coordinates: Position | list[Position] | list[list[Position]] | list[list[list[Position]]]


class PlaceCreate(BaseModel):
    code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{1,39}$")
    kind: PlaceKind
    name_zh: str = Field(min_length=1, max_length=100)
    name_en: str = Field(min_length=1, max_length=150)
    geometry: dict[str, Any] = Field(description="GeoJSON geometry in WGS84 [lon, lat]")
    parent_code: str | None = None
    unit_code: str | None = None
    attributes: dict[str, AttributeValue] = Field(default_factory=dict)
    active_from: Moment | None = None
    active_until: Moment | None = None


class PlaceUpdate(BaseModel):
    name_zh: str | None = Field(default=None, min_length=1, max_length=100)
    name_en: str | None = Field(default=None, min_length=1, max_length=150)
    geometry: dict[str, Any] | None = None
    parent_code: str | None = None
    unit_code: str | None = None
    attributes: dict[str, AttributeValue] | None = None
    active_from: Moment | None = None
    active_until: Moment | None = None


class PlaceOut(BaseModel):
    code: str
    kind: PlaceKind
    name_zh: str
    name_en: str
    parent_code: str | None
    unit_code: str | None
    geometry: GeometryOut
    attributes: dict[str, AttributeValue]
    active_from: datetime | None
    active_until: datetime | None


class Resolution(BaseModel):
    """Where a point is: its grid and community, the nearest road, the site it is at."""

    lon: float
    lat: float
    grid_code: str | None
    community_code: str | None
    road_code: str | None
    road_name_zh: str | None
    road_distance_m: float | None
    place_code: str | None
