"""Find, create and edit places, and resolve a reported point to its grid and nearest road.

Resolving runs on every filing, so it reads an in-memory index of every place's geometry,
rebuilt when any place changes (any process: see `backoffice.refcache`), and loads
only the places it found.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice import refcache
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


@dataclass(frozen=True)
class IndexedPlace:
    """What resolving a point needs of a place, as plain data."""

    id: int
    code: str
    kind: PlaceKind
    geometry: dict[str, Any]
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float
    parent_id: int | None
    active_until: datetime | None

    def covers(self, lon: float, lat: float, margin: float = 0.0) -> bool:
        return (
            self.min_lon - margin <= lon <= self.max_lon + margin
            and self.min_lat - margin <= lat <= self.max_lat + margin
        )

    def in_use(self, now: datetime | None) -> bool:
        if self.active_until is None:
            return True
        return now is not None and self.active_until > now


@dataclass(frozen=True)
class PlaceIndex:
    by_code: dict[str, IndexedPlace] = field(default_factory=dict)
    grids: tuple[IndexedPlace, ...] = ()
    roads: tuple[IndexedPlace, ...] = ()
    sites: tuple[IndexedPlace, ...] = ()


def _build_index(db: Session) -> PlaceIndex:
    rows = db.execute(
        select(
            Place.id,
            Place.code,
            Place.kind,
            Place.geometry,
            Place.min_lon,
            Place.min_lat,
            Place.max_lon,
            Place.max_lat,
            Place.parent_id,
            Place.active_until,
        ).order_by(Place.id)
    ).all()
    places = [IndexedPlace(*row) for row in rows]
    return PlaceIndex(
        by_code={p.code: p for p in places},
        grids=tuple(p for p in places if p.kind is PlaceKind.GRID),
        roads=tuple(p for p in places if p.kind is PlaceKind.ROAD),
        sites=tuple(p for p in places if p.kind in SITE_KINDS),
    )


def place_index(db: Session) -> PlaceIndex:
    """Every place's geometry, from memory while no place has changed."""
    return refcache.cached(db, "places.index", "places", _build_index)


def get_place(db: Session, code: str) -> Place:
    place = db.scalars(select(Place).where(Place.code == code)).first()
    if place is None:
        raise NotFound(f"No place has the code '{code}'.")
    return place


_ALL_PLACES = select(Place)


