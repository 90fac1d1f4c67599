"""The subdistrict map: its own geometry (communities, grids, roads, compounds, collection
points) with the week's cases, the cameras, the terminals and the collection points' fill,
drawn by static/map.js; and the look-ups the location pickers use (a point's grid and road,
a road's landmarks)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from backoffice.cases.models import Case
from backoffice.cases.service import visible
from backoffice.cases.states import OPEN_STATES, CaseSource, CaseState
from backoffice.cases.time_limits import is_overdue
from backoffice.deps import DbSession, Now
from backoffice.errors import BadInput
from backoffice.fleet import service as fleet
from backoffice.places import service as places
from backoffice.places.geometry import centre
from backoffice.places.landmarks import landmarks
from backoffice.places.models import Place, PlaceKind
from backoffice.vision import service as vision
from backoffice.vision.rules import RuleKind
from backoffice.web import auth, queries
from backoffice.web.auth import CurrentUser
from backoffice.web.i18n import translate_message
from backoffice.web.render import language_of, page
from backoffice.web.roles import CAMERA_READERS, CASE_READERS, FLEET_READERS, MAP_READERS

router = APIRouter(prefix="/ops", include_in_schema=False)

WEEK = timedelta(days=7)


def _name(obj: Any, lang: str) -> str:
    return str(obj.name_zh if lang == "zh" else obj.name_en)


def _places(db: Session, lang: str, now: datetime) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for place in db.scalars(select(Place).order_by(Place.code)):
        if place.active_until is not None and place.active_until <= now:
            continue
        entry: dict[str, Any] = {
            "code": place.code,
            "name": _name(place, lang),
            "geometry": place.geometry,
        }
        if place.kind is PlaceKind.COLLECTION_POINT:
            entry["threshold"] = (place.attributes or {}).get("fill_threshold")
        out.setdefault(place.kind.value, []).append(entry)
    return out


def _fills(db: Session) -> dict[str, float]:
    """The last measured fill of each collection point a camera's fill zone watches."""
    fills: dict[str, float] = {}
    for camera in vision.list_cameras(db):
        for zone in camera.zones:
            if zone.rule is RuleKind.COLLECTION_POINT and zone.place_code and zone.state:
                value = float(zone.state.get("value", 0.0))
                fills[zone.place_code] = max(value, fills.get(zone.place_code, 0.0))
    return fills


def _case_entry(case: Case, lang: str, now: datetime) -> dict[str, Any]:
    approx = case.lon is None or case.lat is None
    if not approx:
        lon, lat = case.lon, case.lat
    elif case.grid is not None:
        lon, lat = centre(case.grid.geometry)
    elif case.road is not None:
        lon, lat = centre(case.road.geometry)
    else:
        lon = lat = None
    return {
        "number": case.number,
        "state": case.state.value,
        "open": case.state in OPEN_STATES,
        "overdue": is_overdue(case, now),
        "type": case.type.code,
        "type_name": _name(case.type, lang),
        "source": case.source.value,
        "lon": lon,
        "lat": lat,
        "approx": approx,
        "grid": case.grid.code if case.grid else None,
        "road": _name(case.road, lang) if case.road else "",
        "reported_at": case.reported_at.isoformat(),
    }


def map_data(db: Session, user: auth.PageUser, lang: str, now: datetime) -> dict[str, Any]:
    data: dict[str, Any] = {"now": now.isoformat(), "week_start": (now - WEEK).isoformat()}
    data["places"] = _places(db, lang, now)
    data["fills"] = _fills(db)
    if user.role in CASE_READERS:
        query = (
            visible(select(Case), user.principal)
            .where(or_(Case.reported_at >= now - WEEK, Case.state.in_(OPEN_STATES)))
            .options(selectinload(Case.type), selectinload(Case.grid), selectinload(Case.road))
            .order_by(Case.reported_at)
            .limit(3000)
        )
        data["cases"] = [_case_entry(c, lang, now) for c in db.scalars(query)]
    if user.role in CAMERA_READERS:
        data["cameras"] = [
            {"code": c.code, "name": c.name, "lon": c.lon, "lat": c.lat, "status": c.status.value}
            for c in vision.list_cameras(db)
            if c.lon is not None and c.lat is not None
        ]
    if user.role in FLEET_READERS:
        terminals = []
        sites = places.named_sites(db)
        for t in fleet.list_terminals(db):
            point = fleet.terminal_point(db, t, sites)
            terminals.append(
                {
                    "code": t.code,
                    "name": t.name,
                    "lon": point[0] if point else None,
                    "lat": point[1] if point else None,
                    # Placed at the site its place text names, not at a point of its own.
                    "approx": point is not None and t.lon is None,
                }
            )
        data["terminals"] = terminals
    return data


@router.get("/map")
def map_page(request: Request, user: CurrentUser, db: DbSession, now: Now) -> HTMLResponse:
    auth.require(user, MAP_READERS, "the map")
    return page(
        request,
        "map.html",
        user,
        title="Map",
        types=queries.case_types(db),
        states=list(CaseState),
        sources=list(CaseSource),
    )


@router.get("/api/map")
def map_json(request: Request, user: CurrentUser, db: DbSession, now: Now) -> JSONResponse:
    auth.require(user, MAP_READERS, "the map")
    return JSONResponse(map_data(db, user, language_of(request), now))


@router.get("/api/locate")
def locate_json(
    request: Request,
    user: CurrentUser,
    db: DbSession,
    lon: Annotated[float, Query()],
    lat: Annotated[float, Query()],
) -> JSONResponse:
    """A picked point's grid, community and nearest road, for the pickers to show."""
    auth.require(user, MAP_READERS, "the map")
    lang = language_of(request)
    try:
        where = places.locate(db, point=(lon, lat))
    except BadInput as error:
        return JSONResponse({"detail": translate_message(error.message, lang)}, status_code=422)
    return JSONResponse(
        {
            "grid": where.grid.code if where.grid else None,
            "grid_name": _name(where.grid, lang) if where.grid else "",
            "community_name": _name(where.community, lang) if where.community else "",
            "road": where.road.code if where.road else None,
            "road_name": _name(where.road, lang) if where.road else "",
            "road_distance_m": round(where.road_distance_m, 1)
            if where.road_distance_m is not None
            else None,
        }
    )


@router.get("/api/landmarks")
def landmarks_json(
    request: Request,
    user: CurrentUser,
    db: DbSession,
    now: Now,
    road: Annotated[str, Query()],
) -> JSONResponse:
    auth.require(user, MAP_READERS, "the map")
    lang = language_of(request)
    return JSONResponse(
        [
            {
                "code": lm.code,
                "kind": lm.kind,
                "name": lm.name_zh if lang == "zh" else lm.name_en,
                "lon": lm.lon,
                "lat": lm.lat,
            }
            for lm in landmarks(db, road, now)
        ]
    )
