"""Seed the subdistrict's places from the GeoJSON files in assets/places (add or update)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.places import geometry as geo
from backoffice.places.models import Place, PlaceKind
from backoffice.places.service import GEOMETRY_BY_KIND
from backoffice.units.models import ResponsibleUnit

PLACES_DIR = Path(__file__).resolve().parents[2] / "assets" / "places"
# Parents first: grids name their community.
PLACE_FILES = (
    "communities.geojson",
    "grids.geojson",
    "roads.geojson",
    "sites.geojson",
    "collection_points.geojson",
)


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def seed_places(db: Session, folder: Path = PLACES_DIR) -> int:
    """Upsert every feature; returns how many the files hold."""
    places = {p.code: p for p in db.scalars(select(Place))}
    units = {u.code: u.id for u in db.scalars(select(ResponsibleUnit))}
    count = 0
    for name in PLACE_FILES:
        collection: dict[str, Any] = json.loads((folder / name).read_text(encoding="utf-8"))
        for feature in collection["features"]:
            props = feature["properties"]
            kind = PlaceKind(props["kind"])
            try:
                geometry = geo.check_geometry(feature["geometry"], GEOMETRY_BY_KIND[kind])
            except geo.GeometryError as exc:
                raise ValueError(f"{name}: {props['code']}: {exc}") from exc
            place = places.get(props["code"])
            if place is None:
                place = Place(code=props["code"])
                db.add(place)
                places[place.code] = place
            place.kind = kind
            place.name_zh = props["name_zh"]
            place.name_en = props["name_en"]
            parent_code = props.get("parent_code")
            place.parent = places[parent_code] if parent_code else None
            unit_code = props.get("unit_code")
            if unit_code is not None and unit_code not in units:
                raise ValueError(f"{name}: {props['code']} names unknown unit {unit_code}")
            place.unit_id = units[unit_code] if unit_code else None
            place.geometry = geometry
            place.min_lon, place.min_lat, place.max_lon, place.max_lat = geo.bbox(geometry)
            place.attributes = props.get("attributes") or {}
            place.active_from = _when(props.get("active_from"))
            place.active_until = _when(props.get("active_until"))
            count += 1
    db.flush()
    return count