def _load(db: Session, ids: Sequence[int | None]) -> dict[int, Place]:
    """The places with these ids, from memory like the index (no query)."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    places = refcache.detached(db, "places.objects", "places", _ALL_PLACES, lambda p: p.id)
    return {i: refcache.attach(db, places[i]) for i in wanted}


def _grid_at(index: PlaceIndex, point: geo.Point) -> IndexedPlace | None:
    lon, lat = point
    for grid in index.grids:
        if grid.covers(lon, lat) and geo.point_in_polygon(point, grid.geometry["coordinates"]):
            return grid
    return None


def _nearest_road(index: PlaceIndex, point: geo.Point) -> tuple[IndexedPlace, float] | None:
    if not index.roads:
        return None
    distance, _code, _id, road = min(
        (geo.distance_to_polyline_m(point, r.geometry["coordinates"]), r.code, r.id, r)
        for r in index.roads
    )
    return road, distance


def _site_at(index: PlaceIndex, point: geo.Point, now: datetime | None) -> IndexedPlace | None:
    lon, lat = point
    candidates = [p for p in index.sites if p.in_use(now) and p.covers(lon, lat, margin=_SNAP_DEG)]
    points = [
        (geo.distance_to_geometry_m(point, p.geometry), p.code, p)
        for p in candidates
        if p.geometry["type"] == "Point"
    ]
    near = [entry for entry in points if entry[0] <= SITE_SNAP_M]
    if near:
        return min(near, key=lambda entry: (entry[0], entry[1]))[2]
    containing = [
        p
        for p in candidates
        if p.geometry["type"] == "Polygon"
        and geo.point_in_polygon(point, p.geometry["coordinates"])
    ]
    # The smallest containing polygon is the most specific (a building inside a park).
    return min(containing, key=_area_key, default=None)


def grid_at(db: Session, point: geo.Point) -> Place | None:
    found = _grid_at(place_index(db), point)
    return _load(db, [found.id])[found.id] if found else None


def nearest_road(db: Session, point: geo.Point) -> tuple[Place, float] | None:
    found = _nearest_road(place_index(db), point)
    if found is None:
        return None
    road, distance = found
    return _load(db, [road.id])[road.id], distance


def site_at(db: Session, point: geo.Point, now: datetime | None = None) -> Place | None:
    """The point-shaped site within SITE_SNAP_M, else the polygon site that contains the point.
    Sites out of use (a removed collection point) are left out: those retired by `now`, or
    any retired one when no time is given."""
    found = _site_at(place_index(db), point, now)
    return _load(db, [found.id])[found.id] if found else None


def named_sites(db: Session) -> list[Place]:
    """The sites a place text may name: compounds, buildings and parks, by code."""
    kinds = [k for k in SITE_KINDS if k is not PlaceKind.COLLECTION_POINT]
    return list(db.scalars(select(Place).where(Place.kind.in_(kinds)).order_by(Place.code)))


def site_named(db: Session, text: str, sites: Sequence[Place] | None = None) -> Place | None:
    """The compound, building or park whose address or Chinese name the text names (a
    terminal's place, "愚园路1000号 社区事务受理服务中心"), the first by code; None if none.
    `sites`: `named_sites` loaded once, when many texts are looked up."""
    if not text.strip():
        return None
    for site in named_sites(db) if sites is None else sites:
        address = str((site.attributes or {}).get("address", ""))
        if (address and address in text) or site.name_zh in text:
            return site
    return None


def _area_key(place: IndexedPlace | Place) -> tuple[float, str]:
    return ((place.max_lon - place.min_lon) * (place.max_lat - place.min_lat), place.code)


def _indexed_of_kind(
    index: PlaceIndex, code: str, kinds: Sequence[PlaceKind], field: str
) -> IndexedPlace:
    place = index.by_code.get(code)
    names = " or ".join(k.value for k in kinds)
    if place is None:
        raise BadInput(f"Unknown place '{code}': no {names} has this code.", field=field)
    if place.kind not in kinds:
        raise BadInput(f"'{code}' is a {place.kind}, not a {names}.", field=field)
    return place


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
    index = place_index(db)
    grid = _indexed_of_kind(index, grid_code, [PlaceKind.GRID], "grid_code") if grid_code else None
    road = _indexed_of_kind(index, road_code, [PlaceKind.ROAD], "road_code") if road_code else None
    site = _indexed_of_kind(index, place_code, SITE_KINDS, "place_code") if place_code else None
    road_distance: float | None = None
    if point is not None:
        if grid is None:
            grid = _grid_at(index, point)
            if grid is None:
                raise BadInput(
                    f"The point lon {point[0]}, lat {point[1]} lies outside every grid of the "
                    "subdistrict; check the coordinates (WGS84, lon first).",
                    field="lon",
                )
        if road is None:
            nearest = _nearest_road(index, point)
            if nearest is not None:
                road, road_distance = nearest
        else:
            road_distance = geo.distance_to_polyline_m(point, road.geometry["coordinates"])
        if site is None:
            site = _site_at(index, point, now)
    community_id = grid.parent_id if grid is not None else None
    loaded = _load(db, [p.id if p else None for p in (grid, road, site)] + [community_id])
    return Location(
        grid=loaded[grid.id] if grid else None,
        community=loaded[community_id] if community_id is not None else None,
        road=loaded[road.id] if road else None,
        road_distance_m=road_distance,
        site=loaded[site.id] if site else None,
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
