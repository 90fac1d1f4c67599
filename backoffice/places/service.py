"""Find, create and edit places, and resolve a reported point to its grid and nearest road."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backoffice.errors import BadInput, Conflict, NotFound
from backoffice.places import geometry as geo
from backoffice.places.models import Place, PlaceKind
from backoffice.places.schemas import PlaceCreate, PlaceOut, PlaceUpdate
from backoffice.units.models import ResponsibleUnit

GEOMETRY_BY_KIND: dict[PlaceKind, tuple[str, ...]] = {
    PlaceKind.COMMUNITY: ("Polygon",),
    PlaceKind.GRID: ("Polygon",),
    PlaceKind.ROAD: ("LineString",),
    PlaceKind.COMPOUND: ("Point", "Polygon"),
    PlaceKind.BUILDING: ("Point", "Polygon"),
    PlaceKind.PARK: ("Point", "Polygon"),
    PlaceKind.COLLECTION_POINT: ("Point", "Polygon"),
}
PARENT_KIND = {PlaceKind.GRID: PlaceKind.COMMUNITY}
SITE_KINDS = (
    PlaceKind.COMPOUND,
    PlaceKind.BUILDING,
    PlaceKind.PARK,
    PlaceKind.COLLECTION_POINT,
)
# A reported point this close to a point-shaped site (a collection point, a building entrance)
# is taken to be at that site.
SITE_SNAP_M = 30.0
# Degrees of latitude/longitude that cover the snap distance with room to spare at 31°N.
_SNAP_DEG = 0.0005


@dataclass(frozen=True)
class Location:
    """Where a report is: every field may be unknown except what the caller gave."""

    grid: Place | None = None
    community: Place | None = None
    road: Place | None = None
    road_distance_m: float | None = None
    site: Place | None = None


def get_place(db: Session, code: str) -> Place:
    place = db.scalars(select(Place).where(Place.code == code)).first()
    if place is None:
        raise NotFound(f"No place has the code '{code}'.")
    return place


def _place_of_kind(db: Session, code: str, kinds: Sequence[PlaceKind], field: str) -> Place:
    place = db.scalars(select(Place).where(Place.code == code)).first()
    names = " or ".join(k.value for k in kinds)
    if place is None:
        raise BadInput(f"Unknown place '{code}': no {names} has this code.", field=field)
    if place.kind not in kinds:
        raise BadInput(f"'{code}' is a {place.kind}, not a {names}.", field=field)
    return place


def grid_at(db: Session, point: geo.Point) -> Place | None:
    lon, lat = point
    candidates = db.scalars(
        select(Place).where(
            Place.kind == PlaceKind.GRID,
            Place.min_lon <= lon,
            Place.max_lon >= lon,
            Place.min_lat <= lat,
            Place.max_lat >= lat,
        )
    )
    for grid in candidates:
        if geo.point_in_polygon(point, grid.geometry["coordinates"]):
            return grid
    return None


def nearest_road(db: Session, point: geo.Point) -> tuple[Place, float] | None:
    # Plain rows, not ORM objects: this runs on every filing and only the winner is needed.
    roads = db.execute(
        select(Place.id, Place.code, Place.geometry).where(Place.kind == PlaceKind.ROAD)
    ).all()
    if not roads:
        return None
    distance, _code, road_id = min(
        (geo.distance_to_polyline_m(point, geometry["coordinates"]), code, road_id)
        for road_id, code, geometry in roads
    )
    return db.get_one(Place, road_id), distance


def site_at(db: Session, point: geo.Point, now: datetime | None = None) -> Place | None:
    """The point-shaped site within SITE_SNAP_M, else the polygon site that contains the point.
    Sites out of use (a removed collection point) are left out: those retired by `now`, or
    any retired one when no time is given."""
    lon, lat = point
    in_use = (
        Place.active_until.is_(None)
        if now is None
        else or_(Place.active_until.is_(None), Place.active_until > now)
    )
    candidates = db.scalars(
        select(Place).where(
            Place.kind.in_(SITE_KINDS),
            in_use,
            Place.min_lon <= lon + _SNAP_DEG,
            Place.max_lon >= lon - _SNAP_DEG,
            Place.min_lat <= lat + _SNAP_DEG,
            Place.max_lat >= lat - _SNAP_DEG,
        )
    ).all()
    points = [
        (geo.distance_to_geometry_m(point, p.geometry), p)
        for p in candidates
        if p.geometry["type"] == "Point"
    ]
    near = [pair for pair in points if pair[0] <= SITE_SNAP_M]
    if near:
        return min(near, key=lambda pair: (pair[0], pair[1].code))[1]
    containing = [
        p
        for p in candidates
        if p.geometry["type"] == "Polygon"
        and geo.point_in_polygon(point, p.geometry["coordinates"])
    ]
    # The smallest containing polygon is the most specific (a building inside a park).
    return min(containing, key=_area_key, default=None)


def _area_key(place: Place) -> tuple[float, str]:
    return ((place.max_lon - place.min_lon) * (place.max_lat - place.min_lat), place.code)


def locate(
    db: Session,
    *,
    point: geo.Point | None,
    road_code: str | None = None,
    grid_code: str | None = None,
    place_code: str | None = None,
    now: datetime | None = None,
) -> Location:
    """Codes the caller gave win; a point fills in what was not given. 422 for unknown codes
    and for a point outside every grid of the subdistrict."""
    grid = _place_of_kind(db, grid_code, [PlaceKind.GRID], "grid_code") if grid_code else None
    road = _place_of_kind(db, road_code, [PlaceKind.ROAD], "road_code") if road_code else None
    site = _place_of_kind(db, place_code, SITE_KINDS, "place_code") if place_code else None
    road_distance: float | None = None
    if point is not None:
        if grid is None:
            grid = grid_at(db, point)
            if grid is None:
                raise BadInput(
                    f"The point lon {point[0]}, lat {point[1]} lies outside every grid of the "
                    "subdistrict; check the coordinates (WGS84, lon first).",
                    field="lon",
                )
        if road is None:
            nearest = nearest_road(db, point)
            if nearest is not None:
                road, road_distance = nearest
        else:
            road_distance = geo.distance_to_polyline_m(point, road.geometry["coordinates"])
        if site is None:
            site = site_at(db, point, now)
    community = grid.parent if grid is not None else None
    return Location(
        grid=grid, community=community, road=road, road_distance_m=road_distance, site=site
    )


def _unit_id(db: Session, code: str | None) -> int | None:
    if code is None:
        return None
    unit = db.scalars(select(ResponsibleUnit).where(ResponsibleUnit.code == code)).first()
    if unit is None:
        raise BadInput(f"No responsible unit has the code '{code}'.", field="unit_code")
    return unit.id


def _checked_geometry(kind: PlaceKind, geometry: Any) -> dict[str, Any]:
    try:
        return geo.check_geometry(geometry, GEOMETRY_BY_KIND[kind])
    except geo.GeometryError as exc:
        raise BadInput(f"The {kind}'s geometry is not usable: {exc}.", field="geometry") from exc


def _parent_id(db: Session, kind: PlaceKind, code: str | None) -> int | None:
    if code is None:
        if kind in PARENT_KIND:
            raise BadInput(
                f"A {kind} belongs to a {PARENT_KIND[kind]}: give parent_code.",
                field="parent_code",
            )
        return None
    parent = db.scalars(select(Place).where(Place.code == code)).first()
    if parent is None:
        raise BadInput(f"Unknown parent place '{code}'.", field="parent_code")
    expected = PARENT_KIND.get(kind)
    if expected is not None and parent.kind is not expected:
        raise BadInput(
            f"A {kind}'s parent must be a {expected}; '{code}' is a {parent.kind}.",
            field="parent_code",
        )
    return parent.id


def _set_geometry(place: Place, geometry: dict[str, Any]) -> None:
    place.geometry = geometry
    place.min_lon, place.min_lat, place.max_lon, place.max_lat = geo.bbox(geometry)


def create_place(db: Session, data: PlaceCreate) -> Place:
    if db.scalars(select(Place.id).where(Place.code == data.code)).first() is not None:
        raise Conflict(f"A place with the code '{data.code}' exists already.")
    place = Place(
        code=data.code,
        kind=data.kind,
        name_zh=data.name_zh,
        name_en=data.name_en,
        parent_id=_parent_id(db, data.kind, data.parent_code),
        unit_id=_unit_id(db, data.unit_code),
        attributes=dict(data.attributes),
        active_from=_utc(data.active_from, "active_from"),
        active_until=_utc(data.active_until, "active_until"),
    )
    _check_active_span(place.active_from, place.active_until)
    _set_geometry(place, _checked_geometry(data.kind, data.geometry))
    db.add(place)
    db.flush()
    return place


def update_place(db: Session, place: Place, data: PlaceUpdate) -> Place:
    given = data.model_fields_set
    if "name_zh" in given and data.name_zh is not None:
        place.name_zh = data.name_zh
    if "name_en" in given and data.name_en is not None:
        place.name_en = data.name_en
    if "geometry" in given and data.geometry is not None:
        _set_geometry(place, _checked_geometry(place.kind, data.geometry))
    if "parent_code" in given:
        place.parent_id = _parent_id(db, place.kind, data.parent_code)
    if "unit_code" in given:
        place.unit_id = _unit_id(db, data.unit_code)
    if "attributes" in given and data.attributes is not None:
        place.attributes = dict(data.attributes)
    if "active_from" in given:
        place.active_from = _utc(data.active_from, "active_from")
    if "active_until" in given:
        place.active_until = _utc(data.active_until, "active_until")
    _check_active_span(place.active_from, place.active_until)
    db.flush()
    return place


def _utc(moment: datetime | None, field: str) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise BadInput(f"{field} needs a time zone, e.g. 2026-12-01T00:00:00+08:00.", field=field)
    return moment.astimezone(UTC)


def _check_active_span(start: datetime | None, end: datetime | None) -> None:
    if start is not None and end is not None and end < start:
        raise BadInput("active_until is before active_from.", field="active_until")


def describe(place: Place) -> PlaceOut:
    return PlaceOut(
        code=place.code,
        kind=place.kind,
        name_zh=place.name_zh,
        name_en=place.name_en,
        parent_code=place.parent.code if place.parent else None,
        unit_code=place.unit.code if place.unit else None,
        geometry=place.geometry,
        attributes=place.attributes,
        active_from=place.active_from,
        active_until=place.active_until,
    )
