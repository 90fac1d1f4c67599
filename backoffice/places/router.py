"""Places API: list and read places, resolve a point, and (administrators) add or edit them."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from backoffice.access import SUBDISTRICT_ROLES, Principal, Role, authorize
from backoffice.deps import DbSession
from backoffice.errors import BadInput
from backoffice.places import service
from backoffice.places.models import Place, PlaceKind
from backoffice.places.schemas import PlaceCreate, PlaceOut, PlaceUpdate, Resolution

router = APIRouter(prefix="/api/v1/places", tags=["places"])

Reader = Annotated[Principal, authorize(*SUBDISTRICT_ROLES, units=True)]
Admin = Annotated[Principal, authorize(Role.ADMIN)]


@router.get("")
def list_places(
    db: DbSession, _caller: Reader, kind: PlaceKind | None = None, parent_code: str | None = None
) -> list[PlaceOut]:
    query = select(Place).order_by(Place.code)
    if kind is not None:
        query = query.where(Place.kind == kind)
    if parent_code is not None:
        query = query.where(Place.parent_id == service.get_place(db, parent_code).id)
    return [service.describe(p) for p in db.scalars(query)]


@router.get("/resolve")
def resolve(
    db: DbSession,
    _caller: Reader,
    lon: Annotated[float, Query(ge=-180, le=180, description="WGS84 longitude.")],
    lat: Annotated[float, Query(ge=-90, le=90, description="WGS84 latitude.")],
) -> Resolution:
    """The grid, community, nearest road (with its distance in metres) and site of a point."""
    if not (math.isfinite(lon) and math.isfinite(lat) and abs(lon) <= 180 and abs(lat) <= 90):
        raise BadInput("lon and lat must be WGS84 degrees (lon -180..180, lat -90..90).")
    where = service.locate(db, point=(lon, lat))
    return Resolution(
        lon=lon,
        lat=lat,
        grid_code=where.grid.code if where.grid else None,
        community_code=where.community.code if where.community else None,
        road_code=where.road.code if where.road else None,
        road_name_zh=where.road.name_zh if where.road else None,
        road_distance_m=round(where.road_distance_m, 1)
        if where.road_distance_m is not None
        else None,
        place_code=where.site.code if where.site else None,
    )


@router.get("/{code}")
def get_place(code: str, db: DbSession, _caller: Reader) -> PlaceOut:
    return service.describe(service.get_place(db, code))


@router.post("", status_code=201)
def create_place(body: PlaceCreate, db: DbSession, _admin: Admin) -> PlaceOut:
    return service.describe(service.create_place(db, body))


@router.patch("/{code}")
def update_place(code: str, body: PlaceUpdate, db: DbSession, _admin: Admin) -> PlaceOut:
    return service.describe(service.update_place(db, service.get_place(db, code), body))
